"""Product syncs: whole lists, inactive never deleted, one at a time, on each connection's schedule.

Reliability scenarios 17 (second half) and 20, with a fake source (tests.support.fake_source).
"""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection as db
from django.utils import timezone

from integrations.errors import TransientError
from integrations.models import Connection, OrderLine, Product, RecordOutcome, SyncRun
from integrations.outcomes import Reason
from integrations.records import ProductData
from integrations.services.connections import connection_pause, connection_resume
from integrations.services.products_sync import (
    products_sync_dispatch_due,
    products_sync_run,
    products_sync_start,
)
from tests.factories import ConnectionFactory, OrderFactory, ProductFactory
from tests.support.fake_source import TYPE, FakeSource

pytestmark = pytest.mark.django_db
Stream, Kind, Status = SyncRun.Stream, SyncRun.Kind, SyncRun.Status

CATALOGUE = [
    ProductData("100", "Jump Session", product_type="Pass", category="Entry"),
    ProductData("101", "Adult 60 min", parent_external_id="100", product_type="Pass", price=Decimal("16.50")),
    ProductData("102", "Toddler 60 min", parent_external_id="100", product_type="Pass", price=Decimal("9.95")),
    ProductData("200", "Grip socks", product_type="AddOn", price=Decimal("3.00")),
]


@pytest.fixture
def source():
    yield FakeSource(products=list(CATALOGUE)).register()
    FakeSource.unregister()


@pytest.fixture
def connection(source):
    return ConnectionFactory(connector_type=TYPE)


def sync(worker, connection, kind=Kind.MANUAL) -> SyncRun:
    run = worker.call(products_sync_start, connection=connection, kind=kind)
    worker.drain()
    run.refresh_from_db()
    return run


def test_parents_and_variations_become_products_linked_to_their_parent(connection, source, worker):
    run = sync(worker, connection)

    variation = Product.objects.get(external_id="101")
    assert (variation.name, variation.parent.external_id, variation.price) == ("Adult 60 min", "100", Decimal("16.50"))
    assert Product.objects.get(external_id="200").parent is None
    assert (run.status, run.records_seen, run.counts) == (Status.SUCCEEDED, 4, {"product.created": 4})
    connection.refresh_from_db()
    assert connection.products_last_synced_at == run.finished_at


def test_unchanged_products_are_counted_not_written_again(connection, source, worker):
    sync(worker, connection)
    outcomes = RecordOutcome.objects.count()

    run = sync(worker, connection)
    assert run.counts == {"product.unchanged": 4}
    assert RecordOutcome.objects.count() == outcomes  # an hourly sync does not log 4 × 24 "unchanged"


def test_a_product_gone_from_the_source_turns_inactive_is_never_deleted_and_comes_back(connection, source, worker):
    sync(worker, connection)
    socks = Product.objects.get(external_id="200")
    line = OrderLine.objects.create(
        order=OrderFactory(contact__connection=connection), external_id="1", product=socks, quantity=1
    )
    source.products = CATALOGUE[:3]

    run = sync(worker, connection)
    socks.refresh_from_db()
    assert socks.active is False
    assert OrderLine.objects.get(pk=line.pk).product == socks
    assert run.counts == {"product.unchanged": 3, "product.updated": 1}
    assert RecordOutcome.objects.get(sync_run=run).detail.startswith("No longer in the source's product list")

    source.products = CATALOGUE
    sync(worker, connection)
    assert Product.objects.get(external_id="200").active is True


def test_a_product_created_from_an_order_gets_its_real_details_and_keeps_what_it_had(connection, source, worker):
    # Scenario 17, second half: the webhook made it from the order line (no version).
    made = ProductFactory(
        connection=connection, external_id="101", name="Product 101", price=Decimal("16.50"), product_type="",
        created_from_order=True, source_version=None,
    )  # fmt: skip
    line = OrderLine.objects.create(
        order=OrderFactory(contact__connection=connection), external_id="1", product=made, quantity=2
    )
    source.products = [CATALOGUE[0], ProductData("101", "Adult 60 min", parent_external_id="100", product_type="Pass")]

    run = sync(worker, connection)
    made.refresh_from_db()
    assert (made.name, made.product_type, made.parent.external_id) == ("Adult 60 min", "Pass", "100")
    assert made.price == Decimal("16.50")  # the list gave no price: the line's stays
    assert made.created_from_order is True and made.source_version is not None
    assert OrderLine.objects.get(pk=line.pk).product_id == made.pk
    assert run.counts == {"product.created": 1, "product.updated": 1}


def test_products_switched_off_make_a_sync_now_skip_with_the_reason(connection, worker):
    connection.products_enabled = False
    run = worker.call(products_sync_start, connection=connection)
    assert (run.status, run.error) == (Status.SKIPPED, Reason.PRODUCTS_DISABLED.label)
    assert not worker.queue


def test_a_rate_limited_sync_goes_back_in_the_queue_and_is_retried_after_the_wait(connection, source, worker):
    source.failures[Stream.PRODUCTS] = TransientError("Rate limited", retry_after=60)
    run = worker.call(products_sync_start, connection=connection)
    worker.step()
    assert worker.retries == [60]
    assert SyncRun.objects.get(pk=run.pk).status == Status.QUEUED  # the lock is free meanwhile

    worker.drain()
    assert SyncRun.objects.get(pk=run.pk).status == Status.SUCCEEDED
    assert Product.objects.count() == 4


