"""ROLLER payloads → records. Webhook fixtures are parsed in both enum encodings (names and ids)
and both `data` shapes (the payload itself, or wrapped as `data.booking` / `data.customer`)."""

import copy
import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from integrations.roller.parsing.payloads import (
    EVENT_TYPES,
    OBJECT_TYPES,
    group_booking_item_rows,
    parse_booking,
    parse_booking_item_rows,
    parse_customer_detail,
    parse_envelope,
    parse_guest,
    parse_products,
    parse_reporting_guest,
    parse_reporting_product,
    parse_signed_waivers,
    parse_venue,
)
from integrations.roller.parsing.records import PayloadError
from tests.support.webhooks import fixture

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC
WRAPPER_KEYS = {"Booking": "booking", "Customer": "customer", "SignedWaiver": "signedWaivers"}


def as_delivered(envelope: dict, *, enums: str, shape: str) -> bytes:
    """The fixture as ROLLER may deliver it: enums as names or ids, payload bare or wrapped."""
    envelope = copy.deepcopy(envelope)
    if shape == "wrapped":
        envelope["data"] = {WRAPPER_KEYS[envelope["type"]]: envelope["data"]}
    if enums == "int":
        envelope["type"] = {name: id_ for id_, name in OBJECT_TYPES.items()}[envelope["type"]]
        envelope["eventType"] = {name: id_ for id_, name in EVENT_TYPES.items()}[envelope["eventType"]]
    return json.dumps(envelope).encode()


@pytest.fixture(params=[("string", "bare"), ("string", "wrapped"), ("int", "bare"), ("int", "wrapped")], ids="-".join)
def delivered(request):
    """The fixture parsed as delivered in each encoding and shape (a parse only, nothing stored)."""
    enums, shape = request.param
    return lambda name: parse_envelope(as_delivered(fixture(name), enums=enums, shape=shape))


# --- envelope ------------------------------------------------------------------------------


def test_envelope_reads_the_message_whatever_the_encoding(delivered):
    envelope = delivered("booking_created")

    assert envelope.message_id == "67d2ada6-10cc-4177-909d-430f3b2593d4"
    assert envelope.object_type == "Booking"
    assert envelope.event_type == "Created"
    assert envelope.event_date == dt.datetime(2026, 6, 30, 8, 12, 45, 113244, tzinfo=UTC)
    assert envelope.send_date == dt.datetime(2026, 6, 30, 8, 12, 48, 159773, tzinfo=UTC)
    assert envelope.data["uniqueId"] == "69ea56d8-969f-41a3-bda5-cb09ad8a67b2"


def test_enum_ids_match_rollers_webhook_message_definition():
    assert OBJECT_TYPES == {
        1: "Booking",
        3: "Redemption",
        4: "Customer",
        5: "BulkExport",
        7: "SignedWaiver",
        8: "PaymentLink",
    }
    assert EVENT_TYPES == {1: "Created", 2: "Updated", 3: "Cancelled", 4: "Deleted"}


def test_envelope_accepts_ids_as_digit_strings_and_names_in_any_case():
    body = fixture("booking_cancelled") | {"type": "1", "eventType": "cancelled"}

    envelope = parse_envelope(body)

    assert (envelope.object_type, envelope.event_type) == ("Booking", "Cancelled")


def test_an_unknown_type_is_kept_as_sent_for_the_caller_to_skip():
    envelope = parse_envelope(fixture("booking_created") | {"type": 9, "eventType": "Archived"})

    assert (envelope.object_type, envelope.event_type) == ("9", "Archived")


def test_a_body_with_a_byte_order_mark_is_read():
    body = b"\xef\xbb\xbf" + json.dumps(fixture("customer_created")).encode()

    assert parse_envelope(body).object_type == "Customer"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>oops</html>", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b"\xff\xfe", "not JSON"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(body, message):
    with pytest.raises(PayloadError, match=message):
        parse_envelope(body)


@pytest.mark.parametrize("field", ["id", "type", "eventType", "data"])
def test_an_envelope_without_a_required_field_names_it(field):
    body = fixture("booking_created")
    del body[field]

    with pytest.raises(PayloadError, match=f"'{field}'"):
        parse_envelope(body)


# --- bookings ------------------------------------------------------------------------------


