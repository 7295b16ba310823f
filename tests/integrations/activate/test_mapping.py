"""The mapping as plain functions: store rows in, Activate payloads (or a reason) out."""

import datetime as dt
from decimal import Decimal

import pytest

from integrations.activate import mapping
from integrations.activate.countries import country_alpha2
from integrations.activate.mapping import ExportSettings, Filtered
from integrations.models import OrderLine, Product
from tests.factories import ConnectionFactory, ContactFactory, OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 7, 1)
SETTINGS = ExportSettings(currency="EUR", language="nl_NL")


@pytest.fixture
def contact():
    return ContactFactory(
        connection=ConnectionFactory(name="Jump Utrecht"),
        email=" Mia.Jansen@Example.com ",
        first_name="Mia",
        last_name="Jansen",
        phone="+31612345678",
        postcode="3511AA",
        city="Utrecht",
        country="Netherlands",
        date_of_birth=dt.date(1990, 12, 31),
        gender="Female",
    )


def booking(contact, *, status="Paid", currency="EUR", lines=(("Jump 60 min", "16.50", 2),)):
    order = OrderFactory(
        contact=contact,
        external_id="2d7c0f6e-booking-unique-id",
        status=status,
        currency=currency,
        total="33.00",
        ordered_at=dt.datetime(2026, 7, 1, 12, 5, tzinfo=dt.UTC),
        visit_date=dt.date(2026, 7, 4),
        source_version=dt.datetime(2026, 7, 2, 8, 0, tzinfo=dt.UTC),
    )
    for number, (name, price, quantity) in enumerate(lines):
        product, _ = Product.objects.get_or_create(
            connection=contact.connection, external_id=f"1074{number}", defaults={"name": name, "price": price}
        )
        OrderLine.objects.create(
            order=order, external_id=f"L{number}", product=product, quantity=quantity, unit_price=price
        )
    return order


# --- profiles ----------------------------------------------------------------------------------
def test_a_contact_change_is_a_crm_update_with_the_profile_fields(contact):
    assert mapping.contact_update_event(contact, today=TODAY) == {
        "event": "CRMUpdate",
        "email": "mia.jansen@example.com",
        "firstname": "Mia",
        "lastname": "Jansen",
        "phone": "+31612345678",
        "postcode": "3511AA",
        "city": "Utrecht",
        "country": "NL",
        "birthdate": "1990-12-31",
        "gender": "F",
    }


def test_unknown_consent_is_never_sent(contact):
    event = mapping.contact_update_event(contact, today=TODAY)
    assert "newsletter" not in event and mapping.SMS_CONSENT_FIELD not in event
    assert mapping.consent_event(contact, today=TODAY) == Filtered(mapping.CONSENT_UNKNOWN)


@pytest.mark.parametrize(("email", "sms", "expected"), [
    (True, None, {"newsletter": "yes"}),
    (False, None, {"newsletter": "no"}),
    (None, True, {"custom_sms_consent": "yes"}),
    (True, False, {"newsletter": "yes", "custom_sms_consent": "no"}),
])  # fmt: skip
def test_known_consent_is_an_email_opt_in_with_only_what_is_known(contact, email, sms, expected):
    contact.email_consent, contact.sms_consent = email, sms
    assert mapping.consent_event(contact, today=TODAY) == {
        "event": "EmailOptIn",
        "email": "mia.jansen@example.com",
        **expected,
    }
    assert mapping.contact_update_event(contact, today=TODAY).items() >= expected.items()


def test_empty_fields_are_left_out_rather_than_blanking_the_profile():
    contact = ContactFactory(email="bo@example.com", first_name="", last_name="", country="Atlantis")
    assert mapping.contact_update_event(contact, today=TODAY) == {"event": "CRMUpdate", "email": "bo@example.com"}


def test_a_contact_without_an_email_is_filtered_with_the_reason():
    contact = ContactFactory(email="", match_value="+31612345678", phone="+31612345678")
    assert mapping.contact_update_event(contact, today=TODAY) == Filtered("Activate needs an email")
    assert mapping.consent_event(contact, today=TODAY) == Filtered("Activate needs an email")


def test_a_minor_is_never_sent(contact):
    contact.date_of_birth = dt.date(2012, 1, 1)
    assert mapping.contact_update_event(contact, today=TODAY) == Filtered(mapping.MINOR)
    assert mapping.order_event(booking(contact), settings=SETTINGS, today=TODAY) == Filtered(mapping.MINOR)


@pytest.mark.parametrize(("stored", "sent"), [("Male", "M"), ("female", "F"), ("Other", "U"), ("PreferNotToSay", "U")])
def test_gender_is_m_f_or_u(stored, sent):
    assert mapping.gender_code(stored) == sent


