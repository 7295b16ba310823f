"""Minors never leave: they are not in the store, and the export checks again before
sending anyone, by age (a date of birth corrected since) and by the known minors' keyed
hashes (a person shown to be a minor by a waiver after their contact was queued)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from integrations.delivery.selectors.records import source_ids_of
from integrations.locality import connection_zone
from integrations.minors import is_minor, minors_known
from integrations.models import Connection, Contact


def minor_contact_ids(contacts: Iterable[Contact]) -> set[int]:
    contacts = list(contacts)
    if not contacts:
        return set()
    minors = {
        contact.pk
        for contact in contacts
        if is_minor(
            contact.date_of_birth,
            contact.connection.minimum_age,
            timezone.localdate(timezone=connection_zone(contact.connection)),
        )
    }
    by_connection: dict[int, dict[str, int]] = {}
    for contact_id, links in source_ids_of(contacts).items():
        for connection_id, source_id in links:
            by_connection.setdefault(connection_id, {})[source_id] = contact_id
    for connection_id, people in by_connection.items():
        known = minors_known(connection=Connection(pk=connection_id), source_ids=set(people))
        minors |= {people[source_id] for source_id in known}
    return minors
