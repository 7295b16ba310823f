"""First imports and re-imports: one-day windows, one task each, resumable, through the rules.

Driven by a fake source (tests.support.fake_source) so that versions, windows and failures are
exact, and by an in-process worker (tests.support.sync_worker) that runs the published tasks
the way Celery would. Reliability scenarios 16 and 31.
"""

import datetime as dt
import itertools
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from integrations.errors import ConnectionBrokenError, TransientError
from integrations.models import Connection, Contact, KnownMinor, Order, RecordOutcome, SyncRun
from integrations.outcomes import Outcome, Reason
from integrations.records import AgeEvidence, ContactData, OrderData, OrderLineData
from integrations.rules import contact_prepare
from integrations.selectors.progress import ImportProgress, first_import_estimate, import_progress
from integrations.services import import_windows
from integrations.services.connections import connection_activate, connection_pause
from integrations.services.import_runs import (
    first_import_start,
    import_resume,
    imports_continue,
    imports_sweep,
    reimport_range,
    runs_queue,
)
from integrations.services.import_windows import import_window_process
from integrations.services.upserts import contacts_upsert
from tests.factories import ConnectionFactory
from tests.support.fake_source import TYPE, FakeSource

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
Stream, Kind, Status = SyncRun.Stream, SyncRun.Kind, SyncRun.Status


class Crash(BaseException):
    """The worker process dies: nothing catches it, the transaction never commits."""


@pytest.fixture
def connection(source):
    return ConnectionFactory(
        connector_type=TYPE, contacts_lookback_days=3, orders_lookback_days=2, activated_at=timezone.now()
    )


def ago(**delta) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def guest(source_id: str, version: dt.datetime, **values) -> ContactData:
    return ContactData(
        source_id=source_id, email=values.pop("email", f"{source_id}@example.com"), source_version=version, **values
    )


def booking(external_id: str, holder: str | None, version: dt.datetime, **values) -> OrderData:
    line = OrderLineData(f"{external_id}-1", values.pop("product", "P1"), 2, Decimal("16.50"))
    return OrderData(
        external_id=external_id, channel="online", reference=f"R{external_id}", holder_source_id=holder,
        source_version=version, total=Decimal("33.00"), lines=(line,), **values,
    )  # fmt: skip


def reads(source: FakeSource, stream: str) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(start, end) for read, start, end in source.reads if read == stream]


# --- the shape of the first import (scenario 31) ----------------------------------------------


def test_the_first_import_reads_products_then_waivers_then_contacts_then_orders_in_venue_days(
    connection, source, worker
):
    worker.call(first_import_start, connection=connection)
    worker.drain()

    order = [stream for stream, _start, _end in source.reads]
    assert order == [Stream.PRODUCTS] + [Stream.AGES] * 4 + [Stream.CONTACTS] * 4 + [Stream.ORDERS] * 3
    for stream, days in ((Stream.AGES, 3), (Stream.CONTACTS, 3), (Stream.ORDERS, 2)):
        run = SyncRun.objects.get(connection=connection, stream=stream)
        windows = reads(source, stream)
        today = timezone.localdate(timezone=AMS)
        # No gap, no overlap: each window starts where the last ended, at a venue midnight.
        assert windows[0][0] == dt.datetime.combine(today - dt.timedelta(days=days), dt.time(), tzinfo=AMS)
        assert windows[-1][1] == run.window_end
        assert all(earlier[1] == later[0] for earlier, later in itertools.pairwise(windows))
        assert all(start.astimezone(AMS).time() == dt.time() for start, _end in windows)
        assert all(end - start <= dt.timedelta(hours=25) for start, end in windows)
        assert (run.status, run.windows_done, run.windows_total, run.cursor) == (
            Status.SUCCEEDED,
            len(windows),
            len(windows),
            run.window_end,
        )