def test_booking_created(delivered):
    envelope = delivered("booking_created")

    booking = parse_booking(envelope.data, tz=AMSTERDAM, modified_at=envelope.event_date)

    assert booking.unique_id == "69ea56d8-969f-41a3-bda5-cb09ad8a67b2"
    assert booking.reference == "5032443"
    assert booking.customer_id == "27718291"
    assert (booking.channel, booking.channel_source) == ("Online", "rest")
    assert booking.status == "Paid"
    assert booking.created_at == dt.datetime(2026, 6, 30, 8, 12, 40, 408588, tzinfo=UTC)
    assert booking.modified_at == envelope.event_date
    assert (booking.total, booking.discount, booking.fees) == (Decimal("59.0"), Decimal("5.0"), Decimal("1.5"))
    first, second = booking.items
    assert (first.item_id, first.product_id, first.quantity) == ("2387746211", "123999221", 2)
    assert (first.unit_price, first.discount) == (Decimal("24.5"), Decimal("5.0"))
    assert first.booking_date == dt.date(2026, 7, 4)
    assert [(t.ticket_id, t.customer_id, t.signed_waiver_id) for t in first.tickets] == [
        ("2880029-2746533", "27718291", "849995753"),
        ("2880029-2746534", "27718292", "849995754"),
    ]
    assert (second.product_id, second.unit_price, second.discount, second.tickets) == (
        "970411",
        Decimal("10.0"),
        Decimal("0"),
        (),
    )


def test_ticket_holder_names_are_never_kept(delivered):
    booking = parse_booking(delivered("booking_created").data, tz=AMSTERDAM)

    assert "Noah" not in repr(booking)
    assert "Mia" not in repr(booking)


def test_booking_updated_at_the_point_of_sale_without_a_holder(delivered):
    booking = parse_booking(delivered("booking_updated").data, tz=AMSTERDAM)

    assert booking.customer_id is None
    assert booking.channel == "POS"
    assert [(t.ticket_id, t.customer_id, t.signed_waiver_id) for t in booking.items[0].tickets] == [
        ("2880101-2746601", "64310293", "18829121"),
        ("2880101-2746602", None, None),
    ]


def test_booking_cancelled_with_the_deprecated_source_and_items_as_one_object(delivered):
    envelope = delivered("booking_cancelled")

    booking = parse_booking(envelope.data, tz=AMSTERDAM)

    assert envelope.event_type == "Cancelled"
    assert booking.status == "Cancelled"
    assert booking.channel == "Online"  # from `source`: `channel` is absent
    assert [item.item_id for item in booking.items] == ["2387746211"]
    assert [t.ticket_id for t in booking.items[0].tickets] == ["2880029-2746533"]


def test_a_holder_id_of_zero_means_no_holder():
    payload = fixture("booking_created")["data"] | {"customerId": 0}

    assert parse_booking(payload, tz=AMSTERDAM).customer_id is None


def test_money_is_decimal_without_float_error():
    payload = fixture("booking_created")["data"] | {"total": 19.99, "fees": "0.10", "discount": None}

    booking = parse_booking(payload, tz=AMSTERDAM)

    assert (booking.total, booking.fees, booking.discount) == (Decimal("19.99"), Decimal("0.10"), Decimal("0"))


def test_a_booking_without_its_unique_id_is_refused_naming_the_field():
    payload = fixture("booking_created")["data"]
    del payload["uniqueId"]

    with pytest.raises(PayloadError, match="'uniqueId'"):
        parse_booking(payload, tz=AMSTERDAM)


def test_an_item_without_a_product_names_the_item():
    payload = fixture("booking_created")["data"]
    del payload["items"][1]["productId"]

    with pytest.raises(PayloadError, match=r"'items\[1\]\.productId'"):
        parse_booking(payload, tz=AMSTERDAM)


@pytest.mark.parametrize(("field", "value"), [("total", "lots"), ("total", True), ("createdDate", "yesterday")])
def test_a_value_of_the_wrong_type_names_the_field(field, value):
    payload = fixture("booking_created")["data"] | {field: value}

    with pytest.raises(PayloadError, match=f"'{field}'"):
        parse_booking(payload, tz=AMSTERDAM)


def test_a_date_without_offset_is_venue_local():
    payload = fixture("booking_created")["data"] | {"createdDate": "2026-06-30T10:12:40"}

    created_at = parse_booking(payload, tz=AMSTERDAM).created_at

    assert created_at.tzinfo == AMSTERDAM
    assert created_at.astimezone(UTC) == dt.datetime(2026, 6, 30, 8, 12, 40, tzinfo=UTC)


def test_a_date_without_offset_and_no_time_zone_is_refused():
    body = fixture("booking_created") | {"eventDate": "2026-06-30T10:12:45"}

    with pytest.raises(PayloadError, match="'eventDate' has no UTC offset"):
        parse_envelope(body)
    assert parse_envelope(body, tz=AMSTERDAM).event_date.tzinfo == AMSTERDAM


# --- reporting booking items -----------------------------------------------------------------


