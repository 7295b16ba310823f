"""A first import's history by ROLLER's bulk exports, against the sandbox over HTTP: requested
once per stream with the offset header, files read after the waivers, fallbacks to windows."""

import datetime as dt
import json
import time
import uuid
from collections import Counter
from functools import partial

import pytest
import requests
from django.utils import timezone

from integrations.models import (
    ContactSourceLink,
    ExportFile,
    ExportSequence,
    SourceExport,
    SyncRun,
    WebhookEvent,
)
from integrations.outcomes import Reason
from integrations.services.events import webhook_event_process
from integrations.services.exports import exports_sweep
from tests.integrations.exports.conftest import bodies
from tests.integrations.roller.activation import activate
from tests.support.webhooks import _store

pytestmark = pytest.mark.django_db
Stream, Status, Phase = SyncRun.Stream, SyncRun.Status, SyncRun.Phase


# Look-backs past the recent days, so each stream has a history to export.
activate = partial(activate, contacts_days=100, orders_days=40)


def sequences_expected(connection) -> int:
    return ExportSequence.objects.filter(export__connection=connection).count()


def wait_for_webhooks(receiver, count: int, timeout: float = 20.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while len(bodies(receiver)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    found = bodies(receiver)
    assert len(found) >= count, f"{len(found)} of {count} bulk export webhooks arrived"
    return found


def arrive(worker, connection, body: dict) -> WebhookEvent:
    """A delivery stored as the intake stores it, then processed by the events machinery."""
    event = _store(connection, json.dumps(body))
    worker.call(webhook_event_process, event_id=event.pk, task_id=f"t-{uuid.uuid4()}")
    event.refresh_from_db()
    return event


def test_the_plan_asks_for_one_export_per_stream_and_reads_its_files_after_the_tail(sandbox, worker, receiver):
    connection = activate(sandbox, worker)
    worker.drain()

    exports = {e.stream: e for e in SourceExport.objects.filter(connection=connection)}
    assert set(exports) == {Stream.AGES, Stream.CONTACTS, Stream.ORDERS}
    assert {e.status for e in exports.values()} == {SourceExport.Status.REQUESTED}
    asked = sandbox.bulk_exports()
    assert sorted(e["exportType"] for e in asked) == ["BookingItems", "Customers", "SignedWaivers"]
    for body in wait_for_webhooks(receiver, sequences_expected(connection)):
        event = arrive(worker, connection, body)
        assert event.status == WebhookEvent.Status.PROCESSED
        assert "X-Amz-" not in event.body and "Signature" not in event.body  # the signatures are not kept
    worker.drain()

    assert set(SourceExport.objects.filter(connection=connection).values_list("status", flat=True)) == {"done"}
    history = SyncRun.objects.filter(connection=connection, phase=Phase.HISTORY)
    assert set(history.values_list("status", flat=True)) == {Status.SUCCEEDED}
    assert ExportFile.objects.filter(sequence__export__connection=connection).exclude(status="done").count() == 0
    assert ContactSourceLink.objects.filter(connection=connection).exists()


def test_a_redelivered_sequence_is_read_once(sandbox, worker, receiver):
    connection = activate(sandbox, worker)
    worker.drain()
    received = wait_for_webhooks(receiver, sequences_expected(connection))
    received.reverse()  # the sandbox shuffles them already; any order is read the same
    for body in received:
        arrive(worker, connection, body)
        # ROLLER delivering the same sequence again (a new message id) while the export is read
        assert arrive(worker, connection, dict(body, id=str(uuid.uuid4()))).status == WebhookEvent.Status.PROCESSED
    worker.drain()
    seen = dict(
        SyncRun.objects.filter(connection=connection, phase=Phase.HISTORY).values_list("stream", "records_seen")
    )
    files = ExportFile.objects.filter(sequence__export__connection=connection)

    again = arrive(worker, connection, dict(received[0], id=str(uuid.uuid4())))  # and after it was read
    worker.drain()

    assert again.status == WebhookEvent.Status.PROCESSED
    assert (
        dict(SyncRun.objects.filter(connection=connection, phase=Phase.HISTORY).values_list("stream", "records_seen"))
        == seen
    )
    assert sum(f.rows_done for f in files) == sum(seen.values()) or seen[Stream.ORDERS] <= sum(
        f.rows_done for f in files
    )
    assert files.count() == len({url for body in received for url in body["data"]["preSignedUrls"]})


def test_a_bulk_export_nobody_here_asked_for_is_stored_and_skipped_with_its_reason(sandbox, worker, receiver):
    connection = activate(sandbox, worker)
    worker.drain()
    [body, *_] = wait_for_webhooks(receiver, sequences_expected(connection))
    foreign = dict(body, id=str(uuid.uuid4()), data=dict(body["data"], processId="someone-elses", exportType="Tickets"))

    event = arrive(worker, connection, foreign)

    assert event.status == WebhookEvent.Status.SKIPPED
    assert event.reason == Reason.NOT_OUR_EXPORT
    assert "X-Amz-" not in event.body


def test_a_429_at_the_start_reads_the_whole_stream_by_windows_and_says_so(sandbox, worker, receiver):
    # Another integration asked for every type a moment ago: the 6-hour slot is used.
    start, end = timezone.localdate() - dt.timedelta(days=40), timezone.localdate()
    for export_type in ("SignedWaivers", "Customers", "BookingItems"):
        answer = requests.post(
            f"{sandbox.url}/reporting/bulk",
            json={"exportType": export_type, "startDate": str(start), "endDate": str(end)},
            headers={"Authorization": f"Bearer {sandbox.token()}"},
            timeout=10,
        )
        assert answer.status_code == 200
    connection = activate(sandbox, worker)
    worker.drain()

    exports = SourceExport.objects.filter(connection=connection)
    assert set(exports.values_list("status", flat=True)) == {SourceExport.Status.FELL_BACK}
    assert all("429" in e.fallback_reason for e in exports)
    history = SyncRun.objects.filter(connection=connection, phase=Phase.HISTORY)
    assert set(history.values_list("status", flat=True)) == {Status.SUCCEEDED}
    assert all(run.windows_done == run.windows_total > 0 for run in history)
    # Their webhooks, if ROLLER sends them to us too, are not read.
    for body in bodies(receiver):
        assert arrive(worker, connection, body).status == WebhookEvent.Status.SKIPPED


def test_an_expired_file_reads_its_month_by_windows(sandbox, worker, receiver):
    connection = activate(sandbox, worker)
    worker.drain()
    received = wait_for_webhooks(receiver, sequences_expected(connection))
    waivers = [b for b in received if b["data"]["exportType"] == "SignedWaivers" and b["data"]["preSignedUrls"]]
    broken = waivers[0]
    broken["data"]["preSignedUrls"] = [
        url.replace("X-Amz-Signature=", "X-Amz-Signature=0") for url in broken["data"]["preSignedUrls"]
    ]
    for body in received:
        arrive(worker, connection, body)
    worker.drain()

    sequence = ExportSequence.objects.get(
        export__connection=connection, export__stream=Stream.AGES, number=broken["data"]["sequenceNumber"]
    )
    assert sequence.status == ExportSequence.Status.FELL_BACK
    month_run = SyncRun.objects.get(connection=connection, stream=Stream.AGES, phase=Phase.HISTORY, export__isnull=True)
    assert month_run.status == Status.SUCCEEDED
    assert month_run.window_start.date() <= sequence.month_start
    assert set(SyncRun.objects.filter(connection=connection, phase=Phase.HISTORY).values_list("status", flat=True)) == {
        Status.SUCCEEDED
    }


def test_an_export_that_never_comes_falls_back_to_windows_after_the_bound(sandbox, worker, receiver, settings):
    connection = activate(sandbox, worker)
    worker.drain()
    later = timezone.now() + dt.timedelta(seconds=settings.EXPORT_WAIT_SECONDS + 1)

    worker.call(exports_sweep, now=later)
    worker.drain()

    assert set(SourceExport.objects.filter(connection=connection).values_list("status", flat=True)) == {"fell_back"}
    assert set(SyncRun.objects.filter(connection=connection, phase=Phase.HISTORY).values_list("status", flat=True)) == {
        Status.SUCCEEDED
    }


def test_files_of_contacts_and_orders_wait_until_every_waiver_sequence_is_read(sandbox, worker, receiver):
    connection = activate(sandbox, worker)
    worker.drain()
    received = wait_for_webhooks(receiver, sequences_expected(connection))
    waivers = [b for b in received if b["data"]["exportType"] == "SignedWaivers"]
    others = [b for b in received if b["data"]["exportType"] != "SignedWaivers"]
    history = SyncRun.objects.filter(connection=connection, phase=Phase.HISTORY)
    before = dict(history.values_list("stream", "records_seen"))

    for body in others + waivers[:-1]:  # every waiver month but one
        arrive(worker, connection, body)
    worker.drain()

    files = ExportFile.objects.filter(sequence__export__connection=connection)
    assert files.filter(sequence__export__stream=Stream.CONTACTS).exists()
    assert set(files.exclude(sequence__export__stream=Stream.AGES).values_list("status", flat=True)) == {"waiting"}
    assert {s: n for s, n in history.values_list("stream", "records_seen") if s != Stream.AGES} == {
        s: n for s, n in before.items() if s != Stream.AGES
    }

    arrive(worker, connection, waivers[-1])
    worker.drain()

    assert set(files.values_list("status", flat=True)) == {"done"}
    assert set(history.values_list("status", flat=True)) == {Status.SUCCEEDED}


def test_each_file_is_handed_out_once_however_many_files_finish_before_it(sandbox, worker, receiver):
    sandbox.configure(bulk_export_file_records=5)  # many files a month
    connection = activate(sandbox, worker)
    worker.drain()
    received = wait_for_webhooks(receiver, sequences_expected(connection))

    for body in received:
        arrive(worker, connection, body)
    worker.drain()

    files = ExportFile.objects.filter(sequence__export__connection=connection)
    assert files.filter(sequence__export__stream=Stream.AGES).count() > 3
    assert set(files.values_list("status", flat=True)) == {"done"}
    handed_out = Counter(file_id for name, file_id, _status in worker.done if name.endswith("import_export_file"))
    assert handed_out == dict.fromkeys(files.values_list("pk", flat=True), 1)


def test_a_file_whose_task_was_lost_is_handed_out_again_by_the_sweep_not_before(sandbox, worker, receiver):
    connection = activate(sandbox, worker)
    worker.drain()
    received = wait_for_webhooks(receiver, sequences_expected(connection))
    waivers = [b for b in received if b["data"]["exportType"] == "SignedWaivers" and b["data"]["preSignedUrls"]]
    arrive(worker, connection, waivers[0])
    worker.queue.clear()  # the broker lost the file's task
    files = sorted(ExportFile.objects.filter(sequence__export__connection=connection).values_list("pk", flat=True))

    def files_queued() -> list[int]:
        return sorted(file_id for name, file_id, _ in worker.queue if name.endswith("import_export_file"))

    worker.call(exports_sweep)
    assert files_queued() == []  # handed out a moment ago: its task may just be queued
    worker.call(exports_sweep, now=timezone.now() + dt.timedelta(minutes=16))
    assert files_queued() == files