def test_contacts_and_orders_go_through_the_webhooks_rules_and_say_why_they_were_skipped(connection, source, worker):
    source.guests = [
        guest("g1", ago(days=1), first_name="Mia"),
        guest("g2", ago(days=1), email=""),
        guest("g3", ago(days=1), date_of_birth=dt.date.today() - dt.timedelta(days=365 * 10)),
    ]
    source.bookings = [
        booking("b1", "g1", ago(hours=20)),
        booking("b2", None, ago(hours=20)),
        booking("b3", "g3", ago(hours=20)),
    ]
    worker.call(first_import_start, connection=connection)
    worker.drain()

    assert list(Contact.objects.values_list("match_value", "first_name")) == [("g1@example.com", "Mia")]
    order = Order.objects.get()
    assert (order.external_id, order.contact.match_value) == ("b1", "g1@example.com")
    assert [(line.product.external_id, line.quantity) for line in order.lines.all()] == [("P1", 2)]
    contacts = SyncRun.objects.get(stream=Stream.CONTACTS)
    assert contacts.counts == {"contact.created": 1, "contact.skipped.no_email_or_phone": 1, "contact.skipped.minor": 1}
    orders = SyncRun.objects.get(stream=Stream.ORDERS)
    assert orders.counts == {"order.created": 1, "order.skipped.no_contact": 1, "order.skipped.minor": 1}
    minor_outcomes = RecordOutcome.objects.filter(reason=Reason.MINOR)
    assert minor_outcomes.count() == 2 and set(minor_outcomes.values_list("source_id", "detail")) == {("", "")}
    assert RecordOutcome.objects.filter(sync_run=orders, outcome=Outcome.CREATED).get().source_id == "b1"


def test_minors_are_learnt_from_waivers_before_contacts_are_imported(connection, source, worker):
    # Nothing but the waiver says this guest is a minor: no date of birth, an email address.
    source.waivers = [
        (ago(days=2), AgeEvidence("m1", for_minor=True)),
        (ago(days=2), AgeEvidence("a1", for_minor=False)),
    ]
    source.guests = [guest("m1", ago(days=1)), guest("a1", ago(days=1))]
    source.bookings = [booking("b1", "m1", ago(hours=20))]
    worker.call(first_import_start, connection=connection)
    worker.drain()

    assert list(Contact.objects.values_list("match_value", flat=True)) == ["a1@example.com"]
    assert KnownMinor.objects.filter(connection=connection).count() == 1
    assert not Order.objects.exists()
    assert SyncRun.objects.get(stream=Stream.AGES).counts == {"waiver.skipped.minor": 1}
    assert SyncRun.objects.get(stream=Stream.CONTACTS).counts == {"contact.created": 1, "contact.skipped.minor": 1}
    assert SyncRun.objects.get(stream=Stream.ORDERS).counts == {"order.skipped.minor": 1}


# --- resumable: no gap, no double count (scenario 31) -------------------------------------------


def test_a_crash_mid_window_goes_on_from_the_last_finished_window_without_gap_or_double_count(
    connection, source, worker, monkeypatch
):
    source.guests = [guest(f"g{day}{n}", ago(days=day, minutes=n)) for day in range(3) for n in range(3)]
    advance, calls = import_windows._advance, []

    def crash_in_the_second_contacts_window(run, **kwargs):
        finished = advance(run, **kwargs)  # the writes and the cursor are in: then the process dies
        if run.stream == Stream.CONTACTS:
            calls.append(kwargs["start"])
            if len(calls) == 2:
                raise Crash
        return finished

    monkeypatch.setattr(import_windows, "_advance", crash_in_the_second_contacts_window)
    worker.call(first_import_start, connection=connection)
    with pytest.raises(Crash):
        worker.drain()
    run = SyncRun.objects.get(stream=Stream.CONTACTS)
    assert (run.status, run.windows_done, run.cursor) == (Status.RUNNING, 1, calls[1])

    worker.queue.insert(0, ("integrations.tasks_sync.import_window", run.pk, 0))  # acks_late: redelivered
    worker.drain()

    windows = reads(source, Stream.CONTACTS)
    assert windows[1] == windows[2]  # the crashed window was read again, from its start
    once = windows[:2] + windows[3:]
    assert all(earlier[1] == later[0] for earlier, later in itertools.pairwise(once))  # no gap
    run.refresh_from_db()
    assert (run.status, run.windows_done, run.windows_total) == (Status.SUCCEEDED, 4, 4)
    assert Contact.objects.count() == 9
    assert run.counts == {"contact.created": 9}
    outcomes = RecordOutcome.objects.filter(sync_run=run)
    assert outcomes.count() == 9 and outcomes.values("source_id").distinct().count() == 9


def test_a_duplicate_task_that_loses_the_race_for_its_window_writes_nothing(connection, source, worker):
    source.guests = [guest("g1", ago(days=1)), guest("g2", ago(hours=1))]
    [run] = runs_queue(connection=connection, kind=Kind.MANUAL, plan=[(Stream.CONTACTS, ago(days=2), ago(minutes=1))])
    worker.call(imports_continue, connection=connection)
    read_window, raced = source.read_window, []

    def read_while_another_task_finishes_the_window(connection, stream, start, end):
        records = read_window(connection, stream, start, end)
        if not raced:  # a redelivered copy of this task does the same window meanwhile
            raced.append(None)
            raced[0] = import_window_process(sync_run_id=run.pk)
        return records

    source.read_window = read_while_another_task_finishes_the_window
    FakeSource.register(source)
    assert import_window_process(sync_run_id=run.pk).status == "duplicate"
    assert raced[0].status == "continued"
    source.read_window = read_window
    FakeSource.register(source)
    worker.queue.clear()
    while SyncRun.objects.get(pk=run.pk).status == Status.RUNNING:
        import_window_process(sync_run_id=run.pk)

    run.refresh_from_db()
    assert run.counts == {"contact.created": 2}
    assert RecordOutcome.objects.filter(sync_run=run).count() == 2


