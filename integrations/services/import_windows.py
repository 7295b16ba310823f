"""One window of an import: read, map, ingest a batch of a thousand at a time.

A task reads one window of at most a day of venue-local time from the connector
(ConnectorSpec.read_window), then ingests it through the one path webhooks take
(integrations.services.ingest), records the outcomes and moves the run's cursor to the
window's end, all in one transaction. So a crash re-runs the unfinished window from its start,
nothing of it having been committed: no gap, no double count. A task that finds the cursor
moved since it read it (a redelivered or swept duplicate) rolls its window back instead of
counting it twice. Reading happens before the transaction (no HTTP while holding locks), so a
window is held in memory: one day of one venue, never the history.
"""

import datetime as dt
import logging
from collections import Counter

from django.db import DatabaseError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from integrations.errors import ConnectionBrokenError, SyncError, TransientError
from integrations.locality import connection_zone
from integrations.minors import minors_known
from integrations.models import DISPATCHABLE_STATUSES, Connection, RecordOutcome, SyncRun
from integrations.outcomes import Entity, Outcome, Reason
from integrations.records import RecordBatch
from integrations.registry import connector_get
from integrations.selectors.history import age_checks_pending
from integrations.services.contacts import contacts_linked
from integrations.services.exports import batch_progressed
from integrations.services.import_runs import imports_continue, window_publish
from integrations.services.ingest import batches, ingest
from integrations.services.products_sync import products_sync_execute
from integrations.services.runs import StepResult, retry_or_fail, run_fail
from integrations.windows import window_end

logger = logging.getLogger(__name__)
Stream, Kind, Status = SyncRun.Stream, SyncRun.Kind, SyncRun.Status


class _Superseded(Exception):
    """Another task finished this window first: this one's writes roll back."""


def import_window_process(*, sync_run_id: int, attempt: int = 0) -> StepResult:
    """Reads and writes the run's next window, then queues the one after (or the next run).
    A run that fails lets the connection's next run start (one of another batch)."""
    run = SyncRun.objects.select_related("connection").filter(pk=sync_run_id).first()
    if run is None or run.status != Status.RUNNING:
        return StepResult("not_running")
    result = _window_process(run, attempt=attempt)
    if result.status == Status.FAILED:
        transaction.on_commit(lambda: imports_continue(connection=run.connection))
    return result


def _window_process(run: SyncRun, *, attempt: int) -> StepResult:
    connection = run.connection
    if connection.status not in DISPATCHABLE_STATUSES:
        return StepResult("deferred")  # paused: imports_sweep goes on after the resume
    if run.stream == Stream.PRODUCTS:
        result = products_sync_execute(sync_run=run, attempt=attempt)
        if result.retry_in is None and result.status != Status.FAILED:
            imports_continue(connection=connection)
        return result
    spec = connector_get(connection.connector_type)
    start = run.cursor or run.window_start
    end = window_end(start, run.window_end, connection_zone(connection))
    try:
        records = spec.read_window(connection, run.stream, start, end)
        records.people_left_out = holders_left_out(sync_run=run, records=records)
        records.people = holders_read(spec, connection, records)
        with transaction.atomic():
            counts = window_ingest(sync_run=run, records=records)
            finished = _advance(run, start=start, end=end, counts=counts, seen=records.records_seen)
            transaction.on_commit(
                (lambda: _finished(run)) if finished else (lambda: window_publish(sync_run_id=run.pk))
            )
    except _Superseded:
        return StepResult("duplicate")
    except ConnectionBrokenError as exc:
        return run_fail(run, str(exc), broken=True)
    except (TransientError, OperationalError) as exc:
        return retry_or_fail(run, exc, attempt)
    except (SyncError, DatabaseError) as exc:
        return run_fail(run, str(exc))
    except Exception as exc:
        logger.exception("import window of run %s failed", run.pk)
        return run_fail(run, f"{exc.__class__.__name__}: {exc}")
    return StepResult(Status.SUCCEEDED if finished else "continued")


