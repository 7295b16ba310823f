"""Handing stored events to the workers: the dispatcher, the sweeper, and enqueueing.

The webhook view only inserts (a publish on the request path would halve its throughput);
the dispatcher publishes what was stored a moment later, writing nothing per event. The
sweeper catches whatever fell through: a broker that was down, a dispatcher that was not
running, a retry message or a worker that was lost.
"""

import logging
import time
from collections import deque
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.models import DISPATCHABLE_STATUSES, WebhookEvent
from integrations.publishing import task_publish
from integrations.services import claims

logger = logging.getLogger(__name__)
Status = WebhookEvent.Status

# How long a stored event may wait unclaimed before the sweeper publishes it (again): its
# message may be with a worker that was killed (Redis gives it back only after the visibility
# time-out, an hour) or in a broker that lost it. Short, so a lost event is processed within
# a minute of a worker being back; a copy that was not lost finds the event claimed.
REENQUEUE_AFTER = timedelta(seconds=30)
# A few events per message, more when many wait: one publish per event cost the dispatcher
# more CPU than the webhook view's insert, yet small chunks spread a quiet hour's bookings
# over every worker process. A burst goes out as at most PUBLISH_SPREAD messages.
PUBLISH_CHUNK = 10
PUBLISH_CHUNK_MAX = 100
PUBLISH_SPREAD = 8


def webhook_events_enqueue(*, event_ids: list[int]) -> int:
    """Marks the events as handed over and publishes them, after commit."""
    if not event_ids:
        return 0
    WebhookEvent.objects.filter(pk__in=event_ids).update(enqueued_at=timezone.now())
    transaction.on_commit(lambda: _publish(event_ids))
    return len(event_ids)


def publish_chunks(event_ids: list[int]) -> list[list[int]]:
    size = min(max(PUBLISH_CHUNK, -(-len(event_ids) // PUBLISH_SPREAD)), PUBLISH_CHUNK_MAX)
    return [event_ids[start : start + size] for start in range(0, len(event_ids), size)]


def _publish(event_ids: list[int]) -> list[int]:
    """Publishes in chunks; returns the ids that reached the broker."""
    published: list[int] = []
    for chunk in publish_chunks(event_ids):
        try:
            task_publish("integrations.tasks.process_webhook_events", args=[chunk], retry=False)
        except Exception as exc:  # noqa: BLE001 - the broker may be down; published again later
            logger.warning("could not publish webhook events %s (%s); trying again shortly", chunk, exc)
            break
        published.extend(chunk)
    return published


class Dispatcher:
    """Publishes each newly stored event once, writing nothing per event.

    Marking every event as handed over was a second write of each row (an UPDATE that
    rewrites the row and its indexes), which cost about 30 % of the intake's throughput.
    Instead the dispatcher keeps its place in memory: it looks only at ids above a floor,
    the highest id it saw SETTLE seconds ago (inserts commit a little out of id order), and
    remembers what it published since. A new dispatcher starts from the oldest waiting event;
    whatever one ever misses (a commit that took longer than SETTLE), the sweeper publishes.
    """

    SETTLE = 0.3

    def __init__(self) -> None:
        self.floor = 0
        self.published: set[int] = set()
        self.seen: deque[tuple[float, int]] = deque()

    def dispatch(self, *, limit: int = 500) -> int:
        now = time.monotonic()
        candidates = list(
            WebhookEvent.objects.filter(
                status=Status.RECEIVED,
                enqueued_at__isnull=True,
                pk__gt=self.floor,
                connection__status__in=DISPATCHABLE_STATUSES,
            )
            .order_by("pk")
            .values_list("pk", flat=True)[: limit + len(self.published)]
        )
        new = [pk for pk in candidates if pk not in self.published][:limit]
        sent = _publish(new)
        self.published.update(sent)
        if len(sent) < len(new):
            # The broker is away: keep the place, so the next poll after it is back publishes
            # them (the sweeper took two minutes and more, 127–150 s after Redis returned).
            return len(sent)
        self.seen.append((now, max(candidates, default=self.floor)))
        while self.seen and self.seen[0][0] <= now - self.SETTLE:
            self.floor = max(self.floor, self.seen.popleft()[1])
        self.published = {pk for pk in self.published if pk > self.floor}
        return len(new)


def webhook_events_dispatch(*, limit: int = 500) -> int:
    """One pass of a new dispatcher: publishes every stored event not handed over yet."""
    return Dispatcher().dispatch(limit=limit)


def webhook_events_sweep(*, limit: int = 1000) -> int:
    """Publishes again what was left behind; returns how many."""
    now = timezone.now()
    left_behind = (
        (
            Q(status=Status.RECEIVED, received_at__lt=now - REENQUEUE_AFTER)
            & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REENQUEUE_AFTER))
        )
        | Q(status=Status.FAILED, next_attempt_at__lt=now - REENQUEUE_AFTER)
        | Q(status=Status.PROCESSING, claimed_at__lt=now - claims.STALE_CLAIM)
    )
    with transaction.atomic():
        ids = list(
            WebhookEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(left_behind, connection__status__in=DISPATCHABLE_STATUSES)
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            logger.info("sweeper re-enqueues %s webhook event(s)", len(ids))
        return webhook_events_enqueue(event_ids=ids)
