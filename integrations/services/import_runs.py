"""The runs of first imports, re-imports and reconciliations, one chain per connection.

A run (SyncRun) covers a range of one stream (ages, contacts or orders) and is worked through
window by window (integrations.services.import_windows). A connection works through its runs
one at a time, oldest first (the chain): the first import is age evidence (so minors are
known before anyone is stored), products, contacts, then orders; a re-import or a
reconciliation queued meanwhile waits its turn.
"""

import datetime as dt
import logging
import uuid

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from integrations.errors import SyncError
from integrations.import_plan import WINDOWED, PlanStep, first_import_plan
from integrations.locality import connection_zone
from integrations.models import DISPATCHABLE_STATUSES, Connection, ExportSequence, SourceExport, SyncRun
from integrations.publishing import task_publish
from integrations.selectors.history import stream_may_go
from integrations.services.heartbeat import runs_interrupted
from integrations.services.products_sync import products_sync_busy
from integrations.windows import local_midnight, month_slices, windows_count

logger = logging.getLogger(__name__)
Stream, Kind, Status = SyncRun.Stream, SyncRun.Kind, SyncRun.Status

# --- starting ---------------------------------------------------------------------------------


def first_import_start(*, connection: Connection, now: dt.datetime | None = None) -> list[SyncRun]:
    """Queues the first import (once per connection) and starts it. Activating again (to
    register the webhook again, say) does not import again."""
    if SyncRun.objects.filter(connection=connection, kind=Kind.FIRST_IMPORT).exists():
        return []
    runs = runs_queue(
        connection=connection, kind=Kind.FIRST_IMPORT, plan=first_import_plan(connection=connection, now=now)
    )
    if any(hasattr(run, "export") for run in runs):
        # Asked at once: the source generates the history while the tail is read.
        transaction.on_commit(lambda: exports_request_publish(connection_id=connection.pk))
    imports_continue(connection=connection)
    return runs


def reimport_range(
    *, connection: Connection, start: dt.date | dt.datetime, end: dt.date | dt.datetime
) -> list[SyncRun]:
    """Reads [start, end) again (dates are venue-local days), waivers, contacts then orders,
    after whatever import the connection is busy with."""
    tz, now = connection_zone(connection), timezone.now()
    start_at = local_midnight(start, tz) if not isinstance(start, dt.datetime) else start
    end_at = local_midnight(end, tz) if not isinstance(end, dt.datetime) else end
    end_at = min(end_at, now)
    if timezone.is_naive(start_at) or timezone.is_naive(end_at):
        raise ValueError("Give dates, or aware datetimes.")
    if end_at <= start_at:
        raise ValueError("The range must end after it starts, and not in the future.")
    if not connection.contacts_enabled:
        return []
    plan = [(stream, start_at, end_at) for stream in WINDOWED]
    runs = runs_queue(connection=connection, kind=Kind.MANUAL, plan=plan)
    imports_continue(connection=connection)
    return runs


def reimport_request(*, connection: Connection, start: dt.date, end: dt.date) -> str:
    """A person asked (admin, connection page) to read the days [start, end) again: queues it
    and says what will happen; raises SyncError saying what to do instead."""
    if connection.status == Connection.Status.DRAFT:
        raise SyncError("Finish setting up the connection first.")
    if not connection.contacts_enabled:
        raise SyncError("Contacts are switched off for this connection, so there is nothing to re-import.")
    try:
        reimport_range(connection=connection, start=start, end=end)
    except ValueError as exc:
        raise SyncError(str(exc)) from exc
    days = (end - start).days
    return (
        f"Re-importing {days} day{'s' if days != 1 else ''} from {start.day} {start:%b %Y}: age checks, contacts, "
        "then orders, after any import that is running."
    )


def runs_queue(*, connection: Connection, kind: str, plan: list[tuple]) -> list[SyncRun]:
    """A run per step of the plan (PlanStep, or (stream, start, end)), one batch; a step read by
    the source's export gets its export with a row per expected sequence."""
    tz = connection_zone(connection)
    runs, batch = [], uuid.uuid4()
    for step in plan:
        step = PlanStep(*step)
        total = 1 if step.start is None else windows_count(step.start, step.end, tz)
        run = SyncRun.objects.create(
            connection=connection,
            stream=step.stream,
            kind=kind,
            status=Status.QUEUED,
            window_start=step.start,
            window_end=step.end,
            cursor=step.start,
            windows_total=0 if step.by_export else total,
            phase=step.phase,
            batch=batch,
        )
        if step.by_export:
            run.export = export_create(run=run)
        runs.append(run)
    return runs