def test_booking_item_rows_are_grouped_into_bookings():
    rows = fixture("reporting_bookingitems")["items"]

    groups = group_booking_item_rows(rows)

    assert {key: len(value) for key, value in groups.items()} == {
        "69ea56d8-969f-41a3-bda5-cb09ad8a67b2": 2,
        "1f0c2d7a-5b8e-4e0a-9f0e-3c2b1a6d7e55": 1,
    }


def test_booking_item_rows_of_one_booking_make_one_booking():
    rows = group_booking_item_rows(fixture("reporting_bookingitems")["items"])["69ea56d8-969f-41a3-bda5-cb09ad8a67b2"]

    booking = parse_booking_item_rows(rows, tz=AMSTERDAM)

    assert (booking.unique_id, booking.reference, booking.customer_id) == (
        "69ea56d8-969f-41a3-bda5-cb09ad8a67b2",
        "5032443",
        "27718291",
    )
    assert (booking.channel, booking.channel_source, booking.status) == ("Consumer", "reporting", "Paid")
    # Booking-level amounts repeat on every row and are taken once; discounts are summed (null = 0).
    assert (booking.total, booking.fees, booking.discount) == (Decimal("59.0"), Decimal("1.5"), Decimal("5.0"))
    assert booking.created_at == dt.datetime(2026, 6, 30, 8, 12, 40, tzinfo=UTC)
    assert booking.modified_at == dt.datetime(2026, 6, 30, 8, 12, 47, tzinfo=UTC)
    assert [(i.item_id, i.product_id, i.quantity, i.unit_price) for i in booking.items] == [
        ("2387746211", "123999221", 2, Decimal("24.5")),
        ("2387746212", "970411", 1, Decimal("10.0")),
    ]
    assert all(item.tickets == () for item in booking.items)


def test_rest_and_reporting_give_the_same_ids_as_strings():
    rest = parse_booking(fixture("booking_created")["data"], tz=AMSTERDAM)
    rows = group_booking_item_rows(fixture("reporting_bookingitems")["items"])[rest.unique_id]

    reporting = parse_booking_item_rows(rows, tz=AMSTERDAM)

    assert reporting.customer_id == rest.customer_id
    assert [(i.item_id, i.product_id) for i in reporting.items] == [(i.item_id, i.product_id) for i in rest.items]


def test_a_point_of_sale_booking_in_the_reporting_rows_has_no_holder():
    rows = group_booking_item_rows(fixture("reporting_bookingitems")["items"])["1f0c2d7a-5b8e-4e0a-9f0e-3c2b1a6d7e55"]

    booking = parse_booking_item_rows(rows, tz=AMSTERDAM)

    assert (booking.customer_id, booking.channel) == (None, "Doorlist")


def test_a_row_seen_twice_counts_once():
    row = fixture("reporting_bookingitems")["items"][0]

    booking = parse_booking_item_rows([row, row], tz=AMSTERDAM)

    assert len(booking.items) == 1
    assert booking.discount == Decimal("5.0")


def test_rows_of_two_bookings_or_none_are_refused():
    rows = fixture("reporting_bookingitems")["items"]

    with pytest.raises(PayloadError, match="'bookingUniqueId' differs"):
        parse_booking_item_rows(rows, tz=AMSTERDAM)
    with pytest.raises(PayloadError, match="No booking item rows"):
        parse_booking_item_rows([], tz=AMSTERDAM)


# --- guests --------------------------------------------------------------------------------


def test_customer_created(delivered):
    envelope = delivered("customer_created")

    guest = parse_customer_detail(envelope.data, modified_at=envelope.event_date)

    assert guest.guest_id == "27718291"
    assert (guest.first_name, guest.last_name) == ("Mia", "Jansen")
    assert guest.email == "Mia.Jansen@Example.com"  # trimmed; case is the matching rules' business
    assert guest.phone == "0612345678"
    assert guest.date_of_birth == dt.date(1988, 4, 2)
    assert (guest.street, guest.city, guest.postcode, guest.state, guest.country) == (
        "Oudegracht 1",
        "Utrecht",
        "3511AA",
        "UT",
        "Netherlands",
    )
    assert guest.accept_marketing_email is True
    # CustomerDetail.yaml has no acceptMarketingSms: unknown, not "opted out".
    assert guest.accept_marketing_sms is None
    assert guest.modified_at == envelope.event_date


def test_customer_updated(delivered):
    guest = parse_customer_detail(delivered("customer_updated").data)

    assert (guest.last_name, guest.phone, guest.street, guest.country) == ("de Vries", "", "", "")
    assert (guest.accept_marketing_email, guest.accept_marketing_sms) == (False, True)


