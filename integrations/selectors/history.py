"""Whether a batch's history may be written yet: minors are known before anyone is stored.

A first import's (or a long re-import's) history is read by export files and by windows, in
any order; each stream waits for the streams it depends on, in the same batch of runs, to be
finished by every means: the export, the windows it fell back to, the months read by windows.
"""

from collections.abc import Iterable

from integrations.models import Connection, SyncRun

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


def stream_may_go(run: SyncRun) -> bool:
    """A history run's records may be written: what they wait for (WAITS_FOR) is read."""
    if run.phase != Phase.HISTORY:
        return True
    return history_done(connection=run.connection, batch=run.batch, streams=WAITS_FOR.get(run.stream, ()))


def streams_may_go(*, connection: Connection, batch) -> list[str]:
    return [
        stream for stream, waits in WAITS_FOR.items() if history_done(connection=connection, batch=batch, streams=waits)
    ]
