"""Replay: dead and failed records queued again, by destination, kind or range, once the
cause is fixed. The latest version of each record goes, not the one that failed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from integrations.delivery.models import Destination, OutboxItem
from integrations.delivery.services.destination_status import destination_wake


def outbox_replay(
    destination: Destination,
    *,
    kind: str | None = None,
    states: Iterable[str] = ("dead", "failed"),
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> int:
    """Queues the matching records again (attempts from zero); returns how many. `since` and
    `until` bound when they last changed state."""
    rows = OutboxItem.objects.filter(destination=destination, state__in=list(states))
    if kind:
        rows = rows.filter(kind=kind)
    if since:
        rows = rows.filter(updated_at__gte=since)
    if until:
        rows = rows.filter(updated_at__lt=until)
    with transaction.atomic():
        replayed = rows.update(
            state=OutboxItem.State.QUEUED, attempts=0, next_attempt_at=None, reason="", claimed_at=None
        )
        if replayed:
            transaction.on_commit(lambda: destination_wake(destination))
    return replayed
