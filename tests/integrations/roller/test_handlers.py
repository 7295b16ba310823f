"""ROLLER webhook events into the store: what the handlers do themselves.

Parsing a delivery, fetching what it lacks from ROLLER (the booking's holder, missing
products) and caching it, versions from the event's date, redacting the stored body, ROLLER
being down, replays. The rules every source shares are checked once, on plain records, in
tests/integrations/services/test_ingest.py.

Each test delivers a fixture payload (named after its event) through the shared helper
(tests.support.webhooks) and looks at the store. Guests and products are fetched over real
HTTP from the ROLLER sandbox.
"""

import datetime as dt
import json

import pytest
from django.core import serializers
from django.core.cache import cache
from django.utils import timezone

from integrations.errors import RecordError, TransientError
from integrations.minors import minor_is_known
from integrations.models import (
    Contact,
    ContactSourceLink,
    KnownMinor,
    Order,
    OrderLine,
    Product,
    RecordOutcome,
    WebhookEvent,
)
from integrations.outcomes import Entity, Outcome, Reason
from integrations.registry import handler_for
from integrations.roller import handlers
from tests.factories import ProductFactory, RollerSettingsFactory
from tests.support.webhooks import DROP, deliver, envelope, replay

pytestmark = pytest.mark.django_db

T1, T2, T3 = "2026-06-30T08:12:45.1132441Z", "2026-06-30T09:00:00Z", "2026-06-30T10:00:00Z"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def connection(roller_sandbox):
    settings = RollerSettingsFactory(
        custom_base_url=roller_sandbox.url,
        client_id=roller_sandbox.client_id,
        client_secret=roller_sandbox.client_secret,
    )
    return settings.connection


def soon(seconds: int) -> str:
    """An eventDate a few seconds from now (for tests where the real clock matters)."""
    return (timezone.now() + dt.timedelta(seconds=seconds)).isoformat()


def item(item_id: int, product_id: int, quantity: int = 1, cost: float = 16.5) -> dict:
    return {"bookingItemId": item_id, "productId": product_id, "quantity": quantity, "cost": cost,
            "bookingDate": "2026-07-04", "discount": 0, "tickets": []}  # fmt: skip


def outcomes(event: WebhookEvent, entity: str = Entity.ORDER) -> list[tuple[str, str]]:
    return list(RecordOutcome.objects.filter(webhook_event=event, entity=entity).values_list("outcome", "reason"))


def adult(sandbox, **fields) -> int:
    """A guest in the sandbox (made by an online checkout), by id."""
    return sandbox.online_booking(newGuest=True, **fields)["customerId"]


@pytest.fixture
def known_products(connection):
    return [ProductFactory(connection=connection, external_id=str(i)) for i in (123999221, 970411, 107400)]


def dump() -> str:
    """Every row a database dump would show of the synced store, outcomes and events."""
    models = (Contact, ContactSourceLink, Order, OrderLine, Product, RecordOutcome, WebhookEvent, KnownMinor)
    return "".join(serializers.serialize("json", model.objects.all()) for model in models)


# --- registration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("object_type", "event_type", "handler"),
    [
        ("Customer", "Created", handlers.customer_created),
        ("Customer", "Updated", handlers.customer_updated),
        ("Booking", "Created", handlers.booking_created),
        ("Booking", "Updated", handlers.booking_updated),
        ("Booking", "Cancelled", handlers.booking_cancelled),
        ("SignedWaiver", "Created", handlers.signed_waiver_created),
    ],
)
def test_the_roller_connector_registers_a_handler_per_event(object_type, event_type, handler):
    assert handler_for("roller", object_type, event_type) is handler


# --- customers ----------------------------------------------------------------------------


def test_a_new_guest_becomes_a_contact_with_normalised_email_and_phone(connection):
    event = deliver("customer_created", connection=connection)

    contact = Contact.objects.get(connection=connection)
    assert (contact.match_value, contact.email, contact.phone) == (
        "mia.jansen@example.com",
        "mia.jansen@example.com",
        "+31612345678",
    )
    assert (contact.first_name, contact.city, contact.email_consent) == ("Mia", "Utrecht", True)
    assert ContactSourceLink.objects.get(connection=connection).source_id == "27718291"
    assert outcomes(event, Entity.CONTACT) == [(Outcome.CREATED, "")]
    assert event.body_redacted


