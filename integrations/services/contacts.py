"""Contacts beyond the upsert: is a person known, and removing a person who must not stay."""

from collections.abc import Iterable
from enum import StrEnum

from django.db import transaction

from integrations.batch import rows_where_in
from integrations.delivery.models import Erasure
from integrations.delivery.services.erasures import person_erase
from integrations.models import Connection, Contact, ContactSourceLink


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
    """The person turned out to be a minor: as a deletion, and when the contact stays (an
    adult shares its email) the personal fields that may have come from the minor are
    emptied; the contact's version is reset so the adult's next version fills them again."""
    with transaction.atomic():
        contact_id = (
            ContactSourceLink.objects.filter(connection=connection, source_id=source_id)
            .values_list("contact_id", flat=True)
            .first()
        )
        removal = contact_guest_delete(connection=connection, source_id=source_id, why=Erasure.Why.MINOR)
        if removal == Removal.UNLINKED:
            Contact.objects.filter(pk=contact_id).update(
                first_name="",
                last_name="",
                date_of_birth=None,
                gender="",
                street="",
                city="",
                postcode="",
                state="",
                country="",
                source_version=None,
            )
        return removal
