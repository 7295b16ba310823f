"""Whether a batch's history may be written yet: minors are known before anyone is stored.

A first import's (or a long re-import's) history is read by export files and by windows, in
any order; each stream waits for the streams it depends on, in the same batch of runs, to be
finished by every means: the export, the windows it fell back to, the months read by windows.
"""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count
from django.utils import timezone

from integrations.models import Connection, ExportSlot, HeldRecord, SyncRun

Stream, Status, Phase = SyncRun.Stream, SyncRun.Status, SyncRun.Phase
FINISHED = (Status.SUCCEEDED, Status.SKIPPED)
# What each stream waits for: the age checks before anyone is stored, and an order's holder
# stored before the order (fewer people to fetch one by one).
WAITS_FOR: dict[str, tuple[str, ...]] = {
    Stream.AGES: (),
    Stream.CONTACTS: (Stream.AGES,),
    Stream.ORDERS: (Stream.AGES, Stream.CONTACTS),
}


def history_done(*, connection: Connection, batch, streams: Iterable[str]) -> bool:
    """Whether every history run of these streams in the batch is finished."""
    streams = list(streams)
    if not streams or batch is None:
        return True
    runs = SyncRun.objects.filter(connection=connection, batch=batch, phase=Phase.HISTORY, stream__in=streams)
    return not runs.exclude(status__in=FINISHED).exists()


def waited_for_failed(*, connection: Connection, batch, streams: Iterable[str]) -> bool:
    """Whether a run these streams wait for failed in the batch, in any phase: the recent
    days' age checks name the newest minors, and a history read past their failure would
    store them. The batch waits for import_resume (after the cause is fixed)."""
    streams = list(streams)
    if not streams or batch is None:
        return False
    return SyncRun.objects.filter(connection=connection, batch=batch, stream__in=streams, status=Status.FAILED).exists()


def tail_done(*, connection: Connection, batch) -> bool:
    """Whether the batch's recent days are read. The history's files wait for them: they are
    what a marketer wants first, and files read beside them took the workers and the source's
    rate limit (its holder reads) from them, so the last week's orders came last."""
    if batch is None:
        return True
    runs = SyncRun.objects.filter(connection=connection, batch=batch, phase=Phase.TAIL)
    return not runs.exclude(status__in=FINISHED).exists()


def stream_may_go(run: SyncRun) -> bool:
    """A history run's records may be written: the recent days are read, what they wait for
    (WAITS_FOR) is read, and none of it failed in the recent days either."""
    if run.phase != Phase.HISTORY:
        return True
    waits = WAITS_FOR.get(run.stream, ())
    if waited_for_failed(connection=run.connection, batch=run.batch, streams=waits):
        return False
    if not tail_done(connection=run.connection, batch=run.batch):
        return False
    return history_done(connection=run.connection, batch=run.batch, streams=waits)


def streams_may_go(*, connection: Connection, batch) -> list[str]:
    if not tail_done(connection=connection, batch=batch):
        return []
    return [
        stream
        for stream, waits in WAITS_FOR.items()
        if not waited_for_failed(connection=connection, batch=batch, streams=waits)
        and history_done(connection=connection, batch=batch, streams=waits)
    ]


def age_checks_pending(run: SyncRun) -> bool:
    """A first import's recent days read while its history's age checks are not all read yet:
    a person of unknown age they name is held (integrations.models.HeldRecord). Without a
    history of age checks (a look-back within the recent days) the recent ones, read first,
    are all there is."""
    if run.phase != Phase.TAIL or run.batch is None:
        return False
    return not history_done(connection=run.connection, batch=run.batch, streams=[Stream.AGES])


def held_counts(*, sync_runs: Iterable[SyncRun]) -> dict[tuple[int, str], int]:
    """(run id, entity) → how many of the run's records wait for the age check."""
    rows = (
        HeldRecord.objects.filter(sync_run__in=list(sync_runs))
        .values("sync_run_id", "entity")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {(row["sync_run_id"], row["entity"]): row["count"] for row in rows}


def held_runs_releasable(*, connection: Connection) -> list[SyncRun]:
    """The runs holding records whose import has read every age check now, oldest first."""
    runs = SyncRun.objects.filter(connection=connection, held_records__isnull=False).distinct().order_by("pk")
    return [run for run in runs.select_related("connection") if not age_checks_pending(run)]


def held_releasable(*, connection: Connection) -> bool:
    return bool(held_runs_releasable(connection=connection))


def export_slots_free(*, connection: Connection, now: dt.datetime | None = None) -> set[str]:
    """The streams the source would take an export of now (integrations.models.ExportSlot)."""
    used = ExportSlot.objects.filter(connection=connection, free_at__gt=now or timezone.now())
    return {stream for stream, _label in Stream.choices} - set(used.values_list("stream", flat=True))