@pytest.mark.parametrize(
    ("stored", "sent"), [("Netherlands", "NL"), ("nl", "NL"), ("United Kingdom", "GB"), ("UK", "GB"), ("Nowhere", "")]
)
def test_countries_go_as_iso_alpha_2(stored, sent):
    assert country_alpha2(stored) == sent


# --- purchases ---------------------------------------------------------------------------------
def test_an_order_is_one_purchase_keyed_on_the_bookings_unique_id(contact):
    order = booking(contact, lines=(("Jump 60 min", "16.50", 2), ("Socks", "2.50", 1)))
    event = mapping.order_event(order, settings=SETTINGS, today=TODAY)
    product_ids = [f"{contact.connection_id}-10740", f"{contact.connection_id}-10741"]
    assert event["event"] == "Purchase"
    assert event["orderid"] == "2d7c0f6e-booking-unique-id"
    assert event["timestamp"] == "2026-07-01T14:05:00+02:00"  # the venue's time, with its offset
    assert (event["currency"], event["totalvalue"]) == ("EUR", 33.0)
    assert event["products"] == [
        {"id": product_ids[0], "name": "Jump 60 min", "price": 16.5, "quantity": 2, "language": "nl_NL"},
        {"id": product_ids[1], "name": "Socks", "price": 2.5, "quantity": 1, "language": "nl_NL"},
    ]
    assert (event["custom_visit_date"], event["custom_channel"], event["custom_status"], event["custom_venue"]) == (
        "2026-07-04", "online", "paid", "Jump Utrecht",
    )  # fmt: skip
    assert event["email"] == "mia.jansen@example.com" and event["country"] == "NL"


def test_the_purchases_product_ids_are_the_catalogues(contact):
    order = booking(contact)
    purchase = mapping.order_event(order, settings=SETTINGS, today=TODAY)
    catalogue = mapping.products_payloads([order.lines.get().product], settings=SETTINGS)
    assert purchase["products"][0]["id"] == catalogue[0]["id"]


def test_the_destination_currency_is_only_a_fallback(contact):
    assert mapping.order_event(booking(contact, currency="GBP"), settings=SETTINGS, today=TODAY)["currency"] == "GBP"
    contact.orders.all().delete()
    assert mapping.order_event(booking(contact, currency=""), settings=SETTINGS, today=TODAY)["currency"] == "EUR"


def test_an_order_without_an_email_is_filtered():
    contact = ContactFactory(email="", match_value="+31612345678")
    assert mapping.order_event(booking(contact), settings=SETTINGS, today=TODAY) == Filtered("Activate needs an email")


def test_an_order_without_lines_is_filtered(contact):
    assert mapping.order_event(booking(contact, lines=()), settings=SETTINGS, today=TODAY) == Filtered(mapping.NO_LINES)


def test_a_cancelled_order_is_the_cancellation_event_with_status_cancelled(contact):
    event = mapping.order_event(booking(contact, status="Cancelled"), settings=SETTINGS, today=TODAY)
    assert event == {
        "event": "BookingCancelled",
        "email": "mia.jansen@example.com",
        "orderid": "2d7c0f6e-booking-unique-id",
        "timestamp": "2026-07-02T10:00:00+02:00",
        "custom_visit_date": "2026-07-04",
        "custom_channel": "online",
        "custom_status": "cancelled",
        "custom_venue": "Jump Utrecht",
    }


# --- products ----------------------------------------------------------------------------------
def test_products_go_with_parents_before_variations():
    connection = ConnectionFactory()
    parent = ProductFactory(connection=connection, external_id="200", name="Party", price=None, category="Parties")
    variation = ProductFactory(
        connection=connection, external_id="201", name="Party XL", price=Decimal("99.00"), parent=parent
    )
    payloads = mapping.products_payloads([variation, parent], settings=SETTINGS)
    assert payloads == [
        {"id": f"{connection.pk}-200", "title": "Party", "availability": "in stock", "language": "nl_NL",
         "type_id": "sessionpass", "category_ids": ["Parties"]},
        {"id": f"{connection.pk}-201", "title": "Party XL", "availability": "in stock", "price": 99.0,
         "currency": "EUR", "language": "nl_NL", "parent_id": f"{connection.pk}-200", "type_id": "sessionpass"},
    ]  # fmt: skip


def test_an_inactive_product_is_not_upserted_but_removed():
    product = ProductFactory(external_id="300", active=False)
    assert mapping.products_payloads([product], settings=SETTINGS) == []
    assert mapping.product_removal(product, settings=SETTINGS) == {
        "id": f"{product.connection_id}-300",
        "language": "nl_NL",
    }


def test_the_custom_fields_to_create_first_are_named_exactly():
    assert mapping.custom_field_names() == [
        "custom_visit_date", "custom_channel", "custom_status", "custom_venue", "custom_sms_consent",
    ]  # fmt: skip
