"""Delivery: claim the due outbox rows of one destination and kind, map them through the
destination's spec, send them in batches, and settle each row by what came back.

- sent: delivered (only the version that was sent: a newer one, queued meanwhile, goes next);
- 429, 5xx, a time-out: tried again after a back-off; dead after MAX_ATTEMPTS, replayable;
- 401/403: the destination needs attention and pauses; the rows go back to the queue;
- another 4xx: failed at once with the destination's message; a 400 on a batch is tried again
  in halves, so one bad record does not fail its batch-mates.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection as db
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from integrations.batch import rows_insert, table
from integrations.delivery.errors import DeliveryAuthRefused, DeliveryError, DeliveryRejected, DeliveryRetryable
from integrations.delivery.models import DeliveryAttempt, Destination, OutboxItem
from integrations.delivery.registry import DestinationSpec, Outgoing, Sent, Skipped, destination_spec
from integrations.delivery.selectors.records import (
    products_for_delivery,
    profiles_for_delivery,
    purchases_for_delivery,
)
from integrations.delivery.services.claims import STALE_CLAIM, heartbeat, rows_not_busy
from integrations.delivery.services.destination_status import destination_credentials_refused
from integrations.delivery.services.minors import minor_contact_ids
from integrations.delivery.services.outbox import outbox_kick

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_SECONDS = 10.0
BACKOFF_MAX_SECONDS = 3600.0
# A task delivers for this long, then hands over to a fresh one (the queue stays fair).
TASK_BUDGET_SECONDS = 20.0
LOG_BODY_CHARS = 2000
CLAIM_REQUESTS = 3

GONE = "No longer in the store"
MINOR = "Younger than the connection's minimum age: never sent"
_READERS = {
    OutboxItem.Kind.PROFILE: profiles_for_delivery,
    OutboxItem.Kind.PURCHASE: purchases_for_delivery,
    OutboxItem.Kind.PRODUCT: products_for_delivery,
}


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    record_key: str
    version: int
    attempts: int
    removal: bool
    summary: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Ready:
    item: Claimed
    outgoing: Outgoing


def backoff_seconds(attempts: int) -> float:
    return min(BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)


def outbox_deliver(*, destination_id: int, kind: str, budget_seconds: float = TASK_BUDGET_SECONDS) -> int:
    """Delivers what is due of one kind for one destination; returns the records settled."""
    destination = Destination.objects.filter(pk=destination_id).first()
    if destination is None or destination.status != Destination.Status.ACTIVE:
        return 0
    spec = destination_spec(destination.destination_type)
    # A few requests' worth a claim: fewer round trips to the database per record.
    limit = CLAIM_REQUESTS * max(spec.batch_sizes.values(), default=100)
    started, settled, woke_another = time.monotonic(), 0, False
    client = spec.client(destination)
    try:
        while True:
            claimed = outbox_claim(destination=destination, kind=kind, limit=limit)
            if not claimed:
                break
            if len(claimed) == limit and not woke_another:
                # More is due: a second worker takes the next batch while this one sends.
                outbox_kick(destination_id=destination.pk, kind=kind)
                woke_another = True
            with heartbeat.held(item.id for item in claimed):
                settled += claimed_deliver(
                    destination=destination, spec=spec, client=client, kind=kind, claimed=claimed
                )
            destination.refresh_from_db(fields=["status"])
            if destination.status != Destination.Status.ACTIVE:
                break
            if time.monotonic() - started > budget_seconds:
                outbox_kick(destination_id=destination.pk, kind=kind)
                break
    finally:
        close = getattr(client, "close", None)
        if close:
            close()
    return settled


def outbox_claim(*, destination: Destination, kind: str, limit: int) -> list[Claimed]:
    """Takes up to `limit` due rows, oldest first; rows another worker holds are skipped."""
    now = timezone.now()
    with transaction.atomic():
        due = rows_not_busy(
            OutboxItem.objects.filter(destination=destination, kind=kind, state=OutboxItem.State.QUEUED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("pk")
        )
        rows = list(due.values_list("pk", "record_key", "version", "attempts", "removal", "delivered_summary")[:limit])
        if not rows:
            return []
        OutboxItem.objects.filter(pk__in=[row[0] for row in rows]).update(
            state=OutboxItem.State.DELIVERING, claimed_at=now
        )
    return [Claimed(*row) for row in rows]


def claimed_deliver(
    *, destination: Destination, spec: DestinationSpec, client: Any, kind: str, claimed: Sequence[Claimed]
) -> int:
    records = _READERS[kind](destination, keys=[item.record_key for item in claimed])
    minors = minor_contact_ids(_contacts_of(kind, records.values()))
    ready: dict[str, list[Ready]] = {}
    for item in claimed:
        record = records.get(item.record_key)
        if record is None:
            _settle_skipped(item, GONE)
            continue
        contact = _contact_of(kind, record)
        if contact is not None and contact.pk in minors:
            _settle_skipped(item, MINOR)
            continue
        mapped = _map(spec, destination, kind, record, item)
        if isinstance(mapped, Skipped):
            _settle_skipped(item, mapped.reason)
        elif not mapped.bodies:  # nothing the destination would count changed
            _settle_delivered([Ready(item, mapped)], status=None)
        else:
            ready.setdefault(mapped.channel, []).append(Ready(item, mapped))
    chunks = [chunk for channel, items in ready.items() for chunk in _chunks(channel, items, spec.batch_size(channel))]
    for index, (channel, chunk) in enumerate(chunks):
        if not _send(destination, spec, client, kind, channel, chunk):
            _release([ready.item for _channel, rest in chunks[index + 1 :] for ready in rest])
            break
    return len(claimed)


def _chunks(channel: str, items: list[Ready], size: int) -> list[tuple[str, list[Ready]]]:
    """Requests of at most `size` bodies (a record's bodies never split between two)."""
    chunks: list[tuple[str, list[Ready]]] = []
    current: list[Ready] = []
    bodies = 0
    for ready in items:
        if current and bodies + len(ready.outgoing.bodies) > size:
            chunks.append((channel, current))
            current, bodies = [], 0
        current.append(ready)
        bodies += len(ready.outgoing.bodies)
    if current:
        chunks.append((channel, current))
    return chunks


def _map(spec: DestinationSpec, destination: Destination, kind: str, record: Any, item: Claimed):
    if kind == OutboxItem.Kind.PROFILE:
        return spec.profile(destination, record)
    if kind == OutboxItem.Kind.PURCHASE:
        return spec.purchase(destination, record, item.summary)
    return spec.product(destination, record)


def _contacts_of(kind: str, records) -> list:
    return [contact for record in records if (contact := _contact_of(kind, record)) is not None]


def _contact_of(kind: str, record: Any):
    if kind == OutboxItem.Kind.PROFILE:
        return record
    if kind == OutboxItem.Kind.PURCHASE:
        return record.contact
    return None


def _send(
    destination: Destination, spec: DestinationSpec, client: Any, kind: str, channel: str, items: list[Ready]
) -> bool:
    """Sends one batch and settles it; False when the destination refused our credentials."""
    bodies = [body for ready in items for body in ready.outgoing.bodies]
    started = time.monotonic()
    try:
        sent = spec.send(client, channel, bodies)
    except DeliveryAuthRefused as error:
        _log(destination, kind, items, error_sent(error), started)
        _release([ready.item for ready in items])
        destination_credentials_refused(destination, reason=str(error))
        return False
    except DeliveryRejected as error:
        _log(destination, kind, items, error_sent(error), started)
        if error.status == 400 and len(items) > 1:
            half = len(items) // 2
            return _send(destination, spec, client, kind, channel, items[:half]) and _send(
                destination, spec, client, kind, channel, items[half:]
            )
        _settle_failed([ready.item for ready in items], error)
        return True
    except DeliveryRetryable as error:
        _log(destination, kind, items, error_sent(error), started)
        _settle_retry([ready.item for ready in items], error)
        return True
    _log(destination, kind, items, sent, started)
    _settle_delivered(items, status=sent.status)
    return True


def error_sent(error: DeliveryError) -> Sent:
    return Sent(error.method, error.path, error.status or 0, error.body or error.message)


# --- settling ----------------------------------------------------------------------------------
def _same_version(items: Sequence[Claimed]) -> Q:
    """The rows still at the version that was sent (a newer one goes next)."""
    q = Q(pk__in=[])
    for item in items:
        q |= Q(pk=item.id, version=item.version)
    return q


def _settle_delivered(items: Sequence[Ready], *, status: int | None) -> None:
    """Delivered, each at the version sent (one that changed meanwhile is queued again), with
    the summary of what the destination now holds. One statement for the batch."""
    now = timezone.now()
    sent = [{"id": r.item.id, "version": r.item.version, "delivered_summary": r.outgoing.summary} for r in items]
    t, delivered, queued = table(OutboxItem), OutboxItem.State.DELIVERED, OutboxItem.State.QUEUED
    if db.vendor != "postgresql":  # SQLite (the tests): a row at a time
        for row in sent:
            OutboxItem.objects.filter(pk=row["id"], state=OutboxItem.State.DELIVERING).update(
                state=Case(When(version=row["version"], then=Value(delivered)), default=Value(queued)),
                delivered_version=row["version"],
                delivered_summary=row["delivered_summary"],
                delivered_at=now,
                attempts=0,
                reason="",
                last_status=status,
                last_error="",
                claimed_at=None,
                next_attempt_at=None,
            )
        return
    sql = f"""
        UPDATE {t} SET
            state = CASE WHEN {t}.version = v.version THEN %s ELSE %s END,
            delivered_version = v.version, delivered_summary = v.delivered_summary, delivered_at = %s,
            attempts = 0, reason = '', last_status = %s, last_error = '', claimed_at = NULL, next_attempt_at = NULL
        FROM jsonb_to_recordset(%s::jsonb) AS v(id bigint, version integer, delivered_summary jsonb)
        WHERE {t}.id = v.id AND {t}.state = %s
    """  # noqa: S608 - our names
    with db.cursor() as cursor:
        cursor.execute(sql, [delivered, queued, now, status, json.dumps(sent), OutboxItem.State.DELIVERING])


def _settle_skipped(item: Claimed, reason: str) -> None:
    OutboxItem.objects.filter(pk=item.id, state=OutboxItem.State.DELIVERING).update(
        state=Case(
            When(version=item.version, then=Value(OutboxItem.State.FILTERED)), default=Value(OutboxItem.State.QUEUED)
        ),
        reason=reason[:200],
        claimed_at=None,
    )


def _settle_failed(items: Sequence[Claimed], error: DeliveryError) -> None:
    OutboxItem.objects.filter(pk__in=[item.id for item in items], state=OutboxItem.State.DELIVERING).update(
        state=Case(
            When(_same_version(items), then=Value(OutboxItem.State.FAILED)), default=Value(OutboxItem.State.QUEUED)
        ),
        reason=(error.message or str(error))[:200] or f"Refused ({error.status})",
        last_error=str(error),
        last_status=error.status,
        attempts=F("attempts") + 1,
        claimed_at=None,
    )


def _settle_retry(items: Sequence[Claimed], error: DeliveryRetryable) -> None:
    attempts = max(item.attempts for item in items) + 1
    wait = error.retry_after if error.retry_after is not None else backoff_seconds(attempts)
    reason = (f"{error.status}: " if error.status else "") + (error.message or str(error))
    OutboxItem.objects.filter(pk__in=[item.id for item in items], state=OutboxItem.State.DELIVERING).update(
        state=Case(
            When(attempts__gte=MAX_ATTEMPTS - 1, then=Value(OutboxItem.State.DEAD)),
            default=Value(OutboxItem.State.QUEUED),
        ),
        reason=reason[:200],
        last_error=str(error),
        last_status=error.status,
        attempts=F("attempts") + 1,
        next_attempt_at=timezone.now() + dt.timedelta(seconds=wait),
        claimed_at=None,
    )


def _release(items: Sequence[Claimed]) -> None:
    """Back to the queue as they were: nothing was tried, nothing is counted."""
    if items:
        OutboxItem.objects.filter(pk__in=[item.id for item in items], state=OutboxItem.State.DELIVERING).update(
            state=OutboxItem.State.QUEUED, claimed_at=None
        )


def _log(destination: Destination, kind: str, items: Sequence[Ready], sent: Sent, started: float) -> None:
    """The per-record log: each record's own bodies, the answer to its request. The client
    holds the credentials' headers; they are never part of what is logged."""
    duration, now = int((time.monotonic() - started) * 1000), timezone.now()
    rows_insert(
        DeliveryAttempt,
        rows=[
            {
                "destination_id": destination.pk,
                "item_id": ready.item.id,
                "kind": kind,
                "record_key": ready.item.record_key,
                "created_at": now,
                "method": sent.method,
                "path": sent.path[:200],
                "request_body": list(ready.outgoing.bodies),
                "response_status": sent.status or None,
                "response_body": sent.body[:LOG_BODY_CHARS],
                "duration_ms": duration,
            }
            for ready in items
        ],
    )


# --- the sweep -----------------------------------------------------------------------------
def outbox_sweep() -> int:
    """Rows a dead worker held go back to the queue, and every destination with due rows is
    woken (a lost kick, the broker away). Returns the destinations woken."""
    now = timezone.now()
    with transaction.atomic():
        stale = OutboxItem.objects.filter(state=OutboxItem.State.DELIVERING, claimed_at__lt=now - STALE_CLAIM)
        OutboxItem.objects.filter(pk__in=rows_not_busy(stale).values("pk")).update(
            state=OutboxItem.State.QUEUED, claimed_at=None
        )
    due = (
        OutboxItem.objects.filter(state=OutboxItem.State.QUEUED, destination__status=Destination.Status.ACTIVE)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .values_list("destination_id", "kind")
        .distinct()
    )
    pairs = list(due)
    for destination_id, kind in pairs:
        outbox_kick(destination_id=destination_id, kind=kind)
    return len(pairs)