def test_a_guest_without_sms_consent_in_the_payload_leaves_sms_consent_as_it_was(connection):
    deliver("customer_created", connection=connection, event_date=T1, acceptMarketingSms=True)

    deliver("customer_created", connection=connection, event_date=T2, lastName="de Vries")  # no acceptMarketingSms

    contact = Contact.objects.get(connection=connection)
    assert (contact.last_name, contact.sms_consent) == ("de Vries", True)


def test_an_older_guest_version_never_overwrites_a_newer_consent(connection):
    deliver("customer_created", connection=connection, event_date=T2, acceptMarketing=False)

    event = deliver("customer_created", connection=connection, event_date=T1, acceptMarketing=True)

    assert Contact.objects.get(connection=connection).email_consent is False
    assert outcomes(event, Entity.CONTACT) == [(Outcome.UNCHANGED, "")]


def test_a_guest_update_is_confirmed_with_roller_and_takes_its_current_details(connection, roller_sandbox):
    guest_id = adult(roller_sandbox, email="eva.bakker@example.com", firstName="Eva", acceptMarketing=True)
    roller_sandbox.guest_update(guestId=guest_id, acceptMarketing=False, acceptMarketingSms=True)

    # The payload is stale; ROLLER's answer to GET /guests/{id} is what counts.
    deliver("customer_updated", connection=connection, customerId=guest_id, acceptMarketing=True)

    contact = Contact.objects.get(connection=connection)
    assert (contact.match_value, contact.first_name) == ("eva.bakker@example.com", "Eva")
    assert (contact.email_consent, contact.sms_consent) == (False, True)


def test_a_guest_s_cached_details_never_undo_a_newer_opt_out(connection, roller_sandbox, known_products):
    guest_id = adult(roller_sandbox, acceptMarketing=True)
    deliver("booking_created", connection=connection, event_date=soon(0), customerId=guest_id)  # caches the guest
    key = f"roller:guest:{connection.public_id}:{guest_id}"
    cached_by_another_worker = cache.get(key)
    roller_sandbox.guest_update(guestId=guest_id, acceptMarketing=False)
    deliver("customer_updated", connection=connection, event_date=soon(1), customerId=guest_id)
    cache.set(key, cached_by_another_worker)  # that worker's cache still has the old answer

    # Within the cache's minute another booking comes: the cached answer predates the opt-out.
    deliver("booking_created", connection=connection, event_date=soon(2), customerId=guest_id, uniqueId="b-2")

    assert Contact.objects.get(connection=connection).email_consent is False


def test_a_guest_deleted_in_roller_takes_its_contact_and_orders_with_it(connection, roller_sandbox, known_products):
    guest_id = adult(roller_sandbox, email="eva.bakker@example.com", firstName="Eva")
    deliver("booking_created", connection=connection, customerId=guest_id)
    assert Order.objects.filter(connection=connection).exists()
    roller_sandbox.guest_delete(guestId=guest_id)

    event = deliver("customer_updated", connection=connection, customerId=guest_id, firstName="Eva")

    assert not Contact.objects.filter(connection=connection).exists()
    assert not Order.objects.filter(connection=connection).exists()
    assert not ContactSourceLink.objects.filter(connection=connection).exists()
    assert outcomes(event, Entity.CONTACT) == [(Outcome.DELETED, Reason.DELETED_AT_SOURCE)]
    body = json.loads(event.body)["data"]
    assert "firstName" not in body and "email" not in body and body["customerId"] == guest_id


def test_a_known_minor_s_guest_update_is_not_fetched_from_roller(connection):
    deliver("signed_waiver_created", connection=connection)

    # 64310294 does not exist in the sandbox: a GET would answer 404 and read as a deletion.
    event = deliver("customer_updated", connection=connection, customerId=64310294, firstName="Noah")

    assert [o.reason for o in RecordOutcome.objects.filter(webhook_event=event)] == [Reason.MINOR]
    assert "Noah" not in event.body


def test_a_minor_guest_leaves_no_contact_and_no_personal_data(connection):
    event = deliver("customer_created", connection=connection, firstName="Noah", dateOfBirth="2016-02-11")

    assert not Contact.objects.exists()
    [outcome] = RecordOutcome.objects.filter(webhook_event=event)
    assert (outcome.reason, outcome.source_id, outcome.detail) == (Reason.MINOR, "", "")
    assert "Noah" not in event.body and "Jansen" not in event.body and "2016-02-11" not in event.body


# --- bookings -----------------------------------------------------------------------------