def test_a_rate_limited_window_is_retried_after_the_sources_wait_and_nothing_is_lost(connection, source, worker):
    source.guests = [guest("g1", ago(days=1))]
    source.failures[Stream.CONTACTS] = TransientError("Rate limited", retry_after=60)
    worker.call(first_import_start, connection=connection)
    worker.drain()

    assert worker.retries == [60]
    assert Contact.objects.count() == 1
    assert SyncRun.objects.get(stream=Stream.CONTACTS).counts == {"contact.created": 1}


def test_when_the_waivers_fail_no_contact_is_imported_until_the_import_is_resumed(connection, source, worker):
    source.guests = [guest("g1", ago(days=1))]
    source.failures[Stream.AGES] = ConnectionBrokenError("The source rejected our credentials: enter new ones.")
    worker.call(first_import_start, connection=connection)
    worker.drain()

    connection.refresh_from_db()
    assert connection.status == Connection.Status.NEEDS_ATTENTION
    assert "enter new ones" in connection.status_reason
    statuses = dict(SyncRun.objects.values_list("stream", "status"))
    assert statuses[Stream.AGES] == Status.FAILED
    assert (statuses[Stream.CONTACTS], statuses[Stream.ORDERS]) == (Status.QUEUED, Status.QUEUED)
    assert not Contact.objects.exists()

    assert worker.call(import_resume, connection=connection) == 1
    worker.drain()
    assert set(SyncRun.objects.values_list("status", flat=True)) == {Status.SUCCEEDED}
    assert Contact.objects.count() == 1


def test_activating_again_after_new_credentials_goes_on_with_a_failed_import(connection, source, worker):
    source.failures[Stream.CONTACTS] = ConnectionBrokenError("The source rejected our credentials: enter new ones.")
    worker.call(first_import_start, connection=connection)
    worker.drain()
    assert SyncRun.objects.get(stream=Stream.CONTACTS).status == Status.FAILED

    worker.call(connection_activate, connection=connection)
    worker.drain()
    assert set(SyncRun.objects.values_list("status", flat=True)) == {Status.SUCCEEDED}
    assert SyncRun.objects.count() == 4


def test_a_paused_connection_stops_between_windows_and_the_sweeper_goes_on_after_resume(connection, source, worker):
    worker.call(first_import_start, connection=connection)
    worker.step()  # the first waivers window
    connection_pause(connection=connection)
    assert worker.step() == "deferred"
    assert imports_sweep() == 0
    assert not worker.queue

    Connection.objects.filter(pk=connection.pk).update(status=Connection.Status.ACTIVE)
    assert worker.call(imports_sweep) == 1
    worker.drain()
    assert set(SyncRun.objects.values_list("status", flat=True)) == {Status.SUCCEEDED}


def test_the_sweeper_publishes_again_a_window_whose_task_was_lost(connection, source, worker):
    worker.call(first_import_start, connection=connection)
    worker.queue.clear()  # the broker was down when the first window was to be published

    assert worker.call(imports_sweep) == 1
    worker.drain()
    assert set(SyncRun.objects.values_list("status", flat=True)) == {Status.SUCCEEDED}


# --- estimates and progress ---------------------------------------------------------------------


