"""A minor who shares an adult's email (a parent booked a child with their own address): the
contact is the adult's and stays, its profile is never erased, and nothing the child's guest
record wrote stays in the store or goes to Activate."""

import datetime as dt

import pytest

from integrations.delivery.models import Erasure
from integrations.models import Connection, Contact
from integrations.records import AgeEvidence
from tests.integrations.delivery.conftest import NOW, deliver, items, person, store

pytestmark = pytest.mark.django_db

EMAIL = "parent@example.com"
EARLIER, LATER = NOW - dt.timedelta(hours=1), NOW + dt.timedelta(hours=1)


def parent(**values):
    return person("adult", email=EMAIL, **values)


def child(**values):
    # A child's record looks like anyone's until a waiver says they are a minor.
    looks = {"email": EMAIL, "first_name": "Sem", "phone": "+31611111111", "city": "Zeist", "date_of_birth": None}
    return person("child", **looks | values)


def found_to_be_a_minor(connection):
    store(connection, ages=[AgeEvidence(source_id="child", for_minor=True)])


def crm_updates_for(sandbox, email: str) -> list[dict]:
    return [e for e in sandbox.state()["events"] if e["event"] == "CRMUpdate" and e["email"] == email]


# --- the store ------------------------------------------------------------------------------------


def test_the_childs_fields_leave_a_shared_contact_whose_last_version_was_the_childs(connection):
    store(connection, contacts=[parent(source_version=EARLIER, email_consent=True)])
    store(connection, contacts=[child(source_version=LATER, sms_consent=True)])
    assert Contact.objects.get().first_name == "Sem"

    found_to_be_a_minor(connection)

    contact = Contact.objects.get()
    assert list(contact.source_links.values_list("source_id", flat=True)) == ["adult"]
    assert (contact.first_name, contact.last_name, contact.phone, contact.city, contact.country) == ("", "", "", "", "")
    assert contact.email == EMAIL  # the matching value: the adult's as well
    assert (contact.sms_consent, contact.sms_consent_at) == (None, None)  # stated by the child
    assert (contact.email_consent, contact.email_consent_at) == (True, EARLIER)  # stated by the adult
    assert contact.source_version is None


def test_the_adults_next_version_fills_the_emptied_contact_again(connection):
    store(connection, contacts=[parent(source_version=EARLIER)])
    store(connection, contacts=[child(source_version=LATER)])
    found_to_be_a_minor(connection)

    store(connection, contacts=[parent(source_version=EARLIER)])  # the same version, sent again

    contact = Contact.objects.get()
    assert (contact.first_name, contact.date_of_birth, contact.source_version) == ("Mia", dt.date(1988, 4, 2), EARLIER)


def test_a_shared_contact_whose_last_version_was_the_adults_keeps_the_adults_fields(connection):
    store(connection, contacts=[child(source_version=EARLIER, email_consent=True)])
    store(connection, contacts=[parent(source_version=LATER, phone="+31622222222")])

    found_to_be_a_minor(connection)

    contact = Contact.objects.get()
    assert list(contact.source_links.values_list("source_id", flat=True)) == ["adult"]
    assert (contact.first_name, contact.phone, contact.source_version) == ("Mia", "+31622222222", LATER)
    # The adult's version said nothing about consent: what stayed was the child's, and it goes.
    assert (contact.email_consent, contact.email_consent_at) == (None, None)


def test_a_minor_matched_by_phone_takes_their_own_email_with_them(connection):
    Connection.objects.filter(pk=connection.pk).update(matching_key=Connection.MatchingKey.PHONE)
    connection.refresh_from_db()
    store(connection, contacts=[parent(source_version=EARLIER, phone="+31611111111")])
    store(connection, contacts=[child(source_version=LATER, email="sem@example.com")])

    found_to_be_a_minor(connection)

    contact = Contact.objects.get()
    assert (contact.match_value, contact.phone, contact.email) == ("+31611111111", "+31611111111", "")


# --- the outbox and Activate ----------------------------------------------------------------------


def test_the_adults_profile_goes_again_without_the_childs_fields_and_is_never_erased(
    destination, connection, activate_sandbox
):
    store(connection, contacts=[parent(source_version=EARLIER)])
    store(connection, contacts=[child(source_version=LATER)])
    deliver(destination, "profile")
    assert crm_updates_for(activate_sandbox, EMAIL)[-1]["firstname"] == "Sem"

    found_to_be_a_minor(connection)

    (row,) = items(destination, "profile")
    assert (row.record_key, row.state, row.version > row.delivered_version) == (EMAIL, "queued", True)
    assert Erasure.objects.count() == 0
    deliver(destination, "profile")
    sent = crm_updates_for(activate_sandbox, EMAIL)[-1]
    assert not {"firstname", "lastname", "phone", "city", "birthdate"} & set(sent)


def test_the_childs_profile_never_goes_when_they_are_found_out_before_delivery(
    destination, connection, activate_sandbox
):
    store(connection, contacts=[parent(source_version=EARLIER)])
    store(connection, contacts=[child(source_version=LATER)])

    found_to_be_a_minor(connection)
    deliver(destination, "profile")

    (sent,) = crm_updates_for(activate_sandbox, EMAIL)
    assert "Sem" not in sent.values() and "+31611111111" not in sent.values()
    assert Erasure.objects.count() == 0


def test_a_shared_contact_the_adult_wrote_last_is_not_queued_again(destination, connection):
    store(connection, contacts=[child(source_version=EARLIER)])
    store(connection, contacts=[parent(source_version=LATER)])
    deliver(destination, "profile")

    found_to_be_a_minor(connection)

    (row,) = items(destination, "profile")
    assert (row.state, row.version) == ("delivered", row.delivered_version)
    assert Erasure.objects.count() == 0


def test_a_minors_own_email_is_erased_where_it_was_sent(destination, connection):
    Connection.objects.filter(pk=connection.pk).update(matching_key=Connection.MatchingKey.PHONE)
    connection.refresh_from_db()
    store(connection, contacts=[parent(source_version=EARLIER, phone="+31611111111")])
    store(connection, contacts=[child(source_version=LATER, email="sem@example.com")])
    deliver(destination, "profile")

    found_to_be_a_minor(connection)

    assert [(e.email, e.why) for e in Erasure.objects.all()] == [("sem@example.com", "minor")]
    keys = {row.record_key for row in items(destination, "profile")}
    assert "sem@example.com" not in keys and f"#{Contact.objects.get().pk}" in keys