def test_an_online_booking_lands_as_an_order_of_its_holders_contact(connection, roller_sandbox, known_products):
    guest_id = adult(roller_sandbox, email=" Eva.Bakker@Example.com ", firstName="Eva")

    event = deliver("booking_created", connection=connection, customerId=guest_id)

    order = Order.objects.get(connection=connection)
    assert order.contact.match_value == "eva.bakker@example.com"
    assert (order.reference, order.channel, order.source_channel, order.status) == (
        "5032443",
        "online",
        "Online",
        "Paid",
    )
    assert (str(order.total), str(order.discount), order.currency) == ("59.00", "5.00", "EUR")
    assert sorted(order.lines.values_list("product__external_id", "quantity")) == [("123999221", 2), ("970411", 1)]
    assert outcomes(event) == [(Outcome.CREATED, "")]
    assert outcomes(event, Entity.CONTACT) == [(Outcome.CREATED, "")]


def test_ticket_holder_names_are_never_kept(connection, roller_sandbox, known_products):
    guest_id = adult(roller_sandbox)

    event = deliver("booking_created", connection=connection, customerId=guest_id)

    assert "Noah" not in event.body and "ticketHolderName" not in event.body
    assert "Noah" not in dump()


def test_a_booking_update_processed_before_its_create_leaves_the_newest_state(
    connection, roller_sandbox, known_products
):
    guest_id = adult(roller_sandbox)
    newer = envelope("booking_created", event_date=T2, customerId=guest_id, status="PartiallyPaid",
                     items=[item(1, 123999221, 4)])  # fmt: skip
    newer.update(eventType="Updated")
    deliver(newer, connection=connection)

    create = deliver("booking_created", connection=connection, event_date=T1, customerId=guest_id, status="Paid")

    order = Order.objects.get(connection=connection)
    assert order.status == "PartiallyPaid"
    assert list(order.lines.values_list("product__external_id", "quantity")) == [("123999221", 4)]
    assert outcomes(create) == [(Outcome.UNCHANGED, "")]


def test_a_booking_cancelled_before_its_create_ends_cancelled(connection, roller_sandbox, known_products):
    guest_id = adult(roller_sandbox)
    deliver("booking_cancelled", connection=connection, event_date=T2, customerId=guest_id)

    deliver("booking_created", connection=connection, event_date=T1, customerId=guest_id)

    assert Order.objects.get(connection=connection).status == "Cancelled"


def test_a_cancellation_sets_the_status_whatever_the_payload_says(connection, roller_sandbox, known_products):
    guest_id = adult(roller_sandbox)
    deliver("booking_created", connection=connection, event_date=T1, customerId=guest_id)

    deliver("booking_cancelled", connection=connection, event_date=T2, customerId=guest_id, status="Paid")

    assert Order.objects.get(connection=connection).status == "Cancelled"


def test_two_versions_with_different_items_leave_the_lines_of_the_newer(connection, roller_sandbox, known_products):
    guest_id = adult(roller_sandbox)
    deliver("booking_created", connection=connection, event_date=T1, customerId=guest_id)
    deliver("booking_created", connection=connection, event_date=T3, customerId=guest_id, items=[item(9, 107400, 3)])

    deliver("booking_created", connection=connection, event_date=T2, customerId=guest_id, items=[item(8, 970411, 1)])

    lines = OrderLine.objects.filter(order__connection=connection)
    assert list(lines.values_list("external_id", "product__external_id", "quantity")) == [("9", "107400", 3)]


def test_an_order_with_an_unknown_product_lands_with_the_product_made_from_roller_s_list(connection, roller_sandbox):
    guest_id = adult(roller_sandbox)

    event = deliver("booking_created", connection=connection, customerId=guest_id, items=[item(1, 107400, 2)])

    product = Product.objects.get(connection=connection, external_id="107400")
    assert (product.name, product.created_from_order, str(product.price)) == ("60 min Jump", True, "16.50")
    assert product.parent.name == "Jump Session"
    assert Order.objects.get(connection=connection).lines.get().product == product
    assert outcomes(event) == [(Outcome.CREATED, "")]
    assert (Outcome.CREATED, "") in outcomes(event, Entity.PRODUCT)


def test_a_product_newer_than_the_cached_product_list_is_still_made_from_roller_s_list(connection, roller_sandbox):
    cache.set(f"roller:products:{connection.public_id}", [])  # a list cached before the product existed

    deliver("booking_created", connection=connection, customerId=adult(roller_sandbox), items=[item(1, 107400)])

    assert Product.objects.get(connection=connection, external_id="107400").name == "60 min Jump"


