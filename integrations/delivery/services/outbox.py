"""The transactional outbox: written by the store's upserts and the deletion service, in
their transaction, so a record in the store is never missing from it and never sent before
it is committed.

One row per (destination, kind, record key), written by one `INSERT … ON CONFLICT DO UPDATE`
per batch: many changes before delivery coalesce into the row's latest version (`version`
bumped, queued again), and a version older than the one queued never overrides it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from django.core.cache import cache
from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from integrations.batch import row_sources, table
from integrations.delivery.models import DeliveryAttempt, Destination, OutboxItem
from integrations.models import Connection
from integrations.publishing import task_publish

log = logging.getLogger(__name__)

DELIVER_TASK = "integrations.delivery.tasks.deliver_outbox"
# Destinations that take changes: a draft is not connected yet (its backfill starts on
# activation); a paused one keeps them queued for its resume.
RECEIVING = (Destination.Status.ACTIVE, Destination.Status.PAUSED, Destination.Status.NEEDS_ATTENTION)
# Changes committed within this of a wake share the next one.
KICK_WINDOW = dt.timedelta(milliseconds=300)
_SENDS = {
    OutboxItem.Kind.PROFILE: "send_profiles",
    OutboxItem.Kind.PURCHASE: "send_purchases",
    OutboxItem.Kind.PRODUCT: "send_products",
}


@dataclass(frozen=True, slots=True)
class Change:
    """A store record changed: its key at the destination and the source's version."""

    record_key: str
    source_changed_at: dt.datetime | None = None
    removal: bool = False


def destinations_receiving(*, connection: Connection, kind: str) -> list[Destination]:
    """The account's destinations that take this kind from this connection (one query)."""
    return list(
        Destination.objects.filter(account_id=connection.account_id, status__in=RECEIVING, **{_SENDS[kind]: True})
        .exclude(excluded_connections=connection)
        .only("pk", "status")
    )


def outbox_changes_queue(*, connection: Connection, kind: str, changes: Sequence[Change]) -> int:
    """Queues the changed records for every destination that takes them; returns rows written.
    Called inside the upsert's transaction; the workers are woken once it commits."""
    if not changes:
        return 0
    destinations = destinations_receiving(connection=connection, kind=kind)
    if not destinations:
        return 0
    return outbox_queue(destinations=destinations, connection=connection, kind=kind, changes=changes)


def outbox_queue(
    *, destinations: Iterable[Destination], connection: Connection | None, kind: str, changes: Sequence[Change]
) -> int:
    """The coalescing upsert, one statement per batch (PostgreSQL and SQLite alike)."""
    destinations = list(destinations)
    newest: dict[str, Change] = {}
    for change in changes:  # one row per key in a statement: the newest change of each
        held = newest.get(change.record_key)
        if held is None or _not_older(change.source_changed_at, held.source_changed_at):
            newest[change.record_key] = change
    now = timezone.now()
    rows = [
        {
            "destination_id": destination.pk,
            "kind": kind,
            "record_key": change.record_key,
            "connection_id": connection.pk if connection else None,
            "source_changed_at": change.source_changed_at,
            "version": 1,
            "delivered_version": 0,
            "delivered_summary": {},
            "removal": change.removal,
            "state": OutboxItem.State.QUEUED,
            "reason": "",
            "attempts": 0,
            "last_error": "",
            "queued_at": now,
            "updated_at": now,
        }
        for destination in destinations
        for change in sorted(newest.values(), key=lambda c: c.record_key)  # one lock order
    ]
    written = _rows_upsert(rows)
    for destination in destinations:
        transaction.on_commit(partial(outbox_kick_soon, destination_id=destination.pk, kind=kind))
    return written


def _not_older(version: dt.datetime | None, than: dt.datetime | None) -> bool:
    return version is None or than is None or version >= than


def _rows_upsert(rows: list[dict]) -> int:
    if not rows:
        return 0
    qn, t = db.ops.quote_name, table(OutboxItem)
    columns = list(rows[0])
    pending = ", ".join(f"'{state}'" for state in (OutboxItem.State.QUEUED, OutboxItem.State.DELIVERING))
    sets = {
        # Held by a worker: it stays claimed, and the worker's settlement sees the new version
        # and queues it again, so two workers never send one record at once.
        "state": f"CASE WHEN {t}.state = 'delivering' THEN {t}.state ELSE excluded.state END",
        "version": f"{t}.version + 1",
        "reason": "excluded.reason",
        "attempts": "0",
        "next_attempt_at": "NULL",
        "last_error": "excluded.last_error",
        "connection_id": "excluded.connection_id",
        "source_changed_at": f"COALESCE(excluded.source_changed_at, {t}.source_changed_at)",
        "removal": "excluded.removal",
        # How long the record has waited: since it last became undelivered.
        "queued_at": f"CASE WHEN {t}.state IN ({pending}) THEN {t}.queued_at ELSE excluded.queued_at END",
        "updated_at": "excluded.updated_at",
    }
    assignments = ", ".join(f"{qn(column)} = {value}" for column, value in sets.items())
    # An older source version never overrides a newer one (a row without one always counts).
    guard = (
        f"excluded.source_changed_at IS NULL OR {t}.source_changed_at IS NULL "
        f"OR {t}.source_changed_at <= excluded.source_changed_at"
    )
    written = 0
    for source, params in row_sources(OutboxItem, columns, rows):
        sql = (
            f"INSERT INTO {t} ({', '.join(map(qn, columns))}) {source} "
            f"ON CONFLICT ({qn('destination_id')}, {qn('kind')}, {qn('record_key')}) "
            f"DO UPDATE SET {assignments} WHERE {guard}"
        )
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            written += max(cursor.rowcount, 0)
    return written


def outbox_kick(*, destination_id: int, kind: str, countdown: float | None = None) -> None:
    """Wakes a delivery worker for the destination's kind. The broker may be away: the
    sweep (integrations.delivery.services.delivery.outbox_sweep) finds the rows a minute later."""
    try:
        task_publish(DELIVER_TASK, args=[destination_id, kind], countdown=countdown)
    except Exception:  # noqa: BLE001 - whatever the broker raised, the row is safe in the outbox
        log.warning("could not wake the delivery workers for destination %s; the sweep will", destination_id)


def outbox_kick_soon(*, destination_id: int, kind: str) -> None:
    """A wake for a committed change, coalesced: at 20 bookings a second one task per change
    was most of the workers' time. The first change of a window wakes the workers at once;
    the others of the window share one wake at its end, which runs after each of them
    committed. Every change is covered whatever the cache: a cache shared by the processes
    (Redis in production) coalesces across them, a local one within each process."""
    key = f"outbox-kick:{destination_id}:{kind}"
    seconds = KICK_WINDOW.total_seconds()
    if cache.add(key, 1, timeout=seconds):
        outbox_kick(destination_id=destination_id, kind=kind)
    elif cache.add(f"{key}:later", 1, timeout=seconds):
        outbox_kick(destination_id=destination_id, kind=kind, countdown=seconds)


def outbox_purge(*, destination_ids: Iterable[int], kind: str, record_keys: Iterable[str]) -> int:
    """A person's records leave the outbox and the delivery log (an erasure). Returns rows."""
    keys = list(record_keys)
    if not keys:
        return 0
    destination_ids = list(destination_ids)
    logged = DeliveryAttempt.objects.filter(destination_id__in=destination_ids, kind=kind, record_key__in=keys)
    queued = OutboxItem.objects.filter(destination_id__in=destination_ids, kind=kind, record_key__in=keys)
    return logged.delete()[0] + queued.delete()[0]
