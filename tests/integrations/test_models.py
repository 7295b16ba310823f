"""The database, not hope, keeps the store clean: its constraints."""

import pytest
from django.db import IntegrityError, transaction

from integrations.models import Connection, Contact, ContactSourceLink, RecordOutcome
from integrations.outcomes import Entity, Outcome, Reason
from tests.factories import ConnectionFactory, ContactFactory, ContactSourceLinkFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_two_guests_with_one_email_are_one_contact():
    contact = ContactFactory(email="mia@example.com", match_value="mia@example.com")
    ContactSourceLinkFactory(contact=contact, source_id="101")
    ContactSourceLinkFactory(contact=contact, source_id="102")

    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(connection=contact.connection, match_value="mia@example.com")
    assert Contact.objects.count() == 1
    assert set(ContactSourceLink.objects.values_list("source_id", flat=True)) == {"101", "102"}


def test_one_guest_links_to_only_one_contact():
    link = ContactSourceLinkFactory(source_id="101")
    other = ContactFactory(connection=link.connection)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactSourceLink.objects.create(connection=link.connection, source_id="101", contact=other)


def test_the_same_email_in_two_connections_is_two_contacts():
    ContactFactory(match_value="mia@example.com")
    ContactFactory(match_value="mia@example.com")
    assert Contact.objects.count() == 2


def test_a_contact_needs_a_matching_value():
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(connection=ConnectionFactory(), match_value="")


def test_a_product_is_unique_per_connection_and_external_id():
    product = ProductFactory(external_id="107400")
    ProductFactory(external_id="107400")  # another connection
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(connection=product.connection, external_id="107400")


def test_connection_names_are_unique_within_an_account_only():
    connection = ConnectionFactory(name="Bounce Utrecht")
    ConnectionFactory(name="Bounce Utrecht")  # another account
    with pytest.raises(IntegrityError), transaction.atomic():
        ConnectionFactory(account=connection.account, name="Bounce Utrecht")


def test_needs_attention_always_says_why():
    connection = ConnectionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.filter(pk=connection.pk).update(status=Connection.Status.NEEDS_ATTENTION, status_reason="")


def test_a_skipped_record_always_has_a_reason():
    connection = ConnectionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RecordOutcome.objects.create(connection=connection, entity=Entity.ORDER, outcome=Outcome.SKIPPED)


def test_an_outcome_about_a_minor_holds_no_guest_id():
    connection = ConnectionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RecordOutcome.objects.create(
            connection=connection, entity=Entity.CONTACT, outcome=Outcome.SKIPPED, reason=Reason.MINOR, source_id="55"
        )
    RecordOutcome.objects.create(
        connection=connection, entity=Entity.CONTACT, outcome=Outcome.SKIPPED, reason=Reason.MINOR
    )
