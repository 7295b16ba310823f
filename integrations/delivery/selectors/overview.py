"""What the destination page and the admin show (selectors: they only read), in the style
of Segment's delivery overview: counts per step, the oldest undelivered record, backfills
with their progress, open erasures, and the per-record log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from integrations.delivery.models import Backfill, DeliveryAttempt, Destination, Erasure, OutboxItem
from integrations.locality import UTC, zone_named
from integrations.models import Connection, Contact, Order, Product

_STORE = {OutboxItem.Kind.PROFILE: Contact, OutboxItem.Kind.PURCHASE: Order, OutboxItem.Kind.PRODUCT: Product}
_UNDELIVERED = [OutboxItem.State.QUEUED, OutboxItem.State.DELIVERING]


@dataclass
class StepCounts:
    kind: str
    in_store: int = 0
    queued: int = 0
    delivered: int = 0
    filtered: int = 0
    failed: int = 0
    dead: int = 0
    filtered_reasons: dict[str, int] = field(default_factory=dict)
    failed_reasons: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BackfillProgress:
    backfill: Backfill
    queued: int
    total: int | None

    @property
    def percent(self) -> int | None:
        return min(100, round(100 * self.queued / self.total)) if self.total else None


@dataclass
class DestinationOverview:
    destination: Destination
    steps: list[StepCounts]
    oldest_undelivered_age: dt.timedelta | None
    backfills: list[BackfillProgress]
    erasures: list[Erasure]


def destination_overview(destination: Destination) -> DestinationOverview:
    excluded = list(destination.excluded_connections.values_list("pk", flat=True))
    steps = {kind: StepCounts(kind=kind) for kind in OutboxItem.Kind.values}
    for kind, model in _STORE.items():
        rows = model.objects.filter(connection__account_id=destination.account_id).exclude(connection_id__in=excluded)
        steps[kind].in_store = rows.count()
    counts = OutboxItem.objects.filter(destination=destination).values("kind", "state").annotate(n=Count("pk"))
    for row in counts:
        step, state = steps[row["kind"]], row["state"]
        if state in _UNDELIVERED:
            step.queued += row["n"]
        elif hasattr(step, state):
            setattr(step, state, getattr(step, state) + row["n"])
    reasons = (
        OutboxItem.objects.filter(
            destination=destination, state__in=[OutboxItem.State.FILTERED, OutboxItem.State.FAILED]
        )
        .values("kind", "state", "reason")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    for row in reasons:
        target = (
            steps[row["kind"]].filtered_reasons if row["state"] == "filtered" else steps[row["kind"]].failed_reasons
        )
        target[row["reason"]] = row["n"]
    oldest = OutboxItem.objects.filter(destination=destination, state__in=_UNDELIVERED).aggregate(at=Min("queued_at"))
    backfills = destination.backfills.order_by("-created_at")[:10]
    return DestinationOverview(
        destination=destination,
        steps=[steps[kind] for kind in (OutboxItem.Kind.PRODUCT, OutboxItem.Kind.PROFILE, OutboxItem.Kind.PURCHASE)],
        oldest_undelivered_age=timezone.now() - oldest["at"] if oldest["at"] else None,
        backfills=[BackfillProgress(b, b.queued, b.total) for b in backfills],
        erasures=list(destination.erasures.filter(done_at__isnull=True).order_by("created_at")),
    )


def destination_zone(destination: Destination) -> ZoneInfo:
    """The zone the destination's pages show times in. A destination has no place of its own:
    its records are the venues', so their zone when every connection it takes from (set up,
    not left out) has the same one; else UTC, which favours none of several zones."""
    connections = (
        Connection.objects.filter(account_id=destination.account_id)
        .exclude(status=Connection.Status.DRAFT)
        .exclude(pk__in=destination.excluded_connections.values("pk"))
    )
    zones = {zone_named(name) for name in connections.values_list("time_zone", flat=True).distinct()}
    return zones.pop() if len(zones) == 1 else UTC


def delivery_log(
    destination: Destination, *, kind: str | None = None, record_key: str | None = None, limit: int = 50
) -> list[DeliveryAttempt]:
    """The newest requests first, each with the record's body and the answer (never the
    authentication headers: they are not stored)."""
    rows = DeliveryAttempt.objects.filter(destination=destination)
    if kind:
        rows = rows.filter(kind=kind)
    if record_key:
        rows = rows.filter(record_key=record_key)
    return list(rows.order_by("-created_at", "-pk")[:limit])


@dataclass(frozen=True)
class ConnectionDeliveryStatus:
    destination: Destination
    delivered: int
    queued: int
    failed: int
    last_delivered_at: dt.datetime | None
    excluded: bool


def connection_delivery_status(connection: Connection) -> list[ConnectionDeliveryStatus]:
    """Did this connection's data reach each destination of its account."""
    statuses = []
    for destination in Destination.objects.filter(account_id=connection.account_id).order_by("name"):
        counts = OutboxItem.objects.filter(destination=destination, connection=connection).aggregate(
            delivered=Count("pk", filter=Q(state=OutboxItem.State.DELIVERED)),
            queued=Count("pk", filter=Q(state__in=_UNDELIVERED)),
            failed=Count("pk", filter=Q(state__in=[OutboxItem.State.FAILED, OutboxItem.State.DEAD])),
            last=Max("delivered_at"),
        )
        statuses.append(
            ConnectionDeliveryStatus(
                destination=destination,
                delivered=counts["delivered"],
                queued=counts["queued"],
                failed=counts["failed"],
                last_delivered_at=counts["last"],
                excluded=destination.excluded_connections.filter(pk=connection.pk).exists(),
            )
        )
    return statuses
