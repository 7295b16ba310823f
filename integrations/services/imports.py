"""First imports, re-imports and reconciliations: one-day windows, one task each, resumable.

A run (SyncRun) covers a range of one stream (signed waivers, contacts or orders) and is
worked through window by window: a task reads one window of at most a day of venue-local
time from the connector (ConnectorSpec.read_window), then writes it through the same rules and
upserts as webhooks, records the outcomes and moves the run's cursor to the window's end, all
in one transaction. So a crash re-runs the unfinished window from its start, nothing of it
having been committed: no gap, no double count. A task that finds the cursor moved since it
read it (a redelivered or swept duplicate) rolls its window back instead of counting it twice.

A connection works through its runs one at a time, oldest first (the chain): the first import
is signed waivers (so minors are known before anyone is stored), products, contacts, then
orders; a re-import or a reconciliation queued meanwhile waits its turn. Reading happens
before the transaction (no HTTP while holding locks), so a window is held in memory: one day
of one venue, never the history.
"""

import datetime as dt
import logging
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import DatabaseError, OperationalError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from integrations.errors import ConnectionBrokenError, SyncError, TransientError
from integrations.minors import minors_known
from integrations.models import Connection, SyncRun
from integrations.records import ContactData, OrderData, OutcomeData, ProductData
from integrations.registry import connector_get
from integrations.services.contacts import contacts_linked
from integrations.services.events import DISPATCHABLE_STATUSES, retry_delay
from integrations.services.heartbeat import runs_interrupted

logger = logging.getLogger(__name__)
Stream, Kind, Status = SyncRun.Stream, SyncRun.Kind, SyncRun.Status

WINDOWED = (Stream.WAIVERS, Stream.CONTACTS, Stream.ORDERS)
# Before the first window has been timed: one page a window (most venues change fewer than a
# page of 500 guests a day).
PAGES_PER_WINDOW = 1
DEFAULT_CALLS_PER_SECOND = 1.0
# Transient failures of one window (ROLLER down, a deadlock) before the run is marked failed;
# with back-off up to an hour between attempts that is most of a day. import_resume goes on.
MAX_ATTEMPTS = 20


# --- what a connector reads, what the pages show ----------------------------------------------


@dataclass(frozen=True, slots=True)
class WaiverData:
    """A signed waiver as the rules need it: whose it is and whether it says minor."""

    source_id: str | None  # the guest the waiver is for
    for_minor: bool
    date_of_birth: dt.date | None = None


@dataclass
class WindowRecords:
    """One window of one stream, read by the connector, mapped to the core's plain data."""

    records_seen: int = 0
    waivers: list[WaiverData] = field(default_factory=list)
    contacts: list[ContactData] = field(default_factory=list)
    orders: list[OrderData] = field(default_factory=list)
    # Products named by order lines, made from the line, for lines whose product the store
    # lacks (since removed from the source's product list, say).
    line_products: dict[str, ProductData] = field(default_factory=dict)
    failed: list[OutcomeData] = field(default_factory=list)  # records that could not be read


@dataclass(frozen=True)
class ImportEstimate:
    calls: int
    seconds: int


@dataclass(frozen=True)
class ImportProgress:
    windows_done: int
    windows_total: int
    records: int
    eta_seconds: int | None  # None: not known yet
    status: str  # a SyncRun.Status, or "not_started"


@dataclass(frozen=True)
class StepResult:
    status: str
    retry_in: float | None = None


# --- windows ----------------------------------------------------------------------------------


def zone_of(connection: Connection) -> ZoneInfo:
    try:
        return ZoneInfo(connection.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz)


