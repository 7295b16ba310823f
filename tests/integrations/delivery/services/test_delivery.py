"""Delivery to the Activate stand-in over real HTTP: what each record sends, and what each
failure class leaves behind."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations.activate import destination as activate_destination
from integrations.delivery.models import DeliveryAttempt, Destination, OutboxItem
from integrations.delivery.services.delivery import MAX_ATTEMPTS, outbox_deliver
from integrations.minors import minor_remember
from integrations.models import Contact, Order, Product
from tests.integrations.delivery.conftest import NOW, booking, deliver, items, person, product, store

pytestmark = pytest.mark.django_db(transaction=False)
LATER = NOW + dt.timedelta(hours=1)


def profile_of(sandbox, email: str) -> dict:
    return next(p for p in sandbox.state()["profiles"] if p["email"] == email)


# --- what goes out ----------------------------------------------------------------------------
def test_a_profile_carries_the_contacts_fields_as_activates_profile_fields(destination, connection, activate_sandbox):
    store(connection, contacts=[person(phone="+31612345678", city="Utrecht", postcode="3511AA", gender="female")])
    deliver(destination, "profile")
    profile = profile_of(activate_sandbox, "g1@example.com")
    assert {key: profile.get(key) for key in EXPECTED_PROFILE} == EXPECTED_PROFILE
    assert [e["event"] for e in activate_sandbox.state()["events"]] == ["CRMUpdate"]
    (row,) = items(destination)
    assert (row.state, row.delivered_version) == ("delivered", 1)


EXPECTED_PROFILE = {
    "firstname": "Mia",
    "lastname": "Jansen",
    "phone": "+31612345678",
    "city": "Utrecht",
    "postcode": "3511AA",
    "country": "NL",
    "birthdate": "1988-04-02",
    "gender": "F",
}


def test_known_consent_goes_as_an_email_opt_in_and_unknown_consent_is_never_sent(
    destination, connection, activate_sandbox
):
    store(connection, contacts=[person("g1", email_consent=True), person("g2")])
    deliver(destination, "profile")
    events = activate_sandbox.state()["events"]
    assert [(e["event"], e["email"], e.get("newsletter")) for e in events if e["event"] == "EmailOptIn"] == [
        ("EmailOptIn", "g1@example.com", "yes")
    ]
    assert "newsletter" not in profile_of(activate_sandbox, "g2@example.com")


def test_a_purchase_is_the_order_with_its_offset_currency_total_products_and_booking_facts(
    destination, connection, activate_sandbox
):
    store(connection, contacts=[person()], orders=[booking(currency="GBP")])
    deliver(destination, "purchase")
    (purchase,) = activate_sandbox.state()["purchases"]
    product_id = Product.objects.get(external_id="P1").pk
    assert purchase["orderid"] == "b1"
    assert purchase["timestamp_sent"] == "2026-07-01T14:00:00+02:00"
    assert purchase["timestamp_read_as"] == "offset"
    assert (purchase["currency"], purchase["revenue"]) == ("GBP", 20.0)
    assert purchase["products"] == [
        {"id": f"{connection.pk}-P1", "name": "Jump 60", "price": 10.0, "quantity": 2, "language": "nl_NL"}
    ]
    assert purchase["custom"] == {
        "custom_visit_date": "2026-07-04",
        "custom_channel": "online",
        "custom_status": "paid",
        "custom_venue": "Jump Utrecht",
    }
    assert product_id


def test_an_order_without_a_currency_takes_the_destinations(destination, connection, activate_sandbox):
    store(connection, contacts=[person()], orders=[booking(currency="")])
    deliver(destination, "purchase")
    assert activate_sandbox.state()["purchases"][0]["currency"] == "EUR"


def test_a_cancelled_booking_sends_booking_cancelled_with_custom_status_cancelled(
    destination, connection, activate_sandbox
):
    store(connection, contacts=[person()], orders=[booking()])
    deliver(destination, "purchase")
    store(connection, orders=[booking(status="Cancelled", source_version=LATER)])
    deliver(destination, "purchase")
    state = activate_sandbox.state()
    cancelled = [e for e in state["events"] if e["event"] == "BookingCancelled"]
    assert [(e["orderid"], e["custom_status"]) for e in cancelled] == [("b1", "cancelled")]
    assert state["revenue"] == 20.0  # the purchase is not counted again


def test_products_go_to_the_catalogue_and_an_inactive_one_is_removed(destination, connection, activate_sandbox):
    store(connection, products=[product("P2", name="Slide", source_version=NOW)])
    deliver(destination, "product")
    assert [p["id"] for p in activate_sandbox.state()["products"]] == [f"{connection.pk}-P2"]
    store(connection, products=[product("P2", name="Slide", active=False, source_version=LATER)])
    deliver(destination, "product")
    assert activate_sandbox.state()["products"] == []
    assert [row.state for row in items(destination, "product")] == ["delivered"]


# --- who never goes ----------------------------------------------------------------------------
def test_a_minor_is_never_sent_even_when_queued_before_their_age_was_known(destination, connection, activate_sandbox):
    store(connection, contacts=[person("g1"), person("g2")])
    Contact.objects.filter(email="g1@example.com").update(date_of_birth=timezone.localdate() - dt.timedelta(days=3650))
    minor_remember(connection=connection, source_ids=["g2"])
    deliver(destination)
    assert activate_sandbox.state()["profiles"] == []
    assert {row.state for row in items(destination)} == {"filtered"}
    assert {row.reason for row in items(destination)} == {"Younger than the connection's minimum age: never sent"}


def test_a_contact_without_an_email_is_filtered_with_the_reason(destination, connection, activate_sandbox):
    connection.matching_key = "phone"
    connection.save()
    store(connection, contacts=[person(email="", phone="+31612345678")])
    deliver(destination)
    (row,) = items(destination)
    assert (row.state, row.reason) == ("filtered", "Activate needs an email")


# --- failure classes ---------------------------------------------------------------------------
def test_a_refused_key_pauses_the_destination_drops_nothing_and_heals_on_a_recheck(
    destination, connection, activate_sandbox
):
    from integrations.delivery.services.destinations import destinations_credentials_recheck

    store(connection, contacts=[person()])
    activate_sandbox.fault("revoked", on=True)
    deliver(destination)
    destination.refresh_from_db()
    assert destination.status == Destination.Status.NEEDS_ATTENTION
    assert "refused" in destination.status_reason
    (row,) = items(destination)
    assert (row.state, row.attempts) == ("queued", 0)
    assert destinations_credentials_recheck() == 0  # checked a moment ago: not before 5 minutes
    Destination.objects.filter(pk=destination.pk).update(credentials_checked_at=NOW)
    assert destinations_credentials_recheck() == 0  # still refused
    activate_sandbox.fault("revoked", on=False)
    Destination.objects.filter(pk=destination.pk).update(credentials_checked_at=NOW)
    assert destinations_credentials_recheck() == 1
    deliver(destination)
    assert [row.state for row in items(destination)] == ["delivered"]


def test_a_wrong_key_is_401_and_pauses_too(destination, connection, activate_sandbox):
    destination.activate.api_key = "wrong"
    destination.activate.save()
    store(connection, contacts=[person()])
    deliver(destination)
    destination.refresh_from_db()
    assert destination.status == Destination.Status.NEEDS_ATTENTION
    assert items(destination)[0].state == "queued"


def test_a_400_on_a_batch_is_retried_in_halves_so_only_the_bad_record_fails_with_errors0(
    destination, connection, activate_sandbox
):
    # The account lacks custom_sms_consent: only the guest whose SMS consent is known is refused.
    activate_sandbox.configure(custom_fields=["custom_visit_date", "custom_channel", "custom_status", "custom_venue"])
    store(connection, contacts=[person(f"g{n}", sms_consent=(n == 3) or None) for n in range(1, 7)])
    deliver(destination, "profile")
    states = {row.record_key: (row.state, row.reason) for row in items(destination)}
    bad = states.pop("g3@example.com")
    assert bad[0] == "failed"
    assert "custom field custom_sms_consent does not exist" in bad[1]
    assert set(states.values()) == {("delivered", "")}
    assert len(activate_sandbox.state()["profiles"]) == 5


@pytest.mark.parametrize("fault", [{"kind": "429", "retry_after": 30}, {"kind": "500"}])
def test_429_and_500_retry_later_with_a_back_off(destination, connection, activate_sandbox, fault):
    store(connection, contacts=[person()])
    activate_sandbox.fault(**fault)
    started = timezone.now()
    deliver(destination)
    (row,) = items(destination)
    assert (row.state, row.attempts, row.last_status) == ("queued", 1, int(fault["kind"]))
    assert row.next_attempt_at > started + dt.timedelta(seconds=5)
    if "retry_after" in fault:
        assert row.next_attempt_at >= started + dt.timedelta(seconds=29)
    assert deliver(destination) == 0  # not before its time
    OutboxItem.objects.update(next_attempt_at=None)
    deliver(destination)
    assert items(destination)[0].state == "delivered"


def test_a_time_out_is_retried(destination, connection, activate_sandbox, monkeypatch):
    monkeypatch.setattr(activate_destination, "TIMEOUT", (2.0, 0.5))
    store(connection, contacts=[person()])
    activate_sandbox.fault("slow", seconds=1.5)
    deliver(destination)
    (row,) = items(destination)
    assert (row.state, row.attempts, row.last_status) == ("queued", 1, None)
    assert "did not answer" in row.reason


def test_after_the_last_attempt_a_record_is_dead_and_replay_sends_it(destination, connection, activate_sandbox):
    from integrations.delivery.services.replay import outbox_replay

    store(connection, contacts=[person()], orders=[booking()])
    OutboxItem.objects.update(attempts=MAX_ATTEMPTS - 1)
    activate_sandbox.fault("500", count=2)
    deliver(destination)
    assert {row.state for row in items(destination)} == {"dead"}
    assert outbox_replay(destination, kind="purchase") == 1
    deliver(destination)
    assert [(row.kind, row.state) for row in items(destination)] == [("profile", "dead"), ("purchase", "delivered")]
    assert outbox_replay(destination) == 1
    deliver(destination)
    assert {row.state for row in items(destination)} == {"delivered"}


def test_a_paused_destination_sends_nothing(destination, connection, activate_sandbox):
    from integrations.delivery.services.destinations import destination_pause, destination_resume

    destination_pause(destination, by="mia@example.com")
    store(connection, contacts=[person()])
    assert outbox_deliver(destination_id=destination.pk, kind="profile") == 0
    destination_resume(destination)
    deliver(destination)
    assert items(destination)[0].state == "delivered"


# --- the delivery log ---------------------------------------------------------------------------
def test_the_log_keeps_each_records_request_and_answer_and_never_the_auth_headers(
    destination, connection, activate_sandbox
):
    store(connection, contacts=[person()], orders=[booking()])
    deliver(destination)
    attempts = list(DeliveryAttempt.objects.order_by("pk"))
    assert [(a.kind, a.method, a.path, a.response_status) for a in attempts] == [
        ("profile", "POST", "/v1/track", 200),
        ("purchase", "POST", "/v1/track", 200),
    ]
    assert attempts[1].request_body[0]["orderid"] == "b1"
    logged = str([(a.request_body, a.response_body) for a in attempts])
    assert activate_sandbox.api_key not in logged and "X-AUTH" not in logged


# --- revenue counted once -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sandbox_mode", "repeated_orders"), [("merge", "replace"), ("append", "add")], ids=["merge", "append"]
)
def test_a_changed_booking_counts_its_revenue_once(
    destination, connection, activate_sandbox, sandbox_mode, repeated_orders
):
    activate_sandbox.configure(repeated_orderid=sandbox_mode)
    Destination.objects.filter(pk=destination.pk).update(repeated_orders=repeated_orders)
    store(connection, contacts=[person()], orders=[booking()])
    deliver(destination, "purchase")
    three = (booking().lines[0].__class__("l1", "P1", 3, Decimal("10.00")),)
    store(connection, orders=[booking(total=Decimal("30.00"), lines=three, source_version=LATER)])
    deliver(destination, "purchase")
    store(
        connection,
        orders=[
            booking(
                total=Decimal("30.00"), lines=three, status="Checked in", source_version=LATER + dt.timedelta(hours=1)
            )
        ],
    )
    deliver(destination, "purchase")
    state = activate_sandbox.state()
    assert state["revenue"] == 30.0
    quantities = sum(p["quantity"] for purchase in state["purchases"] for p in purchase["products"])
    assert quantities == 3
    assert Order.objects.get().total == Decimal("30.00")


def test_sent_whole_to_an_activate_that_appends_a_changed_booking_would_count_twice(
    destination, connection, activate_sandbox
):
    """Why the destination says what Activate does with a repeated orderid."""
    activate_sandbox.configure(repeated_orderid="append")
    store(connection, contacts=[person()], orders=[booking()])
    deliver(destination, "purchase")
    store(connection, orders=[booking(total=Decimal("30.00"), source_version=LATER)])
    deliver(destination, "purchase")
    assert activate_sandbox.state()["revenue"] == 50.0


def test_a_version_queued_while_its_predecessor_was_in_flight_goes_next(destination, connection, activate_sandbox):
    from integrations.delivery.registry import destination_spec
    from integrations.delivery.services.delivery import claimed_deliver, outbox_claim

    store(connection, contacts=[person(first_name="Mia")])
    claimed = outbox_claim(destination=destination, kind="profile", limit=10)
    store(connection, contacts=[person(first_name="Mira", source_version=LATER)])  # while in flight
    spec = destination_spec("activate")
    client = spec.client(destination)
    claimed_deliver(destination=destination, spec=spec, client=client, kind="profile", claimed=claimed)
    (row,) = items(destination)
    assert (row.state, row.version, row.delivered_version) == ("queued", 2, 1)
    deliver(destination)
    assert profile_of(activate_sandbox, "g1@example.com")["firstname"] == "Mira"
    assert items(destination)[0].state == "delivered"