def export_create(*, run: SyncRun) -> SourceExport:
    """The export of a history run, with a row per expected sequence (one per calendar month)."""
    tz = connection_zone(run.connection)
    start, end = run.window_start.astimezone(tz).date(), run.window_end.astimezone(tz).date()
    export = SourceExport.objects.create(
        connection=run.connection, sync_run=run, stream=run.stream, start_date=start, end_date=end
    )
    ExportSequence.objects.bulk_create(
        ExportSequence(export=export, number=number, month_start=first, month_end=upto)
        for number, (first, upto) in enumerate(month_slices(start, end), start=1)
    )
    return export


def exports_request_publish(*, connection_id: int) -> None:
    try:
        task_publish("integrations.tasks_sync.request_exports", args=[connection_id], retry=False)
    except Exception as exc:  # noqa: BLE001 - the broker may be down; the exports sweep asks
        logger.warning("could not publish the export requests of connection %s (%s)", connection_id, exc)


def chain_runs(connection: Connection) -> QuerySet[SyncRun]:
    """The runs a connection works through one at a time (scheduled and manual product syncs
    are not among them: they have a lock of their own, integrations.services.products_sync;
    nor are runs read from the source's export, driven by its webhooks: a run whose export
    fell back to windows is one again)."""
    return (
        SyncRun.objects.filter(connection=connection)
        .filter(
            Q(stream__in=WINDOWED, kind__in=[Kind.FIRST_IMPORT, Kind.MANUAL, Kind.RECONCILIATION])
            | Q(stream=Stream.PRODUCTS, kind=Kind.FIRST_IMPORT)
        )
        .filter(Q(export__isnull=True) | Q(export__status=SourceExport.Status.FELL_BACK))
    )


def imports_continue(*, connection: Connection) -> SyncRun | None:
    """Starts the connection's next queued run unless one is running; returns it."""

    with transaction.atomic():
        # Serialises the claims of one connection (PostgreSQL: row lock; SQLite: every write
        # transaction is exclusive).
        list(Connection.objects.select_for_update().filter(pk=connection.pk).values_list("pk"))
        chain = chain_runs(connection)
        if chain.filter(status=Status.RUNNING).exists():
            return None
        # A run whose batch (the runs queued together: same kind, same end) has a failed run
        # waits for import_resume: contacts are never imported when the waivers failed.
        failed = set(chain.filter(status=Status.FAILED).values_list("kind", "window_end"))
        for run in chain.filter(status=Status.QUEUED).order_by("pk"):
            if run.window_end is not None and (run.kind, run.window_end) in failed:
                continue
            if not stream_may_go(run):
                continue  # a history's contacts or orders wait for their batch's age checks
            now = timezone.now()
            if run.stream == Stream.PRODUCTS and products_sync_busy(connection=connection, exclude_pk=run.pk):
                SyncRun.objects.filter(pk=run.pk).update(
                    status=Status.SKIPPED,
                    finished_at=now,
                    windows_done=1,
                    error="Another product sync of this connection was running; it did this one's work.",
                )
                continue
            SyncRun.objects.filter(pk=run.pk).update(status=Status.RUNNING, started_at=now)
            transaction.on_commit(lambda pk=run.pk: window_publish(sync_run_id=pk))
            return run
    return None


def import_resume(*, connection: Connection) -> int:
    """Failed runs go on from their cursor (after the cause was fixed); returns how many."""
    with transaction.atomic():
        resumed = (
            chain_runs(connection).filter(status=Status.FAILED).update(status=Status.QUEUED, error="", finished_at=None)
        )
        imports_continue(connection=connection)
    return resumed


def window_publish(*, sync_run_id: int) -> None:
    try:
        task_publish("integrations.tasks_sync.import_window", args=[sync_run_id], retry=False)
    except Exception as exc:  # noqa: BLE001 - the broker may be down; imports_sweep publishes again
        logger.warning("could not publish import window of run %s (%s); the sweeper will", sync_run_id, exc)


def imports_sweep() -> int:
    """Publishes again the running runs without a recent heartbeat (their task was lost: broker
    down, worker stopped) and starts queued ones nobody started. A duplicate task loses to the
    real one at its commit. Returns how many runs it handled."""
    handled = 0
    connections = Connection.objects.filter(
        status__in=DISPATCHABLE_STATUSES, sync_runs__status__in=[Status.QUEUED, Status.RUNNING]
    )
    for connection in connections.distinct():
        # Only runs no task works on (integrations.services.heartbeat): a busy one is left alone.
        interrupted = list(runs_interrupted(chain_runs(connection)).values_list("pk", flat=True))
        for pk in interrupted:
            window_publish(sync_run_id=pk)
        handled += len(interrupted) or bool(imports_continue(connection=connection))
    return handled
