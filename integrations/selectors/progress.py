"""How long a first import takes, and where it is: per stream, in records.

The one place the first import's figures are computed: the summary (before activation), the
activation's result page and the connection page all show what these selectors return.
Before activation: the tail's calls and minutes, the export requests and the usage units they
cost, and that the history's size is known when the source's files arrive. After: records per
stream, the recent days and the history apart, an export still being generated shown as such
with how long it has waited, and the months read by windows named. No figure in days.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.utils import timezone

from integrations.import_plan import TAIL_DAYS, first_import_plan
from integrations.locality import connection_zone
from integrations.models import Connection, ExportFile, ExportSequence, SourceExport, SyncRun
from integrations.registry import connector_get
from integrations.windows import month_slices, windows_count

Kind, Status = SyncRun.Kind, SyncRun.Status

# Before the first window has been timed: one page a window (most venues change fewer than a
# page of 500 guests a day).
PAGES_PER_WINDOW = 1
DEFAULT_CALLS_PER_SECOND = 1.0


@dataclass(frozen=True)
class ImportEstimate:
    calls: int  # the windows' calls (the tail, and the history where the source has no export)
    seconds: int
    export_requests: int = 0
    export_months: int = 0  # calendar months the requests touch
    export_label: str = ""
    records_per_unit: int = 0

    @property
    def export_text(self) -> str:
        """The export requests and the usage units they cost, as far as known before the files."""
        if not self.export_requests:
            return ""
        return (
            f"{self.export_requests} {self.export_label} request{'s' if self.export_requests != 1 else ''} for the "
            f"history, covering {self.export_months} calendar months: one usage unit per month per started "
            f"{self.records_per_unit:,} records, so {self.export_months} units if no month has more, and none for "
            "a month without records. History size known when the files arrive."
        )


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
    lines: tuple[str, ...] = ()  # per stream, in records (stream_lines)

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
        lines=tuple(stream_lines(connection=connection)),
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
    # An export run counts its sequences (months) as its steps.
    exported = {e.sync_run_id: e for e in SourceExport.objects.filter(sync_run__in=runs)}
    for export in exported.values():
        if export.status != SourceExport.Status.FELL_BACK:
            months = export.sequences.count()
            total += months
            done += export.sequences.filter(
                status__in=[ExportSequence.Status.DONE, ExportSequence.Status.FELL_BACK]
            ).count()
    started = min((run.started_at for run in runs if run.started_at), default=None)
    remaining = total - done
    if done and started:
        elapsed = ((now or timezone.now()) - started).total_seconds()
        eta = math.ceil(elapsed / done * remaining)
    else:
        eta = math.ceil(remaining * PAGES_PER_WINDOW / calls_per_second(connection))
    return ImportProgress(done, total, records, eta, status)


def first_import_estimate(*, connection: Connection, now: dt.datetime | None = None) -> ImportEstimate:
    """How many calls the first import's windows make and how long that takes at the paced
    rate, and the export requests with the months they touch (the wizard shows it before
    activation, while the connection is a draft)."""
    tz = connection_zone(connection)
    plan = first_import_plan(connection=connection, now=now)
    calls = sum(
        PAGES_PER_WINDOW * (1 if step.start is None else windows_count(step.start, step.end, tz))
        for step in plan
        if not step.by_export
    )
    exported = [step for step in plan if step.by_export]
    months = sum(
        len(month_slices(step.start.astimezone(tz).date(), step.end.astimezone(tz).date())) for step in exported
    )
    spec = connector_get(connection.connector_type)
    exports = spec.exports if spec else None
    return ImportEstimate(
        calls=calls,
        seconds=math.ceil(calls / calls_per_second(connection)),
        export_requests=len(exported),
        export_months=months,
        export_label=exports.label if exports else "",
        records_per_unit=exports.records_per_unit if exports else 0,
    )


# --- per stream, in records ---------------------------------------------------------------------

STREAM_NAMES = {SyncRun.Stream.AGES: "age checks", SyncRun.Stream.CONTACTS: "contacts", SyncRun.Stream.ORDERS: "orders"}


def stream_lines(*, connection: Connection, now: dt.datetime | None = None) -> list[str]:
    """ "Orders: 1,204 of the last 7 days done; history: contacts 48,000 of about 108,000", one
    line per stream of the first import."""
    now = now or timezone.now()
    runs = list(
        SyncRun.objects.filter(connection=connection, kind=Kind.FIRST_IMPORT)
        .exclude(stream=SyncRun.Stream.PRODUCTS)
        .select_related("export")
        .order_by("pk")
    )
    spec = connector_get(connection.connector_type)
    label = spec.label if spec else "the source"
    lines = []
    for stream, name in STREAM_NAMES.items():
        mine = [run for run in runs if run.stream == stream]
        if not mine:
            continue
        parts = []
        tail = [run for run in mine if run.phase == SyncRun.Phase.TAIL]
        if tail:
            days = min(TAIL_DAYS, max(1, round((tail[0].window_end - tail[0].window_start).total_seconds() / 86400)))
            done = all(run.status in (Status.SUCCEEDED, Status.SKIPPED) for run in tail)
            count = sum(run.records_seen for run in tail)
            parts.append(f"{count:,} of the last {days} day{'s' if days != 1 else ''} {'done' if done else 'so far'}")
        history = [run for run in mine if run.phase == SyncRun.Phase.HISTORY]
        if history:
            parts.append("history: " + _history_text(history, name=name, label=label, now=now))
        lines.append(f"{name[0].upper()}{name[1:]}: " + "; ".join(parts))
    return lines


def _history_text(runs: list[SyncRun], *, name: str, label: str, now: dt.datetime) -> str:
    records = sum(run.records_seen for run in runs)
    finished = all(run.status in (Status.SUCCEEDED, Status.SKIPPED) for run in runs)
    export = next((run.export for run in runs if hasattr(run, "export")), None)
    if export is None or export.status == SourceExport.Status.FELL_BACK:
        why = f" ({export.fallback_reason})" if export is not None and export.fallback_reason else ""
        return f"{name} {records:,} {'done' if finished else 'so far'}, by windows{why}"
    text = f"{name} {records:,}"
    about = export_records_about(export)
    if finished:
        text += " done"
    elif about is not None:
        text += f" of about {max(about, records):,}"
    elif export.status == SourceExport.Status.PENDING:
        text += f", the {label} export is being asked for"
    arrived = export.sequences.exclude(status=ExportSequence.Status.EXPECTED).count()
    total = export.sequences.count()
    if export.status == SourceExport.Status.REQUESTED and arrived < total:
        waited = max(0, round((now - (export.requested_at or now)).total_seconds() / 60))
        text += (
            f", {label} still generating ({arrived} of {total} months in, waiting {waited} minute"
            f"{'s' if waited != 1 else ''})"
        )
    fell_back = [s.month_start for s in export.sequences.filter(status=ExportSequence.Status.FELL_BACK)]
    if fell_back:
        text += "; by windows: " + ", ".join(f"{month:%B %Y}" for month in sorted(fell_back))
    return text


def export_records_about(export: SourceExport) -> int | None:
    """About how many records the export's files hold, from what is known: a file read to its
    end has its count; a file not read yet is taken as full (as the largest file read to its
    end, the source splitting by record count), except a month's last, as half of one. None
    before any file was read to its end."""
    files = list(
        ExportFile.objects.filter(sequence__export=export).values("sequence_id", "index", "status", "rows_done")
    )
    full = max((f["records_seen"] for f in files if f["status"] == ExportFile.Status.DONE), default=0)
    if not full:
        return None
    last = {}
    for f in files:
        last[f["sequence_id"]] = max(last.get(f["sequence_id"], 0), f["index"])
    about = 0
    for f in files:
        if f["status"] == ExportFile.Status.DONE:
            about += f["records_seen"]
        elif f["index"] == last[f["sequence_id"]]:
            about += max(f["records_seen"], full // 2)
        else:
            about += max(f["records_seen"], full)
    return about


def calls_per_second(connection: Connection) -> float:
    spec = connector_get(connection.connector_type)
    return (spec.import_calls_per_second if spec else None) or DEFAULT_CALLS_PER_SECOND
