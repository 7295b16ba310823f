"""The mapping's payloads sent by the client and held by the stand-in, as a marketer would
see them in Activate: the real shapes pass the stand-in's checks and join up."""

import datetime as dt

import pytest

from integrations.activate import mapping
from integrations.activate.client import ActivateClient
from integrations.activate.mapping import ExportSettings
from integrations.models import OrderLine
from tests.factories import ConnectionFactory, ContactFactory, OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 7, 1)
SETTINGS = ExportSettings(currency="EUR", language="nl_NL")


@pytest.fixture
def client(activate_sandbox):
    client = ActivateClient(
        base_url=activate_sandbox.url, account_id=activate_sandbox.account_id, api_key=activate_sandbox.api_key
    )
    yield client
    client.close()


@pytest.fixture
def order():
    connection = ConnectionFactory(name="Jump Utrecht")
    contact = ContactFactory(connection=connection, email="mia@example.com", country="Netherlands", email_consent=True)
    parent = ProductFactory(connection=connection, external_id="200", name="Jump", price=None)
    product = ProductFactory(connection=connection, external_id="201", name="Jump 60 min", price="16.50", parent=parent)
    order = OrderFactory(
        contact=contact, total="33.00", currency="EUR", ordered_at=dt.datetime(2026, 7, 1, 12, 5, tzinfo=dt.UTC)
    )
    OrderLine.objects.create(order=order, external_id="L1", product=product, quantity=2, unit_price="16.50")
    return order


def test_a_purchase_arrives_with_its_offset_and_its_products_in_the_catalogue(client, activate_sandbox, order):
    products = mapping.products_payloads(order.connection.products.all(), settings=SETTINGS)
    assert client.products_upsert(products).created == 2
    client.events_track([mapping.order_event(order, settings=SETTINGS, today=TODAY)])

    state = activate_sandbox.state()
    (purchase,) = state["purchases"]
    assert (purchase["orderid"], purchase["revenue"], purchase["currency"]) == (order.external_id, 33.0, "EUR")
    assert (purchase["at"], purchase["timestamp_read_as"]) == ("2026-07-01T12:05:00+00:00", "offset")
    catalogue_ids = {product["id"] for product in state["products"]}
    assert {product["id"] for product in purchase["products"]} <= catalogue_ids
    (profile,) = state["profiles"]
    assert (profile["email"], profile["country"], profile["newsletter"]) == ("mia@example.com", "NL", "yes")


def test_the_custom_fields_listed_are_the_ones_sent(client, activate_sandbox, order):
    activate_sandbox.configure(custom_fields=mapping.custom_field_names())
    order.contact.sms_consent = False
    client.events_track(
        [
            mapping.contact_update_event(order.contact, today=TODAY),
            mapping.consent_event(order.contact, today=TODAY),
            mapping.order_event(order, settings=SETTINGS, today=TODAY),
        ]
    )
    order.status = "Cancelled"
    client.events_track([mapping.order_event(order, settings=SETTINGS, today=TODAY)])
    events = [event["event"] for event in activate_sandbox.state()["events"]]
    assert events == ["CRMUpdate", "EmailOptIn", "Purchase", "BookingCancelled"]
    (profile,) = activate_sandbox.state()["profiles"]
    assert (profile["newsletter"], profile["custom"]) == ("yes", {"custom_sms_consent": "no"})


@pytest.mark.parametrize(("mode", "held"), [("merge", 1), ("append", 2)])
def test_a_changed_booking_sent_again_under_either_switch(client, activate_sandbox, order, mode, held):
    activate_sandbox.configure(repeated_orderid=mode)
    client.events_track([mapping.order_event(order, settings=SETTINGS, today=TODAY)])
    order.total = "49.50"
    client.events_track([mapping.order_event(order, settings=SETTINGS, today=TODAY)])
    assert len(activate_sandbox.state()["purchases"]) == held  # append counts it again: delivery must know