def test_a_product_roller_no_longer_lists_is_made_from_the_order_line(connection, roller_sandbox):
    guest_id = adult(roller_sandbox)

    deliver("booking_created", connection=connection, customerId=guest_id, items=[item(1, 555001, 1, cost=7.25)])

    product = Product.objects.get(connection=connection, external_id="555001")
    assert (product.name, product.created_from_order, str(product.price)) == ("ROLLER product 555001", True, "7.25")
    assert Order.objects.get(connection=connection).lines.get().product == product


def test_a_point_of_sale_booking_with_a_customer_lands_as_an_onsite_order(connection, roller_sandbox, known_products):
    guest_id = adult(roller_sandbox)

    deliver("booking_updated", connection=connection, customerId=guest_id)

    order = Order.objects.get(connection=connection)
    assert (order.channel, order.source_channel) == ("onsite", "POS")


def test_the_same_message_processed_again_changes_nothing(connection, roller_sandbox, known_products):
    event = deliver("booking_created", connection=connection, customerId=adult(roller_sandbox))

    replay(event)  # on the redacted body

    assert Order.objects.count() == 1
    assert list(
        RecordOutcome.objects.filter(webhook_event=event, entity=Entity.ORDER).values_list("outcome", flat=True)
    ) == [
        Outcome.CREATED,
        Outcome.UNCHANGED,
    ]


def test_roller_unavailable_while_fetching_the_holder_is_retried_later_with_nothing_written(
    connection, roller_sandbox, known_products, settings
):
    settings.ROLLER_HTTP_ATTEMPTS = 1
    guest_id = adult(roller_sandbox)
    roller_sandbox.fault("/guests", status=503, count=5)

    with pytest.raises(TransientError):
        deliver("booking_created", connection=connection, customerId=guest_id)

    assert not Order.objects.exists() and not RecordOutcome.objects.exists()


def test_an_unreadable_booking_fails_as_invalid_payload(connection):
    with pytest.raises(RecordError) as error:
        deliver("booking_created", connection=connection, uniqueId=DROP)

    assert error.value.reason == Reason.INVALID_PAYLOAD


# --- minors -------------------------------------------------------------------------------


def test_a_signed_waiver_teaches_which_guests_are_minors_keeping_only_a_hash(connection):
    event = deliver("signed_waiver_created", connection=connection)

    assert minor_is_known(connection=connection, source_id="64310294")
    assert minor_is_known(connection=connection, source_id="64310295")
    assert not minor_is_known(connection=connection, source_id="64310293")  # the adult
    assert outcomes(event, Entity.WAIVER) == [(Outcome.SKIPPED, Reason.MINOR)] * 2
    assert "64310294" not in "".join(KnownMinor.objects.values_list("guest_hash", flat=True))


def test_a_signed_waiver_body_keeps_the_adult_and_loses_the_minors_personal_data(connection):
    event = deliver("signed_waiver_created", connection=connection)

    records = json.loads(event.body)["data"]
    assert records[0]["firstName"] == "Eva"
    assert all("firstName" not in r and "dateOfBirth" not in r for r in records[1:])
    assert [r["guestId"] for r in records] == [64310293, 64310294, 64310295]  # a replay still knows them


def test_a_booking_of_a_known_minor_is_left_out_without_asking_roller(connection, known_products):
    deliver("signed_waiver_created", connection=connection)

    # 64310294 does not exist in the sandbox: asking would fail the event.
    event = deliver("booking_created", connection=connection, customerId=64310294)

    assert not Order.objects.exists() and not Contact.objects.exists()
    [outcome] = RecordOutcome.objects.filter(webhook_event=event)
    assert (outcome.reason, outcome.source_id, outcome.detail) == (Reason.MINOR, "", "")


def test_minors_leave_no_name_anywhere_in_a_database_dump(connection, roller_sandbox, known_products):
    adult_id = adult(roller_sandbox, firstName="Eva")
    deliver("signed_waiver_created", connection=connection)
    deliver("booking_created", connection=connection, customerId=adult_id)  # Noah's name on a ticket
    deliver("customer_created", connection=connection, customerId=64310294, firstName="Noah", dateOfBirth=DROP)
    deliver("customer_created", connection=connection, customerId=64310295, firstName="Lotte", email=DROP, phone=DROP)

    text = dump()
    assert "Noah" not in text and "Lotte" not in text
    assert "64310294" not in "".join(RecordOutcome.objects.values_list("source_id", flat=True))
    assert Order.objects.count() == 1  # the adult's booking landed
