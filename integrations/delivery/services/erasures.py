"""A person who must leave (deleted at the source, or found to be a minor) stops being
exported: their records leave the outbox and the delivery log, in the deletion's
transaction. No erasure API is documented for a destination, so an Erasure, with the email
the destination needs, stays open on the destination's page until a person marks it done.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.delivery.models import Destination, Erasure, OutboxItem
from integrations.delivery.services.outbox import Change, outbox_changes_queue, outbox_purge
from integrations.models import Contact

# Rows that may have reached the destination: delivered once, or in a worker's hands.
_MAY_HAVE_LEFT = Q(delivered_version__gt=0) | Q(state=OutboxItem.State.DELIVERING)


def person_erase(*, contact: Contact, why: str) -> list[Erasure]:
    """Called by the deletion service before the contact and its orders are deleted. Returns
    the erasures opened (one per destination that may hold the person)."""
    order_keys = [str(pk) for pk in contact.orders.values_list("pk", flat=True)]
    destination_ids = _account_destination_ids(contact)
    if not destination_ids:
        return []
    with transaction.atomic():
        reached = _reached(destination_ids, Q(kind=OutboxItem.Kind.PURCHASE, record_key__in=order_keys))
        outbox_purge(destination_ids=destination_ids, kind=OutboxItem.Kind.PURCHASE, record_keys=order_keys)
        return _profile_erase(contact, email=contact.email, destination_ids=destination_ids, reached=reached, why=why)


def profile_erase(*, contact: Contact, email: str, why: str) -> list[Erasure]:
    """The profile under `email` was one person's alone while the contact stays (a minor's
    own email on a contact an adult shares by phone): as a person's erasure, for the profile
    only. Returns the erasures opened."""
    destination_ids = _account_destination_ids(contact)
    if not destination_ids:
        return []
    with transaction.atomic():
        return _profile_erase(contact, email=email, destination_ids=destination_ids, reached=set(), why=why)


def _profile_erase(
    contact: Contact, *, email: str, destination_ids: list[int], reached: set[int], why: str
) -> list[Erasure]:
    email = (email or "").strip().lower()
    profile_key = email or f"#{contact.pk}"
    reached = reached | _reached(destination_ids, Q(kind=OutboxItem.Kind.PROFILE, record_key=profile_key))
    if email and _email_stays(contact, email):
        # Another venue of the account knows this email: the profile is theirs now, sent again.
        outbox_changes_queue(connection=contact.connection, kind=OutboxItem.Kind.PROFILE, changes=[Change(profile_key)])
        return []
    outbox_purge(destination_ids=destination_ids, kind=OutboxItem.Kind.PROFILE, record_keys=[profile_key])
    if not email:  # nothing without an email ever leaves
        return []
    return [_erasure_open(destination_id=pk, email=email, why=why) for pk in sorted(reached)]


def _account_destination_ids(contact: Contact) -> list[int]:
    return list(Destination.objects.filter(account_id=contact.connection.account_id).values_list("pk", flat=True))


def _reached(destination_ids: list[int], records: Q) -> set[int]:
    held = OutboxItem.objects.filter(destination_id__in=destination_ids).filter(_MAY_HAVE_LEFT)
    return set(held.filter(records).values_list("destination_id", flat=True))


def _email_stays(contact: Contact, email: str) -> bool:
    return (
        Contact.objects.filter(connection__account_id=contact.connection.account_id, email__iexact=email)
        .exclude(pk=contact.pk)
        .exists()
    )


def _erasure_open(*, destination_id: int, email: str, why: str) -> Erasure:
    erasure, _created = Erasure.objects.get_or_create(
        destination_id=destination_id, email=email, done_at__isnull=True, defaults={"why": why}
    )
    return erasure


def erasure_mark_done(erasure: Erasure, *, by: str) -> Erasure:
    """A person erased them in the destination (its privacy requests): closed, with who."""
    Erasure.objects.filter(pk=erasure.pk, done_at__isnull=True).update(done_at=timezone.now(), done_by=by[:150])
    erasure.refresh_from_db()
    return erasure


def erasures_open(destination: Destination) -> list[Erasure]:
    return list(destination.erasures.filter(done_at__isnull=True).order_by("created_at"))
