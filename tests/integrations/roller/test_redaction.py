"""Stored bodies lose what must not be kept, and a replay reads them as before."""

import json
from zoneinfo import ZoneInfo

from integrations.roller.parsing.payloads import (
    parse_booking,
    parse_customer_detail,
    parse_envelope,
    parse_signed_waivers,
)
from integrations.roller.redaction import booking_body_redact, guest_body_redact, waiver_body_redact
from tests.support.webhooks import fixture_text

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def booking_of(raw: str):
    envelope = parse_envelope(raw, tz=AMSTERDAM)
    return parse_booking(envelope.data, tz=AMSTERDAM, modified_at=envelope.event_date)


def test_ticket_holder_names_are_removed_from_a_booking_body():
    redacted = booking_body_redact(fixture_text("booking_created"))

    assert "Noah" not in redacted and "Mia Jansen" not in redacted
    tickets = json.loads(redacted)["data"]["items"][0]["tickets"]
    assert [t["ticketId"] for t in tickets] == ["2880029-2746533", "2880029-2746534"]
    assert all("ticketHolderName" not in t and "name" not in t for t in tickets)


def test_a_redacted_booking_body_replays_to_the_same_booking():
    for name in ("booking_created", "booking_updated", "booking_cancelled", "rules/booking_created_wrapped"):
        assert booking_of(booking_body_redact(fixture_text(name))) == booking_of(fixture_text(name)), name


def test_a_wrapped_booking_with_a_single_ticket_object_is_redacted_too():
    redacted = booking_body_redact(fixture_text("rules/booking_created_wrapped"))
    assert "Noah" not in redacted and "Mia Jansen" not in redacted
    cancelled = booking_body_redact(fixture_text("booking_cancelled"))  # items and tickets as single objects
    assert "Mia Jansen" not in cancelled


def test_a_minor_guest_body_keeps_only_ids_and_consent():
    redacted = guest_body_redact(fixture_text("rules/customer_created_minor"))

    data = json.loads(redacted)["data"]
    assert data == {"customerId": 64310294, "acceptMarketing": False}
    for personal in ("Noah", "Jansen", "2016-02-11", "Oudegracht", "peanuts"):
        assert personal not in redacted
    assert parse_customer_detail(data).guest_id == "64310294"  # a replay still knows who


def test_a_waiver_body_loses_the_minors_personal_data_and_keeps_the_adult():
    redacted = waiver_body_redact(fixture_text("signed_waiver_created"))

    records = json.loads(redacted)["data"]
    assert (records[0]["firstName"], records[0]["email"]) == ("Eva", "eva@example.com")
    for personal in ("Noah", "Lotte", "2016-02-11", "2019-09-30"):
        assert personal not in redacted
    replayed = parse_signed_waivers(records, tz=AMSTERDAM)
    assert [(w.guest_id, w.is_for_minor) for w in replayed] == [
        ("64310293", False),
        ("64310294", True),
        ("64310295", True),
    ]


def test_a_waiver_record_is_redacted_when_its_guest_is_a_known_minor_whatever_its_flags():
    envelope = json.loads(fixture_text("signed_waiver_created"))
    envelope["data"] = [envelope["data"][0]]  # the "adult", known elsewhere to be a minor

    redacted = waiver_body_redact(json.dumps(envelope), minor_guest_ids={"64310293"})

    assert "Eva" not in redacted and "eva@example.com" not in redacted


def test_a_body_that_is_not_json_is_left_as_it_is():
    assert booking_body_redact("not json") == "not json"
    assert guest_body_redact('{"no": "data"}') == '{"no": "data"}'
