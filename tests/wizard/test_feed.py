"""The connection page's feed names records as the venue knows them: masked names, product names."""

import pytest
from django.urls import reverse

from integrations.models import OrderLine
from integrations.outcomes import Entity, Outcome, Reason
from integrations.services.outcomes import outcomes_record
from tests.factories import (
    ConnectionFactory,
    ContactFactory,
    ContactSourceLinkFactory,
    OrderFactory,
    ProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def connection():
    return ConnectionFactory()


def live(client, connection) -> str:
    client.force_login(UserFactory(account=connection.account))
    url = reverse("wizard:connection_live", kwargs={"public_id": connection.public_id})
    return client.get(url, **HTMX).content.decode()


def test_a_guest_is_named_masked_not_by_id(client, connection):
    contact = ContactFactory(connection=connection, first_name="Eva", last_name="Ende", email="eva@example.com")
    ContactSourceLinkFactory(contact=contact, source_id="27718216")
    outcomes_record(connection=connection, entity=Entity.CONTACT, rows=[("27718216", Outcome.CREATED, "", "")])

    html = live(client, connection)

    assert "Guest Eva E." in html
    assert "27718216" not in html and "Ende" not in html and "eva@example.com" not in html


def test_a_booking_shows_its_holder_masked_and_its_products(client, connection):
    contact = ContactFactory(connection=connection, first_name="Eva", last_name="Ende")
    order = OrderFactory(contact=contact, external_id="u-1", reference="5033002")
    for name, quantity in (("Jump 60 min", 2), ("Grip socks", 1)):
        OrderLine.objects.create(
            order=order,
            external_id=name,
            product=ProductFactory(connection=connection, name=name),
            quantity=quantity,
        )
    outcomes_record(connection=connection, entity=Entity.ORDER, rows=[("u-1", Outcome.CREATED, "", "Booking 5033002")])

    html = live(client, connection)

    assert "Booking 5033002 · Eva E. · 2× Jump 60 min, Grip socks" in html


def test_a_record_the_store_does_not_hold_is_named_by_the_sources_id(client, connection):
    outcomes_record(
        connection=connection,
        entity=Entity.CONTACT,
        rows=[("27718999", Outcome.SKIPPED, Reason.NO_EMAIL_OR_PHONE, "")],
    )

    html = live(client, connection)

    assert "Guest 27718999 — " + Reason.NO_EMAIL_OR_PHONE.label in html


def test_a_feed_of_many_records_costs_a_few_queries(client, connection, django_assert_max_num_queries):
    for n in range(10):
        contact = ContactFactory(connection=connection)
        ContactSourceLinkFactory(contact=contact, source_id=f"g{n}")
        OrderFactory(contact=contact, external_id=f"u{n}")
    rows = [(f"g{n}", Outcome.CREATED, "", "") for n in range(10)]
    outcomes_record(connection=connection, entity=Entity.CONTACT, rows=rows)
    outcomes_record(
        connection=connection, entity=Entity.ORDER, rows=[(f"u{n}", Outcome.CREATED, "", "") for n in range(10)]
    )
    client.force_login(UserFactory(account=connection.account))
    url = reverse("wizard:connection_live", kwargs={"public_id": connection.public_id})

    with django_assert_max_num_queries(30):
        client.get(url, **HTMX)
