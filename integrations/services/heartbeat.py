"""A running sync run's heartbeat: how an interrupted import is told from a busy one.

A window task beats every HEARTBEAT_EVERY seconds while it works on its run. A running run
whose last beat is older than HEARTBEAT_STALE (or that never had one) has no task working on
it: its worker was stopped or lost. The import sweeper publishes such a run again, and only
such a run, so a healthy import is never handed a duplicate task. A worker that is stopped
on purpose clears the beat of the runs it was working on, so the next start resumes them at
once instead of after HEARTBEAT_STALE.
"""

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Iterable, Iterator

from django.db import close_old_connections, connections
from django.db.models import Q, QuerySet
from django.utils import timezone

from integrations.models import SyncRun

logger = logging.getLogger(__name__)
Status = SyncRun.Status

HEARTBEAT_EVERY = dt.timedelta(seconds=10)
HEARTBEAT_STALE = dt.timedelta(seconds=60)


def run_heartbeat_beat(*, sync_run_id: int, at: dt.datetime | None = None) -> None:
    """The run is alive now (or, for a retry due later, until `at`)."""
    SyncRun.objects.filter(pk=sync_run_id, status=Status.RUNNING).update(heartbeat_at=at or timezone.now())


def runs_interrupted(runs: QuerySet[SyncRun], *, now: dt.datetime | None = None) -> QuerySet[SyncRun]:
    """Those of `runs` that are running with no recent heartbeat."""
    stale_before = (now or timezone.now()) - HEARTBEAT_STALE
    return runs.filter(status=Status.RUNNING).filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale_before))


def runs_mark_interrupted(*, sync_run_ids: Iterable[int]) -> int:
    """Called by a worker that stops while working on these runs: the next sweep takes them."""
    ids = list(sync_run_ids)
    if not ids:
        return 0
    return SyncRun.objects.filter(pk__in=ids, status=Status.RUNNING).update(heartbeat_at=None)


@contextlib.contextmanager
def heartbeat(*, sync_run_id: int, every: dt.timedelta = HEARTBEAT_EVERY) -> Iterator[None]:
    """Beats for the run at once and every `every` while the block runs (in a thread with a
    database connection of its own, closed at the end)."""
    run_heartbeat_beat(sync_run_id=sync_run_id)
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(every.total_seconds()):
                try:
                    run_heartbeat_beat(sync_run_id=sync_run_id)
                except Exception:
                    logger.warning("could not beat the heartbeat of run %s", sync_run_id, exc_info=True)
                    close_old_connections()
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"heartbeat-{sync_run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every.total_seconds() + 5)
