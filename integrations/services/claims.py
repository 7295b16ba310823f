"""A live worker's heartbeat on the events it holds, so a claim outlives no dead worker.

A claim used to be good for a fixed ten minutes: a worker killed with kill -9 left its event
waiting that long. Now each worker process refreshes `claimed_at` of the events it is
processing every CLAIM_HEARTBEAT; a claim not refreshed for STALE_CLAIM belongs to a dead
worker and the sweeper hands the event on. A long task on a live worker is never taken.
"""

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from datetime import timedelta

from django.db import connection as db
from django.utils import timezone

from integrations.models import WebhookEvent

logger = logging.getLogger(__name__)

CLAIM_HEARTBEAT = timedelta(seconds=10)
# Three missed heartbeats: a busy database may delay one, never three.
STALE_CLAIM = timedelta(seconds=30)


class ClaimHeartbeat:
    """One thread per process, started with the first claim (after the fork of a pool child)."""

    def __init__(self) -> None:
        self._held: dict[int, str] = {}
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._wake = threading.Event()

    @contextlib.contextmanager
    def held(self, *, event_id: int, task_id: str) -> Iterator[None]:
        self._start()
        with self._lock:
            self._held[event_id] = task_id
        try:
            yield
        finally:
            with self._lock:
                self._held.pop(event_id, None)

    def beat(self) -> int:
        """Refreshes the claims this process holds; returns how many."""
        with self._lock:
            held = list(self._held.items())
        now = timezone.now()
        return sum(
            WebhookEvent.objects.filter(pk=event_id, claimed_by=task_id, status=WebhookEvent.Status.PROCESSING).update(
                claimed_at=now
            )
            for event_id, task_id in held
        )

    def _start(self) -> None:
        if self._pid == os.getpid():
            return
        self._pid = os.getpid()
        threading.Thread(target=self._run, name="claim-heartbeat", daemon=True).start()

    def _run(self) -> None:
        while not self._wake.wait(CLAIM_HEARTBEAT.total_seconds()):
            try:
                self.beat()
            except Exception:  # the database may be away; the next beat tries again
                logger.warning("claim heartbeat failed; trying again in %s", CLAIM_HEARTBEAT, exc_info=True)
                with contextlib.suppress(Exception):
                    db.close()  # this thread's own connection


heartbeat = ClaimHeartbeat()