def _finished(run: SyncRun) -> None:
    """The chain goes on; a recent days' or history's run also lets the export files waiting
    for it go, and the recent days' people held for the age check
    (integrations.services.held_release)."""
    if run.phase in (SyncRun.Phase.HISTORY, SyncRun.Phase.TAIL):
        # The history's files wait for the recent days and for their age checks.
        batch_progressed(connection=run.connection, batch=run.batch)
    else:
        imports_continue(connection=run.connection)


def window_ingest(*, sync_run: SyncRun, records: RecordBatch) -> Counter:
    """One window through the ingest path, a thousand records at a time; returns the counts.
    The caller holds the transaction."""
    counts: Counter = Counter()
    healed = sync_run.kind == Kind.RECONCILIATION
    # A first import's recent days, read while its history's age checks still come: who could
    # be a minor is held, not written (integrations.models.HeldRecord).
    hold = age_checks_pending(sync_run)
    for batch in batches(records):
        counts += ingest(
            connection=sync_run.connection, batch=batch, sync_run=sync_run, healed=healed, hold_unknown_ages=hold
        ).counts
    return counts


def holders_read(spec, connection: Connection, records: RecordBatch) -> dict:
    """The booking holders the store does not know, read from the source (outside the
    transaction: it is HTTP). Known minors are not even asked for."""
    ids = {order.holder_source_id for order in records.orders if order.holder_source_id}
    if not ids or spec.read_people is None:
        return {}
    linked = contacts_linked(connection=connection, source_ids=ids).keys()
    unknown = ids - linked - minors_known(connection=connection, source_ids=ids) - records.people_left_out.keys()
    return spec.read_people(connection, sorted(unknown)) if unknown else {}


# A person's own data decides these: read again minutes later, the answer is the same.
LEFT_OUT_FOR_GOOD = (Reason.NO_EMAIL_OR_PHONE, Reason.NO_MATCHING_KEY)


def holders_left_out(*, sync_run: SyncRun, records: RecordBatch) -> dict[str, str]:
    """The batch's booking holders that the same import (its batch of runs: the history's
    contacts, read before its orders) read and left out, with the reason. A 10-year history
    holds thousands of guests without an email or phone; asking the source for each again took
    its whole REST rate limit, and every order waited on a 60-second lock-out."""
    ids = {order.holder_source_id for order in records.orders if order.holder_source_id}
    if not ids or sync_run.batch is None:
        return {}
    rows = RecordOutcome.objects.filter(
        connection_id=sync_run.connection_id,
        sync_run__batch=sync_run.batch,
        entity=Entity.CONTACT,
        outcome=Outcome.SKIPPED,
        reason__in=LEFT_OUT_FOR_GOOD,
        source_id__in=ids,
    ).values_list("source_id", "reason")
    return dict(rows)


def _advance(run: SyncRun, *, start: dt.datetime, end: dt.datetime, counts: dict, seen: int) -> bool:
    """Moves the cursor from `start` to `end`, only if it still is at `start`; True when the
    run is done. Inside the window's transaction: it commits with the window's writes."""
    finished = end >= run.window_end
    moved = SyncRun.objects.filter(pk=run.pk, status=Status.RUNNING, cursor=start).update(
        cursor=end,
        windows_done=F("windows_done") + 1,
        records_seen=F("records_seen") + seen,
        **({"status": Status.SUCCEEDED, "finished_at": timezone.now()} if finished else {}),
    )
    if not moved:
        raise _Superseded
    # The row is locked by the update above until commit: no other task adds its counts now.
    stored = SyncRun.objects.values_list("counts", flat=True).get(pk=run.pk) or {}
    for key, count in counts.items():
        stored[key] = stored.get(key, 0) + count
    SyncRun.objects.filter(pk=run.pk).update(counts=stored)
    return finished