def test_rest_guest_takes_its_id_from_the_path():
    guest = parse_guest(fixture("rest_guest"), 27718291)

    assert guest.guest_id == "27718291"
    assert (guest.email, guest.city) == ("mia@example.com", "Utrecht")
    assert (guest.accept_marketing_email, guest.accept_marketing_sms) == (True, False)
    assert guest.modified_at is None


def test_reporting_guests():
    first, second = (parse_reporting_guest(row, tz=AMSTERDAM) for row in fixture("reporting_customers")["items"])

    assert (first.guest_id, first.phone, first.city) == ("27718291", "0612345678", "Utrecht")
    assert (first.accept_marketing_email, first.accept_marketing_sms) == (True, False)
    assert first.modified_at == dt.datetime(2026, 7, 3, 12, 0, 1, tzinfo=UTC)
    assert (second.email, second.date_of_birth, second.accept_marketing_sms) == ("", dt.date(2016, 2, 11), None)


def test_a_guest_without_an_id_is_refused():
    with pytest.raises(PayloadError, match="'customerId'"):
        parse_customer_detail(fixture("customer_created")["data"] | {"customerId": None})


# --- signed waivers ------------------------------------------------------------------------


def test_signed_waiver_created_lists_the_adult_and_the_minors(delivered):
    envelope = delivered("signed_waiver_created")

    adult, *minors = parse_signed_waivers(envelope.data, tz=AMSTERDAM)

    assert (adult.signed_waiver_id, adult.guest_id, adult.is_for_minor) == ("18829121", "64310293", False)
    assert adult.date_of_birth == dt.date(1986, 7, 14)
    assert adult.modified_at == dt.datetime(2026, 6, 30, 7, 0, 0, 120000, tzinfo=UTC)
    assert [(m.guest_id, m.parent_signed_waiver_id, m.is_for_minor) for m in minors] == [
        ("64310294", "18829121", True),
        ("64310295", "18829121", True),
    ]
    assert "Noah" not in repr(minors)


def test_a_waiver_under_a_parent_is_a_minor_even_without_the_flag():
    payload = fixture("signed_waiver_created")["data"][1]
    del payload["isForMinor"]

    (waiver,) = parse_signed_waivers(payload, tz=AMSTERDAM)

    assert waiver.is_for_minor is True


def test_rest_signed_waiver_is_one_object():
    (waiver,) = parse_signed_waivers(fixture("rest_signed_waiver"), tz=AMSTERDAM)

    assert (waiver.signed_waiver_id, waiver.guest_id, waiver.waiver_id) == ("18829121", "64310293", "13")


def test_reporting_signed_waivers_name_the_guest_customer_id():
    adult, minor = parse_signed_waivers(fixture("reporting_signedwaivers")["items"], tz=AMSTERDAM)

    assert (adult.guest_id, minor.guest_id, minor.parent_signed_waiver_id) == ("64310293", "64310294", "18829121")
    assert minor.modified_at == dt.datetime(2026, 6, 30, 7, 5, tzinfo=UTC)  # modifiedDate wins over createdDate


# --- products and venue --------------------------------------------------------------------


def test_rest_products_list_parents_then_their_variations():
    products = parse_products(fixture("rest_products"))

    assert [(p.product_id, p.parent_id, p.name, p.product_type, p.price, p.active) for p in products] == [
        ("107399", None, "Jump Session", "sessionpass", None, True),
        ("107400", "107399", "Adult 60 min", "sessionpass", Decimal("16.5"), True),
        ("107401", "107399", "Toddler 60 min", "sessionpass", Decimal("9.95"), False),  # deprecated `cost`
        ("970410", None, "Grip socks", "addon", None, True),
        ("970411", "970410", "Grip socks", "addon", Decimal("3"), True),
    ]


def test_reporting_products():
    products = [parse_reporting_product(row) for row in fixture("reporting_products")["items"]]

    assert [(p.product_id, p.parent_id, p.price, p.category, p.active) for p in products] == [
        ("107399", None, None, "Entry Tickets", True),
        ("107400", "107399", Decimal("16.5"), "Entry Tickets", True),
        ("107401", "107399", Decimal("9.95"), "Entry Tickets", False),
        ("970411", None, Decimal("3"), "Merchandise", True),
    ]


def test_venue():
    venue = parse_venue(fixture("rest_venue"))

    assert (venue.venue_id, venue.time_zone, venue.currency, venue.country_code) == (
        "20981",
        "Europe/Amsterdam",
        "EUR",
        "NL",
    )


def test_a_venue_time_zone_that_is_not_iana_is_dropped():
    # ROLLER's own spec example puts a Windows display name in ianaTimeZone.
    venue = parse_venue(fixture("rest_venue") | {"ianaTimeZone": "(UTC+10:00) Brisbane"})

    assert venue.time_zone == ""