def test_the_estimate_before_activation_counts_the_windows_at_the_paced_rate(source):
    draft = ConnectionFactory(connector_type=TYPE, status=Connection.Status.DRAFT)  # 10 years, 7 days

    estimate = first_import_estimate(connection=draft)
    # Products: one list; the tail of waivers, contacts and orders: 7 days and today each; the
    # history of waivers and contacts (the fake source has no exports): 3,643 days each.
    assert estimate.calls == 1 + 8 * 3 + 3643 * 2
    assert estimate.export_requests == 0
    assert estimate.seconds == -(-estimate.calls // 2)  # the fake source is paced at 2 calls a second
    assert not SyncRun.objects.exists()


def test_progress_shows_windows_done_of_total_records_so_far_and_time_left(connection, source, worker):
    source.guests = [guest("g1", ago(days=1)), guest("g2", ago(days=2))]
    assert import_progress(connection=connection).status == "not_started"
    worker.call(first_import_start, connection=connection)
    for _ in range(6):
        worker.step()

    # Four waiver windows, the product list, the first contacts window (three days ago).
    progress = import_progress(connection=connection)
    assert (progress.windows_done, progress.windows_total, progress.status) == (6, 12, Status.RUNNING)
    assert progress.records == 1  # the one product
    assert progress.eta_seconds is not None and progress.eta_seconds >= 0

    worker.drain()
    assert import_progress(connection=connection) == ImportProgress(12, 12, 3, 0, Status.SUCCEEDED)


# --- starting -----------------------------------------------------------------------------------


def test_activation_queues_the_first_import_once(source, worker):
    draft = ConnectionFactory(connector_type=TYPE, status=Connection.Status.DRAFT, contacts_lookback_days=1)

    worker.call(connection_activate, connection=draft)
    assert list(SyncRun.objects.order_by("pk").values_list("stream", "kind", "status")) == [
        (Stream.PRODUCTS, Kind.FIRST_IMPORT, Status.RUNNING),
        (Stream.AGES, Kind.FIRST_IMPORT, Status.QUEUED),
        (Stream.CONTACTS, Kind.FIRST_IMPORT, Status.QUEUED),
        (Stream.ORDERS, Kind.FIRST_IMPORT, Status.QUEUED),
    ]
    connection_activate(connection=draft)  # "register webhook again": no second import
    assert SyncRun.objects.count() == 4


def test_reimporting_a_range_reads_it_again_after_the_running_import(connection, source, worker):
    source.guests = [guest("g1", ago(days=1), first_name="Mia")]
    worker.call(first_import_start, connection=connection)
    yesterday = timezone.localdate(timezone=AMS) - dt.timedelta(days=1)
    runs = worker.call(reimport_range, connection=connection, start=yesterday, end=yesterday + dt.timedelta(days=1))
    assert [run.status for run in runs] == [Status.QUEUED] * 3  # behind the first import
    source.guests.append(guest("g1", ago(hours=23, minutes=30), first_name="Mila"))

    worker.drain()
    assert Contact.objects.get().first_name == "Mila"
    assert all(SyncRun.objects.get(pk=run.pk).windows_done == 1 for run in runs)


# --- one row, newest data (scenario 16) ---------------------------------------------------------


@pytest.mark.parametrize("webhook_first", [True, False])
def test_a_contact_written_by_a_webhook_and_an_import_is_one_row_with_the_newest_data(
    connection, source, worker, webhook_first
):
    older, newer = ago(hours=2), ago(hours=1)
    source.guests = [guest("g1", older, first_name="Old")]
    runs_queue(connection=connection, kind=Kind.MANUAL, plan=[(Stream.CONTACTS, ago(days=1), ago(minutes=1))])
    worker.call(imports_continue, connection=connection)

    def webhook():
        contacts_upsert(
            connection=connection,
            contacts=[contact_prepare(guest("g1", newer, first_name="New"), connection=connection)],
        )

    if webhook_first:
        webhook()
    worker.drain()
    if not webhook_first:
        webhook()

    assert list(Contact.objects.values_list("first_name", "source_version")) == [("New", newer)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_webhook_and_an_import_writing_the_same_contacts_at_the_same_moment_keep_the_newest(source, monkeypatch):
    from integrations.tasks_sync import import_window

    monkeypatch.setattr(import_window, "apply_async", lambda *args, **kwargs: None)
    connection = ConnectionFactory(connector_type=TYPE)
    older, newer = ago(hours=2), ago(hours=1)
    source.guests = [guest(f"g{n}", older, first_name="Old") for n in range(200)]
    [run] = runs_queue(connection=connection, kind=Kind.MANUAL, plan=[(Stream.CONTACTS, ago(days=1), ago(minutes=1))])
    imports_continue(connection=connection)
    start = threading.Barrier(2)
    read_window = source.read_window

    def read_then_wait(*args):
        records = read_window(*args)
        start.wait(timeout=10)
        return records

    source.read_window = read_then_wait
    FakeSource.register(source)

    def importer():
        try:
            import_window_process(sync_run_id=run.pk)
        finally:
            db.close()

    def webhooks():
        try:
            start.wait(timeout=10)
            for n in range(200):
                with transaction.atomic():
                    contacts_upsert(
                        connection=connection,
                        contacts=[contact_prepare(guest(f"g{n}", newer, first_name="New"), connection=connection)],
                    )
        finally:
            db.close()

    threads = [threading.Thread(target=importer), threading.Thread(target=webhooks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Contact.objects.count() == 200
    assert set(Contact.objects.values_list("first_name", "source_version")) == {("New", newer)}
