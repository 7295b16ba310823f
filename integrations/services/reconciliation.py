"""Reconciliation: a pass over the recent days that heals what the webhooks missed.

Daily by default, early in the morning venue time (sources ask for bulk reporting reads to be
rare and at quiet hours). A pass queues a re-read of the last few days (signed
waivers, contacts, orders) behind whatever the connection is importing, through the same rules
and upserts as everything else. What it writes was missing or older in the store, so those rows
and their outcomes are marked healed: a broken webhook shows up instead of hiding. The same
pass asks the source whether our webhook is still registered and enabled.

Settings (optional): RECONCILIATION_LOOKBACK_DAYS (default 3), RECONCILIATION_HOUR (default 4,
venue-local) and RECONCILIATION_EVERY_HOURS (default 24: once a day).
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.errors import ConnectionBrokenError, SyncError
from integrations.import_plan import range_plan
from integrations.locality import connection_zone
from integrations.models import DISPATCHABLE_STATUSES, Connection, SyncRun
from integrations.publishing import task_publish
from integrations.registry import connector_get
from integrations.selectors.history import export_slots_free
from integrations.services.connection_status import connection_credentials_refused, connection_mark_needs_attention
from integrations.services.connections import connection_webhook_register_again
from integrations.services.import_runs import WINDOWED, chain_runs, imports_continue, runs_queue
from integrations.windows import local_midnight

logger = logging.getLogger(__name__)
Kind, Status = SyncRun.Kind, SyncRun.Status

# Webhooks of the last minutes may still be on their way: they are not "missed" yet.
SETTLE = dt.timedelta(minutes=15)


def reconciliation_slot(*, connection: Connection, now: dt.datetime) -> dt.datetime:
    """The latest moment, at or before `now`, a pass was due for this connection."""
    tz = connection_zone(connection)
    hour = int(getattr(settings, "RECONCILIATION_HOUR", 4))
    every = dt.timedelta(hours=max(1, int(getattr(settings, "RECONCILIATION_EVERY_HOURS", 24))))
    local = now.astimezone(tz)
    slot = dt.datetime.combine(local.date(), dt.time(hour), tzinfo=tz)
    if slot > local:
        slot -= dt.timedelta(days=1)
    while slot + every <= local:
        slot += every
    return slot


def reconciliation_dispatch_due(*, now: dt.datetime | None = None) -> int:
    """Starts a pass for each connection whose slot has come; returns how many."""
    now, started = now or timezone.now(), 0
    for connection in Connection.objects.filter(status__in=DISPATCHABLE_STATUSES, contacts_enabled=True):
        spec = connector_get(connection.connector_type)
        if spec is None or spec.read_window is None:
            continue
        slot = reconciliation_slot(connection=connection, now=now)
        if connection.activated_at is None or connection.activated_at > slot:
            continue  # the first import reads these days itself
        passes = SyncRun.objects.filter(connection=connection, kind=Kind.RECONCILIATION)
        # A pass started at or after the slot reads up to its start less SETTLE: told by what
        # it covers, not by when the row was written (the caller's `now` is the clock here).
        if passes.filter(window_end__gte=slot - SETTLE).exists():
            continue
        if chain_runs(connection).filter(kind=Kind.RECONCILIATION, status__in=[Status.QUEUED, Status.RUNNING]).exists():
            continue  # the last one is still waiting behind an import: one is enough
        reconciliation_start(connection=connection, now=now)
        started += 1
    return started


def reconciliation_start(*, connection: Connection, now: dt.datetime | None = None) -> list[SyncRun]:
    """Queues a pass over the last RECONCILIATION_LOOKBACK_DAYS days and checks the webhook."""
    now = now or timezone.now()
    tz = connection_zone(connection)
    days = int(getattr(settings, "RECONCILIATION_LOOKBACK_DAYS", 3))
    start = local_midnight(now.astimezone(tz).date() - dt.timedelta(days=days), tz)
    end = now - SETTLE
    # Days before a stream's first import began were never in the store: reading them would
    # count as healing what no webhook ever missed.
    imported_from = dict(
        SyncRun.objects.filter(connection=connection, kind=Kind.FIRST_IMPORT, stream__in=WINDOWED).values_list(
            "stream", "window_start"
        )
    )
    ranges = [(stream, max(start, imported_from.get(stream) or start), end) for stream in WINDOWED]
    # A long pass (RECONCILIATION_LOOKBACK_DAYS over EXPORT_MIN_DAYS) by the source's export
    # where its slot is free.
    plan = range_plan(
        connection=connection,
        ranges=[r for r in ranges if r[1] < end],
        slots_free=export_slots_free(connection=connection),
    )
    with transaction.atomic():
        runs = runs_queue(connection=connection, kind=Kind.RECONCILIATION, plan=plan)
        imports_continue(connection=connection)
        transaction.on_commit(lambda: _publish_check(connection.pk))
    logger.info("connection %s: reconciliation of %s to %s queued", connection.pk, start, end)
    return runs


def webhook_check(*, connection: Connection) -> str | None:
    """Whether the source still has our webhook, enabled; when not, the connection needs
    attention with what to do. Returns the problem, or None. A TransientError propagates
    (the task retries)."""
    spec = connector_get(connection.connector_type)
    if spec is None or spec.check_webhook is None:
        return None
    try:
        problem = spec.check_webhook(connection)
    except ConnectionBrokenError as exc:
        connection_credentials_refused(connection=connection, reason=str(exc))
        return str(exc)
    if problem:
        connection_mark_needs_attention(connection=connection, reason=problem)
    return problem


def webhooks_check_dispatch() -> int:
    """Every WEBHOOK_CHECK_EVERY (beat): a check of each working connection's webhook (one
    GET /webhooks, say). Returns how many were asked for."""
    ids = [
        connection.pk
        for connection in Connection.objects.filter(status__in=DISPATCHABLE_STATUSES)
        if (spec := connector_get(connection.connector_type)) is not None and spec.check_webhook is not None
    ]
    for pk in ids:
        _publish_check(pk)
    return len(ids)


def webhook_heal(*, connection: Connection) -> str | None:
    """Checks the source's webhook; when it is missing, disabled or posts elsewhere, registers
    it again by itself, queues a reconciliation to fill the gap, and says so on the connection.
    What it cannot fix (the source refuses) needs attention, as webhook_check does. Returns the
    problem found, or None. A TransientError propagates (the task retries)."""
    spec = connector_get(connection.connector_type)
    if spec is None or spec.check_webhook is None or connection.status == Connection.Status.PAUSED:
        return None
    try:
        problem = spec.check_webhook(connection)
    except ConnectionBrokenError as exc:
        connection_mark_needs_attention(connection=connection, reason=str(exc))
        return str(exc)
    if problem is None:
        return None
    try:
        connection_webhook_register_again(connection=connection)
    except SyncError as exc:
        connection_mark_needs_attention(connection=connection, reason=f"{problem} Registering it again failed: {exc}")
        return problem
    reconciliation_start(connection=connection)
    when = timezone.localtime().strftime("%d %b %H:%M")
    note = (
        f"{spec.label} had lost or disabled our webhook; it was registered again by itself on {when}, "
        "and a reconciliation is filling in what was missed meanwhile."
    )
    Connection.objects.filter(pk=connection.pk).update(status_reason=note)
    logger.warning("connection %s: webhook registered again by itself (%s)", connection.pk, problem)
    return problem


def _publish_check(connection_id: int) -> None:
    try:
        task_publish("integrations.tasks_sync.check_webhook", args=[connection_id], retry=False)
    except Exception as exc:  # noqa: BLE001 - the broker may be down; tomorrow's pass checks again
        logger.warning("could not publish the webhook check of connection %s (%s)", connection_id, exc)
