"""Counts behind the monitoring views: the connection page, the operators' admin, the alerts.

Each function answers one question about one connection (or one page of connections) in a
fixed number of queries. Days are the venue's days, as the daily counts are.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from integrations.locality import connection_zone
from integrations.models import (
    Connection,
    Contact,
    Order,
    OutcomeDailyCount,
    Product,
    RecordOutcome,
    WebhookEvent,
)
from integrations.outcomes import Outcome, Reason

EventStatus = WebhookEvent.Status
# The outcomes a chart shows, in stacking order (bottom first).
CHART_OUTCOMES = (
    Outcome.CREATED,
    Outcome.UPDATED,
    Outcome.UNCHANGED,
    Outcome.SKIPPED,
    Outcome.FAILED,
    Outcome.DELETED,
)


def venue_today(connection: Connection) -> dt.date:
    return timezone.localdate(timezone=connection_zone(connection))


def _venue_midnight(connection: Connection, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=connection_zone(connection))


# --- counters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionCounts:
    contacts: int
    orders: int
    products: int
    events_waiting: int
    events_retrying: int
    events_failed: int
    events_dead: int
    last_webhook_at: dt.datetime | None
    products_last_synced_at: dt.datetime | None
    today: dict[str, int] = field(default_factory=dict)


def _count(model, **filters) -> Subquery:
    rows = model.objects.filter(**filters).order_by().values("connection").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows[:1], output_field=IntegerField()), Value(0))


def connections_annotate_counts(queryset: QuerySet[Connection]) -> QuerySet[Connection]:
    """Adds the counters as columns: one query for a whole page of connections, no N+1.

    Subqueries rather than joins: joining contacts, orders and events at once would
    multiply the rows before counting them.
    """
    now = timezone.now()
    skipped = {"connection": OuterRef("pk"), "outcome": Outcome.SKIPPED}
    last_webhook = WebhookEvent.objects.filter(connection=OuterRef("pk")).order_by().values("connection")
    return queryset.annotate(
        contacts_count=_count(Contact, connection=OuterRef("pk")),
        orders_count=_count(Order, connection=OuterRef("pk")),
        products_count=_count(Product, connection=OuterRef("pk")),
        events_failed_count=_count(WebhookEvent, connection=OuterRef("pk"), status=EventStatus.FAILED),
        events_dead_count=_count(WebhookEvent, connection=OuterRef("pk"), status=EventStatus.DEAD),
        skipped_day_count=_count(RecordOutcome, **skipped, created_at__gte=now - dt.timedelta(days=1)),
        skipped_week_count=_count(RecordOutcome, **skipped, created_at__gte=now - dt.timedelta(days=7)),
        last_webhook_at=Subquery(last_webhook.annotate(last=Max("received_at")).values("last")[:1]),
    )


def connection_counts(*, connection: Connection) -> ConnectionCounts:
    row = connections_annotate_counts(Connection.objects.filter(pk=connection.pk)).get()
    events = WebhookEvent.objects.filter(connection=connection).aggregate(
        waiting=Count("pk", filter=Q(status__in=[EventStatus.RECEIVED, EventStatus.PROCESSING])),
        retrying=Count("pk", filter=Q(status=EventStatus.FAILED, next_attempt_at__isnull=False)),
    )
    return ConnectionCounts(
        contacts=row.contacts_count,
        orders=row.orders_count,
        products=row.products_count,
        events_waiting=events["waiting"],
        events_retrying=events["retrying"],
        events_failed=row.events_failed_count,
        events_dead=row.events_dead_count,
        last_webhook_at=row.last_webhook_at,
        products_last_synced_at=row.products_last_synced_at,
        today=outcomes_on_day(connection=connection, day=venue_today(connection)),
    )


def outcomes_on_day(*, connection: Connection, day: dt.date) -> dict[str, int]:
    """Records per outcome on one venue day, from the daily counts."""
    rows = (
        OutcomeDailyCount.objects.filter(connection=connection, day=day)
        .values("outcome")
        .annotate(total=Sum("count"))
        .order_by()
    )
    totals = {outcome: 0 for outcome in Outcome.values}
    totals.update({row["outcome"]: row["total"] for row in rows})
    return totals


# --- the chart ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DayCounts:
    day: dt.date
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def outcomes_by_day(*, connection: Connection, days: int = 7, today: dt.date | None = None) -> list[DayCounts]:
    """Records per outcome for each of the last `days` venue days, oldest first, gaps as 0.

    Read from the daily counts, which survive the purge of the outcomes themselves.
    """
    today = today or venue_today(connection)
    first = today - dt.timedelta(days=days - 1)
    rows = (
        OutcomeDailyCount.objects.filter(connection=connection, day__gte=first, day__lte=today)
        .values("day", "outcome")
        .annotate(total=Sum("count"))
        .order_by()
    )
    table = {first + dt.timedelta(days=n): dict.fromkeys(CHART_OUTCOMES, 0) for n in range(days)}
    for row in rows:
        table[row["day"]][row["outcome"]] = row["total"]
    return [DayCounts(day, counts) for day, counts in table.items()]


# --- why records were left out ------------------------------------------------------------


@dataclass(frozen=True)
class ReasonSummary:
    reason: str
    label: str
    count: int
    examples: list[RecordOutcome]

    @property
    def about_minors(self) -> bool:
        return self.reason == Reason.MINOR


def skipped_by_reason(
    *, connection: Connection, days: int = 7, today: dt.date | None = None, examples: int = 5
) -> list[ReasonSummary]:
    """Skipped records per reason over the last `days` venue days, most frequent first,
    each with its latest examples. Two queries.

    Counts come from the daily counts (they match the chart); examples from the outcomes
    kept, which for a minor hold nothing personal.
    """
    today = today or venue_today(connection)
    first = today - dt.timedelta(days=days - 1)
    counts = (
        OutcomeDailyCount.objects.filter(connection=connection, outcome=Outcome.SKIPPED, day__gte=first)
        .values("reason")
        .annotate(total=Sum("count"))
        .order_by()
    )
    latest = (
        RecordOutcome.objects.filter(
            connection=connection,
            outcome=Outcome.SKIPPED,
            created_at__gte=_venue_midnight(connection, first),
        )
        .annotate(rank=Window(RowNumber(), partition_by=[F("reason")], order_by=[F("created_at").desc(), F("pk")]))
        .filter(rank__lte=examples)
        .order_by("reason", "rank")
    )
    by_reason: dict[str, list[RecordOutcome]] = {}
    for outcome in latest:
        by_reason.setdefault(outcome.reason, []).append(outcome)
    summaries = [
        ReasonSummary(row["reason"], reason_label(row["reason"]), row["total"], by_reason.get(row["reason"], []))
        for row in counts
        if row["total"]
    ]
    return sorted(summaries, key=lambda s: (-s.count, s.reason))


def reason_label(reason: str) -> str:
    try:
        return Reason(reason).label
    except ValueError:
        return reason.replace("_", " ")


def skipped_by_reason_for_connections(*, connection_ids: list[int], now: dt.datetime | None = None) -> dict:
    """{connection id: [(reason, label, last day, last week)]} for a page of the admin: one query."""
    now = now or timezone.now()
    rows = (
        RecordOutcome.objects.filter(
            connection_id__in=connection_ids,
            outcome=Outcome.SKIPPED,
            created_at__gte=now - dt.timedelta(days=7),
        )
        .values("connection_id", "reason")
        .annotate(
            week=Count("pk"),
            day=Count("pk", filter=Q(created_at__gte=now - dt.timedelta(days=1))),
        )
        .order_by("connection_id", "-week", "reason")
    )
    result: dict[int, list[tuple[str, str, int, int]]] = {pk: [] for pk in connection_ids}
    for row in rows:
        result[row["connection_id"]].append((row["reason"], reason_label(row["reason"]), row["day"], row["week"]))
    return result


# --- the feed -----------------------------------------------------------------------------


def recent_outcomes(*, connection: Connection, limit: int = 15) -> list[RecordOutcome]:
    return list(RecordOutcome.objects.filter(connection=connection).order_by("-created_at", "-pk")[:limit])