# --- one at a time (scenario 20) -----------------------------------------------------------------


def test_two_syncs_started_together_one_runs_the_other_skips(connection, source, worker):
    first = worker.call(products_sync_start, connection=connection)
    second = worker.call(products_sync_start, connection=connection)
    read_products, seen = source.read_products, []

    def second_starts_while_the_first_reads(connection):
        if not seen:
            seen.append(products_sync_run(sync_run_id=second.pk).status)
        return read_products(connection)

    source.read_products = second_starts_while_the_first_reads
    source.register()
    worker.drain()

    assert seen == [Status.SKIPPED]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.SUCCEEDED, Status.SKIPPED)
    assert second.error == "Another product sync of this connection was running."
    assert len([read for read in source.reads if read[0] == Stream.PRODUCTS]) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_syncs_started_together_on_two_workers_one_runs_the_other_skips(source, monkeypatch):
    from integrations.tasks_sync import sync_products

    monkeypatch.setattr(sync_products, "apply_async", lambda *args, **kwargs: None)
    connection = ConnectionFactory(connector_type=TYPE)
    runs = [products_sync_start(connection=connection) for _ in range(2)]
    read_products = source.read_products

    def slow_read(connection):
        time.sleep(0.3)  # long enough for the other worker to try to claim meanwhile
        return read_products(connection)

    source.read_products = slow_read
    source.register()
    together = threading.Barrier(2)

    def worker(run):
        try:
            together.wait(timeout=10)
            products_sync_run(sync_run_id=run.pk)
        finally:
            db.close()

    threads = [threading.Thread(target=worker, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(SyncRun.objects.values_list("status", flat=True)) == [Status.SKIPPED, Status.SUCCEEDED]
    assert Product.objects.count() == 4


def test_a_sync_left_running_by_a_dead_worker_does_not_block_the_next(connection, source, worker):
    dead = SyncRun.objects.create(
        connection=connection, stream=Stream.PRODUCTS, kind=Kind.SCHEDULED, status=Status.RUNNING,
        started_at=timezone.now() - dt.timedelta(minutes=20),
    )  # fmt: skip
    assert sync(worker, connection).status == Status.SUCCEEDED
    dead.refresh_from_db()
    assert dead.status == Status.FAILED and "Interrupted" in dead.error


# --- the schedule follows the settings ---------------------------------------------------------


def test_a_connection_is_due_when_its_frequency_has_passed_and_a_change_takes_effect_at_once(connection, worker):
    now = timezone.now()
    Connection.objects.filter(pk=connection.pk).update(products_last_synced_at=now - dt.timedelta(minutes=20))
    assert worker.call(products_sync_dispatch_due, now=now) == 0  # hourly: not yet

    Connection.objects.filter(pk=connection.pk).update(products_frequency_minutes=15)
    assert worker.call(products_sync_dispatch_due, now=now) == 1  # every 15 minutes: due
    assert SyncRun.objects.get().kind == Kind.SCHEDULED
    assert worker.call(products_sync_dispatch_due, now=now) == 0  # one queued is enough

    worker.drain()
    assert worker.call(products_sync_dispatch_due, now=timezone.now()) == 0  # just synced
    later = timezone.now() + dt.timedelta(minutes=16)
    assert worker.call(products_sync_dispatch_due, now=later) == 1


def test_a_paused_connection_or_products_off_is_not_synced_and_resuming_needs_no_restart(connection, worker):
    connection_pause(connection=connection)
    assert products_sync_dispatch_due() == 0
    connection_resume(connection=connection)
    assert worker.call(products_sync_dispatch_due) == 1

    other = ConnectionFactory(connector_type=TYPE, products_enabled=False)
    products_sync_dispatch_due()
    assert not SyncRun.objects.filter(connection=other).exists()


def test_after_a_failed_sync_the_next_attempt_waits_a_period(connection, worker):
    assert worker.call(products_sync_dispatch_due) == 1
    SyncRun.objects.filter(connection=connection).update(status=Status.FAILED)
    assert products_sync_dispatch_due() == 0
    assert worker.call(products_sync_dispatch_due, now=timezone.now() + dt.timedelta(minutes=61)) == 1


def test_a_scheduled_sync_whose_task_was_lost_does_not_hold_the_schedule_up(connection, worker):
    lost = SyncRun.objects.create(connection=connection, stream=Stream.PRODUCTS, kind=Kind.SCHEDULED)
    assert products_sync_dispatch_due() == 0
    later = timezone.now() + dt.timedelta(minutes=20)
    assert worker.call(products_sync_dispatch_due, now=later) == 1
    lost.refresh_from_db()
    assert (lost.status, lost.error) == (Status.SKIPPED, "Never started: its task was lost.")


def test_an_empty_product_list_deactivates_nothing(connection, source, worker):
    sync(worker, connection)
    source.products = []

    run = sync(worker, connection)
    assert run.status == Status.SUCCEEDED
    assert Product.objects.filter(active=True).count() == 4
