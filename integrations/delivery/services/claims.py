"""A live delivery worker's heartbeat on the outbox rows it holds (as
integrations.services.claims does for webhook events): a claim not refreshed for
STALE_CLAIM belongs to a dead worker, and the sweep queues its rows again. A slow request
on a live worker is never taken from it."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from datetime import timedelta

from django.db import connection as db
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from integrations.delivery.models import OutboxItem

logger = logging.getLogger(__name__)

CLAIM_HEARTBEAT = timedelta(seconds=10)
# Longer than the client's longest request (5 s to connect, 20 s to read) plus three beats.
STALE_CLAIM = timedelta(seconds=60)


class OutboxHeartbeat:
    def __init__(self) -> None:
        self._held: dict[int, set[int]] = {}
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._wake = threading.Event()

    @contextlib.contextmanager
    def held(self, item_ids: Iterable[int]) -> Iterator[None]:
        self._start()
        token = id(object())
        with self._lock:
            self._held[token] = set(item_ids)
        try:
            yield
        finally:
            with self._lock:
                self._held.pop(token, None)

    def beat(self) -> int:
        with self._lock:
            ids = set().union(*self._held.values()) if self._held else set()
        if not ids:
            return 0
        held = OutboxItem.objects.filter(pk__in=ids, state=OutboxItem.State.DELIVERING)
        with transaction.atomic():
            return OutboxItem.objects.filter(pk__in=rows_not_busy(held).values("pk")).update(claimed_at=timezone.now())

    def _start(self) -> None:
        if self._pid == os.getpid():
            return
        self._pid = os.getpid()
        threading.Thread(target=self._run, name="outbox-heartbeat", daemon=True).start()

    def _run(self) -> None:
        while not self._wake.wait(CLAIM_HEARTBEAT.total_seconds()):
            try:
                self.beat()
            except Exception:  # the database may be away; the next beat tries again
                logger.warning("outbox heartbeat failed; trying again in %s", CLAIM_HEARTBEAT, exc_info=True)
                with contextlib.suppress(Exception):
                    db.close()


heartbeat = OutboxHeartbeat()


def rows_not_busy(rows: QuerySet[OutboxItem]) -> QuerySet[OutboxItem]:
    """These rows less those another statement holds locked right now, locked in id order by
    this one (PostgreSQL; call it in a transaction). Every statement that takes or touches
    rows a worker may hold goes through it: the claim, the heartbeat and the sweep. Two
    UPDATEs over the same rows that lock them in different orders deadlock, and a batch's
    settle locks its rows in its own order (seen with eight delivery threads: the heartbeat
    and a settle of the same batch, one of them killed by PostgreSQL, its rows stuck until
    the sweep). A row that is busy is being claimed or settled: it needs no beat, and the
    sweep sees it again next time, so skipping it loses nothing, and a statement that never
    waits is in no deadlock."""
    if db.vendor == "postgresql":
        rows = rows.order_by("pk").select_for_update(skip_locked=True)
    return rows
