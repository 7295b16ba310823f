"""Contacts beyond the upsert: is a person known, and removing a person who must not stay."""

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

from django.db import transaction

from integrations.batch import rows_where_in
from integrations.delivery.models import Erasure, OutboxItem
from integrations.delivery.services.erasures import person_erase, profile_erase
from integrations.delivery.services.outbox import Change, outbox_changes_queue
from integrations.models import Connection, Contact, ContactSourceLink
from integrations.services.upserts import profile_key


class Removal(StrEnum):
    NOT_LINKED = "not_linked"  # no contact was linked to the person
    UNLINKED = "unlinked"  # the link went; the contact stays, other people link to it
    CONTACT_DELETED = "contact_deleted"  # the contact went too, with its orders


def contact_is_known(*, connection: Connection, source_id: str | None, match_value: str) -> bool:
    """A person is a known contact when they are linked to one, or one has their matching
    value (a second guest with a known email). Reads only: the preview may call it."""
    if source_id and ContactSourceLink.objects.filter(connection=connection, source_id=source_id).exists():
        return True
    return bool(match_value) and Contact.objects.filter(connection=connection, match_value=match_value).exists()


def contacts_linked(*, connection: Connection, source_ids: Iterable[str]) -> dict[str, int]:
    """{source id: contact id} of these people's links (one query)."""
    rows = rows_where_in(
        ContactSourceLink,
        connection_id=connection.pk,
        key="source_id",
        values=source_ids,
        columns=("source_id", "contact_id"),
    )
    return dict(rows)


def contact_guest_delete(
    *, connection: Connection, source_id: str, why: str = Erasure.Why.DELETED_AT_SOURCE
) -> Removal:
    """The person was deleted at the source: their link goes, and their contact with its
    orders goes too once no other person links to it, out of every destination's outbox and
    delivery log as well (an erasure is opened where they may have been sent)."""
    with transaction.atomic():
        link = (
            ContactSourceLink.objects.select_for_update()
            .filter(connection=connection, source_id=source_id)
            .select_related("contact")
            .first()
        )
        if link is None:
            return Removal.NOT_LINKED
        contact = link.contact
        link.delete()
        if ContactSourceLink.objects.filter(contact=contact).exists():
            return Removal.UNLINKED
        person_erase(contact=contact, why=why)
        contact.delete()  # its orders and their lines go with it (on_delete=CASCADE)
        return Removal.CONTACT_DELETED


def contact_minor_forget(*, connection: Connection, source_id: str) -> Removal:
    """The person turned out to be a minor: as a deletion (their contact goes, an erasure is
    opened), unless other people link to the contact (a parent who booked a child with their
    own email). That contact is the adult's: it stays and its profile is never erased at a
    destination, but nothing the minor's record wrote may stay in it (contact_minor_traces_clear)."""
    with transaction.atomic():
        link = (
            ContactSourceLink.objects.filter(connection=connection, source_id=source_id)
            .values_list("contact_id", "source_version")
            .first()
        )
        removal = contact_guest_delete(connection=connection, source_id=source_id, why=Erasure.Why.MINOR)
        if removal == Removal.UNLINKED:
            contact_id, minor_version = link
            contact = Contact.objects.select_for_update().select_related("connection").get(pk=contact_id)
            contact_minor_traces_clear(contact=contact, minor_version=minor_version)
        return removal


def contact_minor_traces_clear(*, contact: Contact, minor_version: dt.datetime | None) -> bool:
    """Takes out of a contact that stays what a minor's guest record wrote into it; returns
    whether anything changed.

    A contact holds one version of a person: contacts_upsert writes every personal field from
    whichever of its people has the newest source version, and each link keeps the version it
    wrote. So the contact's version tells whose its fields are:

    - the minor's (their link's version is the contact's, or either is unknown: then we cannot
      tell, and assume the minor's): the personal fields are emptied, and the email or phone
      too unless it is the matching value (which is the adult's as well); the version is reset
      so the adult's next version fills them again. The profile is queued again, so the
      destination gets the adult-only version and never the minor's from a row still queued.
      An email emptied was the minor's own (matching on phone): that profile is erased.
    - an adult's (written after the minor's): the fields are the adult's and stay.

    Consent is kept across versions that do not state it, with the time of the version that
    did (contacts_upsert): consent stated at the minor's version was theirs and goes either way.
    """
    from_minor = minor_version is None or contact.source_version is None or minor_version >= contact.source_version
    cleared: dict[str, object] = {}
    if from_minor:
        cleared = {field: "" for field in _PERSONAL_FIELDS} | {"date_of_birth": None, "source_version": None}
        cleared |= {field: "" for field in ("email", "phone") if getattr(contact, field) != contact.match_value}
    for field in ("email_consent", "sms_consent"):
        stated_at = getattr(contact, f"{field}_at")
        if getattr(contact, field) is not None and (minor_version is None or stated_at == minor_version):
            cleared |= {field: None, f"{field}_at": None}
    changed = {field: value for field, value in cleared.items() if getattr(contact, field) != value}
    if not changed:
        return False
    minors_email = contact.email if "email" in changed else ""
    Contact.objects.filter(pk=contact.pk).update(**changed)
    for field, value in changed.items():
        setattr(contact, field, value)
    outbox_changes_queue(
        connection=contact.connection,
        kind=OutboxItem.Kind.PROFILE,
        changes=[Change(profile_key(contact.email, contact_id=contact.pk))],
    )
    if minors_email:
        profile_erase(contact=contact, email=minors_email, why=Erasure.Why.MINOR)
    return True


# The fields a version of a person writes whole; the email and phone are decided apart.
_PERSONAL_FIELDS = ("first_name", "last_name", "gender", "street", "city", "postcode", "state", "country")
