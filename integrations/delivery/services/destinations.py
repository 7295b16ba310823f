"""What people do to a destination: connect it, pause and resume it, change what it is sent,
leave a connection out of it. Each is a small service; the views and the admin call them."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from integrations.delivery.errors import DeliveryError
from integrations.delivery.models import Backfill, Destination, OutboxItem
from integrations.delivery.registry import destination_spec
from integrations.delivery.services.backfill import ORDER, backfills_cancel, backfills_queue
from integrations.delivery.services.destination_status import destination_wake
from integrations.models import Connection

TURNED_OFF = "Turned off on the destination: not sent (the destination keeps what it has)"
CONNECTION_LEFT_OUT = "The connection is left out of this destination"
_SENDS = {
    OutboxItem.Kind.PROFILE: "send_profiles",
    OutboxItem.Kind.PURCHASE: "send_purchases",
    OutboxItem.Kind.PRODUCT: "send_products",
}
# Changing one of these sends the kinds it shows in again.
_RESEND_ON = {"language": ORDER, "currency": (OutboxItem.Kind.PRODUCT, OutboxItem.Kind.PURCHASE)}


def kinds_sent(destination: Destination) -> tuple[str, ...]:
    return tuple(kind for kind in ORDER if getattr(destination, _SENDS[kind]))


def destination_activate(destination: Destination) -> list[Backfill]:
    """Connected: active, and what the store holds is queued: products, profiles, purchases."""
    with transaction.atomic():
        _status(destination, Destination.Status.ACTIVE)
        Destination.objects.filter(pk=destination.pk, activated_at__isnull=True).update(activated_at=timezone.now())
        destination.refresh_from_db()
        return backfills_queue(destination, kinds=kinds_sent(destination), why="Connected")


def destination_pause(destination: Destination, *, by: str) -> None:
    """Nothing is sent; changes keep coalescing in the outbox for the resume."""
    _status(destination, Destination.Status.PAUSED, reason=f"Paused by {by}")


def destination_resume(destination: Destination) -> None:
    _status(destination, Destination.Status.ACTIVE)
    transaction.on_commit(lambda: destination_wake(destination))


def destination_credentials_confirmed(destination: Destination) -> bool:
    """Its credentials were accepted (the wizard, a re-check): a destination paused for them
    is active again and sends what waited. True when it healed."""
    now = timezone.now()
    healed = Destination.objects.filter(pk=destination.pk, status=Destination.Status.NEEDS_ATTENTION).update(
        status=Destination.Status.ACTIVE, status_reason="", status_changed_at=now, credentials_refused_at=None
    )
    Destination.objects.filter(pk=destination.pk).update(credentials_checked_at=now)
    destination.refresh_from_db()
    if healed:
        transaction.on_commit(lambda: destination_wake(destination))
    return bool(healed)


def destination_settings_changed(destination: Destination, *, before: dict) -> list[Backfill]:
    """After the settings form saved: a kind turned on is backfilled; turned off, its pending
    rows stop (the destination keeps what it has); a new language or currency sends again the
    kinds it shows in. `before`: the fields' values before the change."""
    queued: list[str] = []
    with transaction.atomic():
        for kind, flag in _SENDS.items():
            was, now = bool(before.get(flag, getattr(destination, flag))), getattr(destination, flag)
            if now and not was:
                queued.append(kind)
            if was and not now:
                backfills_cancel(destination, kind=kind)
                _pending(destination, kind=kind).update(
                    state=OutboxItem.State.FILTERED, reason=TURNED_OFF, claimed_at=None
                )
        for name, kinds in _RESEND_ON.items():
            if name in before and before[name] != getattr(destination, name):
                queued += [kind for kind in kinds if getattr(destination, _SENDS[kind])]
        wanted = tuple(kind for kind in ORDER if kind in queued)
        if not wanted or destination.status == Destination.Status.DRAFT:
            return []
        return backfills_queue(destination, kinds=wanted, why="Settings changed")


def connection_exclusion_set(destination: Destination, connection: Connection, *, excluded: bool) -> None:
    """Leaves a connection out of the destination (its pending rows stop), or takes it back
    in (what it holds is sent: a backfill of each kind the destination takes)."""
    if connection.account_id != destination.account_id:
        raise ValueError("The connection belongs to another account")
    with transaction.atomic():
        if excluded:
            destination.excluded_connections.add(connection)
            OutboxItem.objects.filter(
                destination=destination, connection=connection, state=OutboxItem.State.QUEUED
            ).update(state=OutboxItem.State.FILTERED, reason=CONNECTION_LEFT_OUT)
            return
        if destination.excluded_connections.filter(pk=connection.pk).exists():
            destination.excluded_connections.remove(connection)
            if destination.status != Destination.Status.DRAFT:
                backfills_queue(destination, kinds=kinds_sent(destination), why=f"{connection.name} taken back in")


def destination_credentials_recheck(destination: Destination) -> bool:
    """Asks the destination whether it accepts the stored credentials again (cheaply);
    heals it when it does. False while refused or unreachable."""
    spec = destination_spec(destination.destination_type)
    try:
        spec.credentials_check(destination)
    except DeliveryError:  # refused or unreachable: asked again at the next re-check
        Destination.objects.filter(pk=destination.pk).update(credentials_checked_at=timezone.now())
        return False
    return destination_credentials_confirmed(destination)


# A paused destination asks again at most this often (issue 15).
RECHECK_EVERY = dt.timedelta(minutes=5)


def destinations_credentials_recheck() -> int:
    """Beat, every 5 minutes: the destinations paused for their credentials ask again, at
    most once in 5 minutes each. Returns how many healed."""
    # A few seconds' grace: the beat's 5-minute tick must not miss a check made 4:59 ago.
    due = timezone.now() - RECHECK_EVERY + dt.timedelta(seconds=5)
    destinations = Destination.objects.filter(status=Destination.Status.NEEDS_ATTENTION).exclude(
        credentials_checked_at__gt=due
    )
    return sum(destination_credentials_recheck(destination) for destination in destinations)


def _status(destination: Destination, status: str, *, reason: str = "") -> None:
    Destination.objects.filter(pk=destination.pk).update(
        status=status, status_reason=reason, status_changed_at=timezone.now()
    )
    destination.refresh_from_db()


def _pending(destination: Destination, *, kind: str):
    return OutboxItem.objects.filter(
        destination=destination, kind=kind, state__in=[OutboxItem.State.QUEUED, OutboxItem.State.DELIVERING]
    )