def window_end(start: dt.datetime, limit: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """The end of the window starting at `start`: the next venue-local midnight, or `limit`."""
    return min(local_midnight(start.astimezone(tz).date() + dt.timedelta(days=1), tz), limit)


def windows_count(start: dt.datetime, end: dt.datetime, tz: ZoneInfo) -> int:
    count, cursor = 0, start
    while cursor < end:
        cursor, count = window_end(cursor, end, tz), count + 1
    return count


def first_import_plan(*, connection: Connection, now: dt.datetime | None = None) -> list[tuple]:
    """[(stream, start, end)] of the first import, in the order it runs (products: no range)."""
    spec = connector_get(connection.connector_type)
    now, tz = now or timezone.now(), zone_of(connection)
    today = now.astimezone(tz).date()

    def back(days: int) -> dt.datetime:
        return local_midnight(today - dt.timedelta(days=days), tz)

    # Up to the next whole minute: the source's window parameters have whole seconds, and what
    # changed in the moments before the webhook was registered must not fall in between.
    end = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    plan: list[tuple] = []
    windowed = spec is not None and spec.read_window is not None and connection.contacts_enabled
    if windowed:
        waivers_days = max(connection.contacts_lookback_days, connection.orders_lookback_days)
        plan.append((Stream.WAIVERS, back(waivers_days), end))
    if spec is not None and spec.read_products is not None and connection.products_enabled:
        plan.append((Stream.PRODUCTS, None, None))
    if windowed:
        plan.append((Stream.CONTACTS, back(connection.contacts_lookback_days), end))
        plan.append((Stream.ORDERS, back(connection.orders_lookback_days), end))
    return plan


# --- starting ---------------------------------------------------------------------------------


def first_import_start(*, connection: Connection, now: dt.datetime | None = None) -> list[SyncRun]:
    """Queues the first import (once per connection) and starts it. Activating again (to
    register the webhook again, say) does not import again."""
    if SyncRun.objects.filter(connection=connection, kind=Kind.FIRST_IMPORT).exists():
        return []
    runs = runs_queue(
        connection=connection, kind=Kind.FIRST_IMPORT, plan=first_import_plan(connection=connection, now=now)
    )
    imports_continue(connection=connection)
    return runs


def reimport_range(
    *, connection: Connection, start: dt.date | dt.datetime, end: dt.date | dt.datetime
) -> list[SyncRun]:
    """Reads [start, end) again (dates are venue-local days), waivers, contacts then orders,
    after whatever import the connection is busy with."""
    tz, now = zone_of(connection), timezone.now()
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


def runs_queue(*, connection: Connection, kind: str, plan: list[tuple]) -> list[SyncRun]:
    tz = zone_of(connection)
    runs = []
    for stream, start, end in plan:
        total = 1 if start is None else windows_count(start, end, tz)
        runs.append(
            SyncRun.objects.create(
                connection=connection,
                stream=stream,
                kind=kind,
                status=Status.QUEUED,
                window_start=start,
                window_end=end,
                cursor=start,
                windows_total=total,
            )
        )
    return runs


def chain_runs(connection: Connection) -> QuerySet[SyncRun]:
    """The runs a connection works through one at a time (scheduled and manual product syncs
    are not among them: they have a lock of their own, integrations.services.products_sync)."""
    return SyncRun.objects.filter(connection=connection).filter(
        Q(stream__in=WINDOWED, kind__in=[Kind.FIRST_IMPORT, Kind.MANUAL, Kind.RECONCILIATION])
        | Q(stream=Stream.PRODUCTS, kind=Kind.FIRST_IMPORT)
    )


def imports_continue(*, connection: Connection) -> SyncRun | None:
    """Starts the connection's next queued run unless one is running; returns it."""
    from integrations.services.products_sync import products_sync_busy

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
    from integrations.tasks_sync import import_window

    try:
        import_window.apply_async(args=[sync_run_id], retry=False)
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
        running = runs_interrupted(chain_runs(connection))
        interrupted = list(running.values_list("pk", flat=True))
        for pk in interrupted:
            window_publish(sync_run_id=pk)
        handled += len(interrupted) or bool(imports_continue(connection=connection))
    return handled


# --- processing one window ----------------------------------------------------------------------


class _Superseded(Exception):
    """Another task finished this window first: this one's writes roll back."""


def import_window_process(*, sync_run_id: int, attempt: int = 0) -> StepResult:
    """Reads and writes the run's next window, then queues the one after (or the next run)."""
    from integrations.services.import_writes import window_write
    from integrations.services.products_sync import products_sync_execute

    run = SyncRun.objects.select_related("connection").filter(pk=sync_run_id).first()
    if run is None or run.status != Status.RUNNING:
        return StepResult("not_running")
    connection = run.connection
    if connection.status not in DISPATCHABLE_STATUSES:
        return StepResult("deferred")  # paused: imports_sweep goes on after the resume
    if run.stream == Stream.PRODUCTS:
        result = products_sync_execute(sync_run=run, attempt=attempt)
        if result.retry_in is None:
            imports_continue(connection=connection)
        return result
    spec = connector_get(connection.connector_type)
    start = run.cursor or run.window_start
    end = window_end(start, run.window_end, zone_of(connection))
    try:
        records = spec.read_window(connection, run.stream, start, end)
        people = _holders_read(spec, connection, records)
        with transaction.atomic():
            counts = window_write(sync_run=run, records=records, people=people)
            finished = _advance(run, start=start, end=end, counts=counts, seen=records.records_seen)
            transaction.on_commit(
                (lambda: imports_continue(connection=connection))
                if finished
                else (lambda: window_publish(sync_run_id=run.pk))
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


def _holders_read(spec, connection: Connection, records: WindowRecords) -> dict:
    """The booking holders the store does not know, read from the source (outside the
    transaction: it is HTTP). Known minors are not even asked for."""
    ids = {order.holder_source_id for order in records.orders if order.holder_source_id}
    if not ids or spec.read_people is None:
        return {}
    linked = contacts_linked(connection=connection, source_ids=ids).keys()
    unknown = ids - linked - minors_known(connection=connection, source_ids=ids)
    return spec.read_people(connection, sorted(unknown)) if unknown else {}


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


def retry_or_fail(run: SyncRun, exc: Exception, attempt: int) -> StepResult:
    """A retry after the source's own wait (ROLLER's 60 s penalty) or a back-off, or, after
    MAX_ATTEMPTS, the run fails where it is."""
    if attempt + 1 >= MAX_ATTEMPTS:
        return run_fail(run, f"Gave up after {attempt + 1} attempts: {exc}")
    retry_after = getattr(exc, "retry_after", None)
    delay = retry_after if retry_after else retry_delay(attempt + 1)
    logger.warning("import run %s: window failed, retry in %.0f s: %s", run.pk, delay, exc)
    return StepResult("retry", retry_in=delay)


def run_fail(run: SyncRun, error: str, *, broken: bool = False) -> StepResult:
    """The run stops where it is (its cursor stays: import_resume goes on from there)."""
    if broken:
        from integrations.services.connections import connection_mark_needs_attention

        connection_mark_needs_attention(connection=run.connection, reason=error)
    logger.error("sync run %s failed: %s", run.pk, error)
    SyncRun.objects.filter(pk=run.pk, status=Status.RUNNING).update(
        status=Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )
    transaction.on_commit(lambda: imports_continue(connection=run.connection))
    return StepResult(Status.FAILED)


# --- estimates and progress ---------------------------------------------------------------------


def first_import_estimate(*, connection: Connection, now: dt.datetime | None = None) -> ImportEstimate:
    """How many calls the first import makes and how long that takes at the paced rate (the
    wizard shows it before activation, while the connection is a draft)."""
    tz = zone_of(connection)
    calls = sum(
        PAGES_PER_WINDOW * (1 if start is None else windows_count(start, end, tz))
        for _stream, start, end in first_import_plan(connection=connection, now=now)
    )
    return ImportEstimate(calls=calls, seconds=math.ceil(calls / _calls_per_second(connection)))


def import_progress(*, connection: Connection, now: dt.datetime | None = None) -> ImportProgress:
    """Where the first import is: windows done of total, records read, time left."""
    runs = list(SyncRun.objects.filter(connection=connection, kind=Kind.FIRST_IMPORT).order_by("pk"))
    if not runs:
        return ImportProgress(0, 0, 0, None, "not_started")
    done = sum(min(run.windows_done, run.windows_total) for run in runs)
    total = sum(run.windows_total for run in runs)
    records = sum(run.records_seen for run in runs)
    statuses = {run.status for run in runs}
    if Status.FAILED in statuses:
        status = Status.FAILED
    elif statuses <= {Status.SUCCEEDED, Status.SKIPPED}:
        return ImportProgress(total, total, records, 0, Status.SUCCEEDED)
    else:
        status = Status.RUNNING if Status.RUNNING in statuses or done else Status.QUEUED
    started = min((run.started_at for run in runs if run.started_at), default=None)
    remaining = total - done
    if done and started:
        elapsed = ((now or timezone.now()) - started).total_seconds()
        eta = math.ceil(elapsed / done * remaining)
    else:
        eta = math.ceil(remaining * PAGES_PER_WINDOW / _calls_per_second(connection))
    return ImportProgress(done, total, records, eta, status)


def _calls_per_second(connection: Connection) -> float:
    spec = connector_get(connection.connector_type)
    return (spec.import_calls_per_second if spec else None) or DEFAULT_CALLS_PER_SECOND
