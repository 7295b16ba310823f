"""Reads behind the monitoring views: the connection page, the operators' admin, the alerts.

Each function answers one question about one connection (or one page of connections) in a
fixed number of queries. Days are the venue's days, as the daily counts are.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

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


def venue_zone(connection: Connection) -> ZoneInfo:
    try:
        return ZoneInfo(connection.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def venue_today(connection: Connection) -> dt.date:
    return timezone.localdate(timezone=venue_zone(connection))


def _venue_midnight(connection: Connection, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=venue_zone(connection))


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


# --- the first import ---------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProgressView:
    windows_done: int
    windows_total: int
    records: int
    eta_seconds: float | None
    status: str

    @property
    def percent(self) -> int:
        if not self.windows_total:
            return 0
        return min(100, round(100 * self.windows_done / self.windows_total))

    @property
    def finished(self) -> bool:
        return self.windows_total > 0 and self.windows_done >= self.windows_total

    @property
    def time_left(self) -> str:
        if self.eta_seconds is None or self.finished:
            return ""
        minutes = round(self.eta_seconds / 60)
        if minutes < 1:
            return "less than a minute to go"
        if minutes < 90:
            return f"about {minutes} minute{'s' if minutes != 1 else ''} to go"
        return f"about {round(minutes / 60)} hours to go"


def first_import_progress(*, connection: Connection) -> ImportProgressView | None:
    """The first import's progress bar, or None when there was no first import."""
    from integrations.services.imports import import_progress

    progress = import_progress(connection=connection)
    if not progress.windows_total:
        return None
    return ImportProgressView(
        windows_done=progress.windows_done,
        windows_total=progress.windows_total,
        records=progress.records,
        eta_seconds=progress.eta_seconds,
        status=str(progress.status),
    )


# --- health -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something only a person can fix. `key` is stable while the problem lasts (for alerts)."""

    key: str
    title: str
    what_to_do: str
    # A button on the connection page that fixes it, when there is one ("register_webhook",
    # "credentials": a link to the credentials step and "Retry now").
    fix: str = ""


@dataclass(frozen=True)
class Health:
    state: str  # "connected", "paused", "needs_attention", "draft"
    label: str
    problems: list[Problem]


def connection_health(*, connection: Connection, events_dead: int | None = None) -> Health:
    """Connected, paused or needs attention, with what is wrong and what to do about it."""
    Status = Connection.Status
    if connection.status == Status.DRAFT:
        return Health("draft", "Not set up yet", [])
    if events_dead is None:
        events_dead = WebhookEvent.objects.filter(connection=connection, status=EventStatus.DEAD).count()
    problems = []
    if connection.status == Status.NEEDS_ATTENTION:
        problems.append(
            _status_problem(connection.status_reason, refused=connection.credentials_refused_at is not None)
        )
    if events_dead:
        noun = "update" if events_dead == 1 else "updates"
        problems.append(
            Problem(
                key="events:dead",
                title=f"{events_dead} {noun} from ROLLER could not be processed",
                what_to_do=(
                    "They were retried several times and set aside; nothing is lost. Once the cause is "
                    "fixed, press “Replay failed events” on the connection page to process them."
                ),
            )
        )
    if connection.status == Status.PAUSED:
        return Health("paused", "Paused", problems)
    if problems:
        return Health("needs_attention", "Needs attention", problems)
    return Health("connected", "Connected", [])


def _status_problem(reason: str, *, refused: bool = False) -> Problem:
    """The connection's own reason already says what to do; the title says what kind of thing it is."""
    lowered = reason.lower()
    fix = ""
    if refused:
        # Fixed in the credentials step, or by "Retry now" once the source accepts them again.
        kind, title, fix = "credentials", "ROLLER no longer accepts the connection's credentials", "credentials"
    elif "webhook" in lowered:
        # Disabled, deleted or pointing elsewhere at ROLLER (the reconciliation's check).
        kind, title, fix = "webhook", "ROLLER's updates are not reaching this connection", "register_webhook"
    elif any(word in lowered for word in ("client id", "credential", "api key", "refused access", "rejected")):
        kind, title = "credentials", "ROLLER no longer accepts the connection's credentials"
    else:
        kind, title = "other", "The connection has stopped"
    digest = hashlib.sha256(reason.encode()).hexdigest()[:12]
    return Problem(key=f"status:{kind}:{digest}", title=title, what_to_do=reason or "Contact support.", fix=fix)
