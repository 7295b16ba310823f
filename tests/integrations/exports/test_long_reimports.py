"""A re-import of a range, or a reconciliation, goes by ROLLER's bulk export when the range is
long (over EXPORT_MIN_DAYS whole days) and the 6-hour slot of each type is free, and by one-day
windows otherwise; the slot is tracked per connection and type, ours and another integration's.
Against the sandbox over HTTP."""

import datetime as dt

import pytest
import requests
from django.utils import timezone

from integrations.import_plan import EXPORT_MIN_DAYS
from integrations.models import ExportSlot, HeldRecord, SourceExport, SyncRun
from integrations.selectors.history import export_slots_free
from integrations.services.import_runs import reimport_request
from integrations.services.reconciliation import reconciliation_start
from tests.integrations.exports.test_first_import_by_export import activate, arrive, wait_for_webhooks

pytestmark = pytest.mark.django_db
Stream, Status, Phase, Kind = SyncRun.Stream, SyncRun.Status, SyncRun.Phase, SyncRun.Kind


def recent_connection(sandbox, worker):
    """A connection whose first import was the recent days only: it used no export slot."""
    connection = activate(sandbox, worker, contacts_days=7, orders_days=7)
    worker.drain()
    assert not SourceExport.objects.filter(connection=connection).exists()
    return connection


def reimport(worker, connection, days: int) -> list[SyncRun]:
    today = timezone.localdate()
    before = set(SyncRun.objects.filter(connection=connection).values_list("pk", flat=True))
    worker.call(reimport_request, connection=connection, start=today - dt.timedelta(days=days), end=today)
    worker.drain()
    return list(SyncRun.objects.filter(connection=connection).exclude(pk__in=before).order_by("pk"))


def test_a_long_reimport_goes_by_one_export_per_type_and_is_read_from_its_files(sandbox, worker, receiver):
    connection = recent_connection(sandbox, worker)

    runs = reimport(worker, connection, days=EXPORT_MIN_DAYS + 30)

    exports = SourceExport.objects.filter(sync_run__in=runs)
    assert {e.stream for e in exports} == {Stream.AGES, Stream.CONTACTS, Stream.ORDERS}
    assert {e.status for e in exports} == {SourceExport.Status.REQUESTED}
    assert sorted(e["exportType"] for e in sandbox.bulk_exports()) == ["BookingItems", "Customers", "SignedWaivers"]
    assert {r.phase for r in runs if hasattr(r, "export")} == {Phase.HISTORY}
    assert Stream.CONTACTS not in export_slots_free(connection=connection)
    total = sum(e.sequences.count() for e in exports)
    for body in wait_for_webhooks(receiver, total):
        arrive(worker, connection, body)
    worker.drain()

    assert {e.status for e in exports.all()} == {SourceExport.Status.DONE}
    assert {r.status for r in SyncRun.objects.filter(pk__in=[r.pk for r in runs])} == {Status.SUCCEEDED}
    assert not HeldRecord.objects.filter(connection=connection).exists()


def test_a_second_long_reimport_within_the_slot_goes_by_windows_without_asking(sandbox, worker, receiver):
    connection = recent_connection(sandbox, worker)
    reimport(worker, connection, days=EXPORT_MIN_DAYS + 30)
    asked = len(sandbox.bulk_exports())

    runs = reimport(worker, connection, days=EXPORT_MIN_DAYS + 30)

    assert len(sandbox.bulk_exports()) == asked  # no request ROLLER would answer 429
    assert not SourceExport.objects.filter(sync_run__in=runs).exists()
    assert {r.phase for r in runs} == {Phase.NONE}
    assert {r.status for r in runs} == {Status.SUCCEEDED}


def test_a_short_reimport_goes_by_windows(sandbox, worker, receiver):
    connection = recent_connection(sandbox, worker)

    runs = reimport(worker, connection, days=EXPORT_MIN_DAYS)

    assert not SourceExport.objects.filter(sync_run__in=runs).exists()
    assert not sandbox.bulk_exports()
    assert {r.status for r in runs} == {Status.SUCCEEDED}
    assert all(r.windows_done == r.windows_total > 0 for r in runs)


def test_a_429_marks_the_slot_used_so_the_next_long_reimport_does_not_ask(sandbox, worker, receiver):
    connection = recent_connection(sandbox, worker)
    today = timezone.localdate()
    # Another integration used the Customers slot a moment ago.
    answer = requests.post(
        f"{sandbox.url}/reporting/bulk",
        json={"exportType": "Customers", "startDate": str(today - dt.timedelta(days=3)), "endDate": str(today)},
        headers={"Authorization": f"Bearer {sandbox.token()}"},
        timeout=10,
    )
    assert answer.status_code == 200

    first = reimport(worker, connection, days=EXPORT_MIN_DAYS + 30)

    contacts = SourceExport.objects.get(sync_run__in=first, stream=Stream.CONTACTS)
    assert contacts.status == SourceExport.Status.FELL_BACK and "429" in contacts.fallback_reason
    slot = ExportSlot.objects.get(connection=connection, stream=Stream.CONTACTS)
    assert slot.free_at > timezone.now() + dt.timedelta(hours=5)  # the sandbox's Retry-After: the slot's rest

    second = reimport(worker, connection, days=EXPORT_MIN_DAYS + 30)

    assert not SourceExport.objects.filter(sync_run__in=second).exists()


def test_a_long_reconciliation_goes_by_export_and_the_daily_one_by_windows(sandbox, worker, receiver, settings):
    connection = recent_connection(sandbox, worker)
    SyncRun.objects.filter(connection=connection, kind=Kind.FIRST_IMPORT).update(
        window_start=timezone.now() - dt.timedelta(days=400)
    )  # as if the first import had read further back

    daily = worker.call(reconciliation_start, connection=connection)
    settings.RECONCILIATION_LOOKBACK_DAYS = EXPORT_MIN_DAYS + 15
    long = worker.call(reconciliation_start, connection=connection)

    assert not SourceExport.objects.filter(sync_run__in=daily).exists()
    assert {e.stream for e in SourceExport.objects.filter(sync_run__in=long)} == {
        Stream.AGES,
        Stream.CONTACTS,
        Stream.ORDERS,
    }
    assert {r.kind for r in long} == {Kind.RECONCILIATION}
