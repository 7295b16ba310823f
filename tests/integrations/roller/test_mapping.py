import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from integrations.models import Order
from integrations.roller.mapping import (
    channel_map,
    contact_data_from_guest,
    order_data_from_booking,
    product_data_from_line,
    product_data_from_record,
)
from integrations.roller.parsing.payloads import (
    parse_booking,
    parse_booking_item_rows,
    parse_customer_detail,
    parse_envelope,
    parse_guest,
    parse_products,
)
from tests.support.webhooks import fixture

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(
    ("source_channel", "channel"),
    [
        # REST `channel`
        ("POS", Order.Channel.ONSITE),
        ("SSK", Order.Channel.ONSITE),
        ("Online", Order.Channel.ONLINE),
        ("Forms", Order.Channel.ONLINE),
        ("Marketplaces", Order.Channel.ONLINE),
        ("VenueManager", Order.Channel.OTHER),
        ("Api", Order.Channel.OTHER),
        ("DataImport", Order.Channel.OTHER),
        # Reporting `bookingLocation`
        ("Doorlist", Order.Channel.ONSITE),
        ("SelfServe", Order.Channel.ONSITE),
        ("Consumer", Order.Channel.ONLINE),
        ("ChannelPartners", Order.Channel.ONLINE),
        ("RecurringPayment", Order.Channel.OTHER),
        # Case and stray space do not matter; what ROLLER adds later is "other".
        ("doorlist", Order.Channel.ONSITE),
        (" pos ", Order.Channel.ONSITE),
        ("CONSUMER", Order.Channel.ONLINE),
        ("SomethingNew", Order.Channel.OTHER),
        ("", Order.Channel.OTHER),
    ],
)
def test_one_channel_mapping_for_webhooks_and_imports(source_channel, channel):
    assert channel_map(source_channel) == channel


@pytest.mark.parametrize(("webhook", "channel"), [("booking_created", "online"), ("booking_updated", "onsite")])
def test_a_booking_maps_to_the_same_channel_from_a_webhook_and_from_reporting_rows(webhook, channel):
    from_webhook = parse_booking(fixture(webhook)["data"], tz=AMSTERDAM)  # REST channel: Online, POS
    rows = [r for r in fixture("reporting_bookingitems")["items"] if r["bookingUniqueId"] == from_webhook.unique_id]
    from_reporting = parse_booking_item_rows(rows, tz=AMSTERDAM)  # bookingLocation: Consumer, Doorlist

    orders = [order_data_from_booking(b, currency="EUR") for b in (from_webhook, from_reporting)]

    assert [o.channel for o in orders] == [channel, channel]
    assert [o.source_channel for o in orders] == [from_webhook.channel, from_reporting.channel]


def test_a_booking_maps_to_an_order_with_its_lines_and_roller_s_own_channel():
    envelope = parse_envelope(fixture("booking_created"), tz=AMSTERDAM)
    booking = parse_booking(envelope.data, tz=AMSTERDAM, modified_at=envelope.event_date)

    order = order_data_from_booking(booking, currency="EUR")

    assert (order.external_id, order.reference, order.holder_source_id) == (
        "69ea56d8-969f-41a3-bda5-cb09ad8a67b2",
        "5032443",
        "27718291",
    )
    assert (order.channel, order.source_channel, order.status, order.currency) == ("online", "Online", "Paid", "EUR")
    assert (order.total, order.discount, order.visit_date) == (Decimal("59.0"), Decimal("5.0"), dt.date(2026, 7, 4))
    assert order.source_version == envelope.event_date
    assert [(line.external_id, line.product_external_id, line.quantity, line.unit_price) for line in order.lines] == [
        ("2387746211", "123999221", 2, Decimal("24.5")),
        ("2387746212", "970411", 1, Decimal("10.0")),
    ]


def test_a_cancelled_event_makes_a_cancelled_order():
    booking = parse_booking(fixture("booking_created")["data"], tz=AMSTERDAM)
    assert order_data_from_booking(booking, currency="EUR", cancelled=True).status == "Cancelled"


def test_a_guest_maps_to_a_contact_with_email_and_phone_normalised():
    guest = parse_customer_detail(fixture("customer_created")["data"])

    contact = contact_data_from_guest(guest, country="NL", version=dt.datetime(2026, 6, 30, tzinfo=dt.UTC))

    assert (contact.source_id, contact.email, contact.phone) == ("27718291", "mia.jansen@example.com", "+31612345678")
    assert (contact.first_name, contact.date_of_birth, contact.city) == ("Mia", dt.date(1988, 4, 2), "Utrecht")
    assert (contact.email_consent, contact.sms_consent) == (True, None)  # SMS consent not in the payload
    assert contact.source_version == dt.datetime(2026, 6, 30, tzinfo=dt.UTC)


def test_a_guest_s_consent_for_email_and_sms_are_kept_apart():
    guest = parse_guest(fixture("rest_guest"), 27718291)
    contact = contact_data_from_guest(guest, country="NL")
    assert (contact.email_consent, contact.sms_consent) == (True, False)


def test_an_invalid_email_or_phone_is_no_email_or_phone():
    guest = parse_customer_detail({"customerId": 1, "email": "not an email", "phone": "call me"})
    contact = contact_data_from_guest(guest, country="NL")
    assert (contact.email, contact.phone) == ("", "")


def test_products_from_roller_s_list_and_from_an_order_line():
    variation = next(p for p in parse_products(fixture("rest_products")) if p.product_id == "107400")
    booking = parse_booking(fixture("booking_created")["data"], tz=AMSTERDAM)

    listed = product_data_from_record(variation, version=None, created_from_order=True)
    from_line = product_data_from_line(booking.items[1])

    assert (listed.name, listed.parent_external_id, listed.price, listed.created_from_order) == (
        "Adult 60 min",
        "107399",
        Decimal("16.5"),
        True,
    )
    assert (from_line.external_id, from_line.name, from_line.price, from_line.created_from_order) == (
        "970411",
        "ROLLER product 970411",
        Decimal("10.0"),
        True,
    )
    assert from_line.source_version is None  # it never overwrites a synced product
