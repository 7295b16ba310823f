"""How long a first import takes, and where it is: windows done of total, records read, time left."""

import datetime as dt
import math
from dataclasses import dataclass

from django.utils import timezone

from integrations.import_plan import first_import_plan
from integrations.locality import connection_zone
from integrations.models import Connection, SyncRun
from integrations.registry import connector_get
from integrations.windows import windows_count

Kind, Status = SyncRun.Kind, SyncRun.Status

# Before the first window has been timed: one page a window (most venues change fewer than a
# page of 500 guests a day).
PAGES_PER_WINDOW = 1
DEFAULT_CALLS_PER_SECOND = 1.0


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
class ImportProgressView:
    windows_done: int
    windows_total: int
    records: int
    eta_seconds: float | None
    status: str

    @property
    def percent(self) -> int:
        if not self.windows_total:
            return 0
        return min(100, round(100 * self.windows_done / self.windows_total))

    @property
    def finished(self) -> bool:
        return self.windows_total > 0 and self.windows_done >= self.windows_total

    @property
    def time_left(self) -> str:
        if self.eta_seconds is None or self.finished:
            return ""
        minutes = round(self.eta_seconds / 60)
        if minutes < 1:
            return "less than a minute to go"
        if minutes < 90:
            return f"about {minutes} minute{'s' if minutes != 1 else ''} to go"
        return f"about {round(minutes / 60)} hours to go"


def first_import_progress(*, connection: Connection) -> ImportProgressView | None:
    """The first import's progress bar, or None when there was no first import."""
    progress = import_progress(connection=connection)
    if not progress.windows_total:
        return None
    return ImportProgressView(
        windows_done=progress.windows_done,
        windows_total=progress.windows_total,
        records=progress.records,
        eta_seconds=progress.eta_seconds,
        status=str(progress.status),
    )


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
        eta = math.ceil(remaining * PAGES_PER_WINDOW / calls_per_second(connection))
    return ImportProgress(done, total, records, eta, status)


def first_import_estimate(*, connection: Connection, now: dt.datetime | None = None) -> ImportEstimate:
    """How many calls the first import makes and how long that takes at the paced rate (the
    wizard shows it before activation, while the connection is a draft)."""
    tz = connection_zone(connection)
    calls = sum(
        PAGES_PER_WINDOW * (1 if start is None else windows_count(start, end, tz))
        for _stream, start, end in first_import_plan(connection=connection, now=now)
    )
    return ImportEstimate(calls=calls, seconds=math.ceil(calls / calls_per_second(connection)))


def calls_per_second(connection: Connection) -> float:
    spec = connector_get(connection.connector_type)
    return (spec.import_calls_per_second if spec else None) or DEFAULT_CALLS_PER_SECOND
