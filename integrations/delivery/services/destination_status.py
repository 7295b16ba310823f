"""A destination's status changes that delivery itself makes: credentials refused (paused by
itself, nothing dropped) and accepted again (active, everything queued goes)."""

from __future__ import annotations

from django.utils import timezone

from integrations.delivery.models import Destination, OutboxItem
from integrations.delivery.services.outbox import outbox_kick

NEEDS_ATTENTION_HINT = "check the Account ID and API key on the destination's page"


def destination_credentials_refused(destination: Destination, *, reason: str) -> None:
    now = timezone.now()
    Destination.objects.filter(pk=destination.pk).exclude(status=Destination.Status.PAUSED).update(
        status=Destination.Status.NEEDS_ATTENTION,
        status_reason=(reason or f"The destination refused our credentials: {NEEDS_ATTENTION_HINT}")[:1000],
        status_changed_at=now,
        credentials_refused_at=now,
        credentials_checked_at=now,
    )
    destination.refresh_from_db()


def destination_wake(destination: Destination) -> None:
    """Every kind with rows queued goes now (after a resume, a heal, a replay)."""
    kinds = (
        OutboxItem.objects.filter(destination=destination, state=OutboxItem.State.QUEUED)
        .values_list("kind", flat=True)
        .distinct()
    )
    for kind in set(kinds):
        outbox_kick(destination_id=destination.pk, kind=kind)
