"""Sending what the store already holds: on connecting (products, then profiles, then
purchases) and after a setting changed (that kind alone).

Resumable: each step queues a batch of store rows into the outbox and moves the backfill's
cursor (the last store pk queued) in the same transaction, so a crash at any point resumes
from the last batch queued, and a row is never queued twice by one backfill. The delivery
workers then send the rows as they send live changes; progress is in records.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.delivery.models import Backfill, Destination, OutboxItem
from integrations.delivery.services.outbox import Change, outbox_queue
from integrations.models import Contact, Order, Product
from integrations.publishing import task_publish

STEP_TASK = "integrations.delivery.tasks.backfill_step"
BATCH = 2000
# The order a first backfill goes in: a purchase's products exist in the catalogue before it.
ORDER = (OutboxItem.Kind.PRODUCT, OutboxItem.Kind.PROFILE, OutboxItem.Kind.PURCHASE)
_MODELS = {OutboxItem.Kind.PRODUCT: Product, OutboxItem.Kind.PROFILE: Contact, OutboxItem.Kind.PURCHASE: Order}


def backfills_queue(destination: Destination, *, kinds: tuple[str, ...], why: str) -> list[Backfill]:
    """Opens a backfill per kind (one open backfill per kind: an open one is kept) and starts
    the first. A backfill starts once the one before it in ORDER has queued everything."""
    opened = []
    for kind in kinds:
        backfill = Backfill.objects.filter(
            destination=destination, kind=kind, state__in=[Backfill.State.QUEUED, Backfill.State.RUNNING]
        ).first()
        if backfill is None:
            backfill = Backfill.objects.create(
                destination=destination, kind=kind, why=why, total=_rows(destination, kind).count()
            )
        opened.append(backfill)
    transaction.on_commit(lambda: backfills_continue(destination.pk))
    return opened


def backfills_continue(destination_id: int) -> Backfill | None:
    """Publishes the step of the destination's first open backfill, in ORDER."""
    open_backfills = Backfill.objects.filter(
        destination_id=destination_id, state__in=[Backfill.State.QUEUED, Backfill.State.RUNNING]
    )
    by_kind = {backfill.kind: backfill for backfill in open_backfills}
    for kind in ORDER:
        if kind in by_kind:
            task_publish(STEP_TASK, args=[by_kind[kind].pk])
            return by_kind[kind]
    return None


def _rows(destination: Destination, kind: str):
    excluded = destination.excluded_connections.values_list("pk", flat=True)
    rows = (
        _MODELS[kind].objects.filter(connection__account_id=destination.account_id).exclude(connection_id__in=excluded)
    )
    return rows


def backfill_step(*, backfill_id: int, batch: int = BATCH) -> bool:
    """Queues the next batch; True while more is left. The cursor moves with the batch."""
    with transaction.atomic():
        backfill = Backfill.objects.select_for_update().select_related("destination").filter(pk=backfill_id).first()
        if backfill is None or backfill.state not in (Backfill.State.QUEUED, Backfill.State.RUNNING):
            return False
        destination = backfill.destination
        now = timezone.now()
        rows = list(
            _rows(destination, backfill.kind)
            .filter(pk__gt=backfill.cursor)
            .order_by("pk")
            .values(*_columns(backfill))[:batch]
        )
        for connection_id, changes in _changes(backfill.kind, rows).items():
            outbox_queue(
                destinations=[destination], connection=_Connection(connection_id), kind=backfill.kind, changes=changes
            )
        backfill.state = Backfill.State.RUNNING
        backfill.started_at = backfill.started_at or now
        backfill.heartbeat_at = now
        if rows:
            backfill.cursor = rows[-1]["pk"]
            backfill.queued += len(rows)
        if len(rows) < batch:
            backfill.state, backfill.finished_at = Backfill.State.DONE, now
        backfill.save(update_fields=["state", "started_at", "heartbeat_at", "cursor", "queued", "finished_at"])
    if backfill.state == Backfill.State.DONE:
        transaction.on_commit(lambda: backfills_continue(destination.pk))
        return False
    return True


class _Connection:
    """What outbox_queue reads of a connection: its pk (no query for the row)."""

    def __init__(self, pk: int) -> None:
        self.pk = pk


def _columns(backfill: Backfill) -> tuple[str, ...]:
    if backfill.kind == OutboxItem.Kind.PROFILE:
        return ("pk", "connection_id", "email", "source_version")
    if backfill.kind == OutboxItem.Kind.PRODUCT:
        return ("pk", "connection_id", "active", "source_version")
    return ("pk", "connection_id", "source_version")


def _changes(kind: str, rows: list[dict]) -> dict[int, list[Change]]:
    changes: dict[int, list[Change]] = {}
    for row in rows:
        if kind == OutboxItem.Kind.PROFILE:
            key = (row["email"] or "").strip().lower() or f"#{row['pk']}"
            change = Change(key, row["source_version"])
        elif kind == OutboxItem.Kind.PRODUCT:
            change = Change(str(row["pk"]), row["source_version"], removal=not row["active"])
        else:
            change = Change(str(row["pk"]), row["source_version"])
        changes.setdefault(row["connection_id"], []).append(change)
    return changes


def backfills_cancel(destination: Destination, *, kind: str) -> int:
    return Backfill.objects.filter(
        Q(state=Backfill.State.QUEUED) | Q(state=Backfill.State.RUNNING), destination=destination, kind=kind
    ).update(state=Backfill.State.CANCELLED, finished_at=timezone.now())


def backfills_stalled_continue() -> int:
    """Open backfills whose step was lost (a worker killed, the broker away) go on."""
    stale = timezone.now() - dt.timedelta(minutes=2)
    destinations = set(
        Backfill.objects.filter(state__in=[Backfill.State.QUEUED, Backfill.State.RUNNING])
        .filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale))
        .values_list("destination_id", flat=True)
    )
    for destination_id in destinations:
        backfills_continue(destination_id)
    return len(destinations)
