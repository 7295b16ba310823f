"""The one path into the store: the rules every source shares, checked once, on plain records."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations.minors import minor_remember, minors_known
from integrations.models import Connection, Contact, KnownMinor, Order, Product, RecordOutcome
from integrations.outcomes import Entity, Outcome, Reason
from integrations.records import (
    AgeEvidence,
    ContactData,
    OrderData,
    OrderLineData,
    OutcomeData,
    ProductData,
    RecordBatch,
)
from integrations.rules import Action
from integrations.services.contacts import Removal
from integrations.services.ingest import BATCH_SIZE, REMOVAL_DETAIL, batches, ingest
from tests.factories import ConnectionFactory, ContactFactory, ContactSourceLinkFactory, ProductFactory

TODAY = dt.date(2026, 7, 1)
NOW = dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)


def person(source_id: str = "g1", **values) -> ContactData:
    return ContactData(
        **{
            "source_id": source_id,
            "email": f"{source_id}@example.com",
            "first_name": "Mia",
            "date_of_birth": dt.date(1988, 4, 2),
            "source_version": NOW,
            **values,
        }
    )


def booking(external_id: str = "b1", holder: str | None = "g1", **values) -> OrderData:
    return OrderData(
        **{
            "external_id": external_id,
            "channel": Order.Channel.ONLINE,
            "reference": f"ref-{external_id}",
            "total": Decimal("20.00"),
            "source_version": NOW,
            "holder_source_id": holder,
            "lines": (OrderLineData("l1", "P1", 2, Decimal("10.00")),),
            **values,
        }
    )


def run(connection, **batch):
    return ingest(connection=connection, batch=RecordBatch(**batch), today=TODAY)


def skipped(entity: str) -> dict[str, int]:
    rows = RecordOutcome.objects.filter(entity=entity, outcome=Outcome.SKIPPED)
    return {reason: rows.filter(reason=reason).count() for reason in set(rows.values_list("reason", flat=True))}


@pytest.fixture
def connection(db):
    connection = ConnectionFactory()
    ProductFactory(connection=connection, external_id="P1")
    return connection


# --- contacts -----------------------------------------------------------------------------------


def test_an_adult_with_an_email_becomes_a_contact(connection):
    result = run(connection, contacts=[person()])

    assert Contact.objects.get().email == "g1@example.com"
    assert result.counts == {"contact.created": 1}
    assert RecordOutcome.objects.get().outcome == Outcome.CREATED


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"date_of_birth": dt.date(2015, 1, 1)}, Reason.MINOR),
        ({"email": "", "phone": ""}, Reason.NO_EMAIL_OR_PHONE),
    ],
)
def test_a_person_the_rules_leave_out_is_skipped_with_the_reason(connection, values, reason):
    result = run(connection, contacts=[person(**values)])

    assert not Contact.objects.exists()
    assert skipped(Entity.CONTACT) == {reason: 1}
    assert result.counts == {f"contact.skipped.{reason}": 1}


def test_contacts_switched_off_store_no_contact(connection):
    connection.contacts_enabled = False

    run(connection, contacts=[person()])

    assert skipped(Entity.CONTACT) == {Reason.CONTACTS_DISABLED: 1}


def test_contacts_switched_off_leave_orders_out_too(connection):
    connection.contacts_enabled = False

    result = run(connection, orders=[booking()], people={"g1": person()})

    assert not Order.objects.exists() and not Contact.objects.exists()
    assert skipped(Entity.ORDER) == {Reason.CONTACTS_DISABLED: 1}
    assert result.counts == {f"order.skipped.{Reason.CONTACTS_DISABLED}": 1}


def test_opt_ins_only_does_not_pass_an_opt_out_on(connection):
    connection.opt_in_strategy = Connection.OptInStrategy.IN_ONLY
    run(connection, contacts=[person(email_consent=True)])

    run(connection, contacts=[person(email_consent=False, source_version=NOW + dt.timedelta(hours=1))])

    assert Contact.objects.get().email_consent is True


def test_two_people_with_one_email_are_one_contact_with_both_links(connection):
    twins = {"g1": person("g1", email="eva@example.com"), "g2": person("g2", email="eva@example.com")}

    run(connection, orders=[booking("b1", holder="g1")], people={"g1": twins["g1"]})
    run(connection, orders=[booking("b2", holder="g2")], people={"g2": twins["g2"]})

    contact = Contact.objects.get()
    assert contact.orders.count() == 2
    assert set(contact.source_links.values_list("source_id", flat=True)) == {"g1", "g2"}


def test_matching_on_phone_skips_a_person_without_one(connection):
    connection.matching_key = Connection.MatchingKey.PHONE

    run(connection, contacts=[person(phone="")])

    assert skipped(Entity.CONTACT) == {Reason.NO_MATCHING_KEY: 1}


def test_update_only_updates_a_known_contact_and_leaves_an_unknown_one_out(connection):
    run(connection, contacts=[person("known")])
    connection.contacts_mode = Connection.ContactsMode.UPDATE_ONLY

    run(
        connection,
        contacts=[person("known", first_name="Mila", source_version=NOW + dt.timedelta(hours=1)), person("new")],
    )

    assert list(Contact.objects.values_list("first_name", flat=True)) == ["Mila"]
    assert skipped(Entity.CONTACT) == {Reason.CONTACT_NOT_FOUND: 1}


def test_update_only_takes_the_order_of_a_known_holder_and_leaves_an_unknown_ones_out(connection):
    connection.contacts_mode = Connection.ContactsMode.UPDATE_ONLY
    order, people = booking(), {"g1": person(email="eva@example.com")}

    left_out = run(connection, orders=[order], people=people)
    ContactFactory(connection=connection, email="eva@example.com")  # known by email, not yet linked
    landed = run(connection, orders=[replace(order, source_version=NOW + dt.timedelta(hours=1))], people=people)

    assert left_out.counts == {f"order.skipped.{Reason.CONTACT_NOT_FOUND}": 1}
    assert landed.counts["order.created"] == 1
    assert Order.objects.get().contact.email == "eva@example.com"


def test_update_only_updates_known_contacts_and_their_orders_and_says_why_it_left_the_others(connection):
    connection.contacts_mode = Connection.ContactsMode.UPDATE_ONLY
    ContactFactory(connection=connection, email="g1@example.com", first_name="Old")

    contacts = run(connection, contacts=[person("g1", first_name="New"), person("g2")])
    # As an import reads them: only the holders the store does not link yet are described.
    orders = run(
        connection, orders=[booking("b1", holder="g1"), booking("b2", holder="g2")], people={"g2": person("g2")}
    )

    assert list(Contact.objects.values_list("match_value", "first_name")) == [("g1@example.com", "New")]
    assert contacts.counts == {"contact.updated": 1, "contact.skipped.contact_not_found": 1}
    assert orders.counts == {"order.created": 1, "order.skipped.contact_not_found": 1}


def test_a_minor_already_stored_is_removed_when_their_date_of_birth_shows_it(connection):
    run(connection, contacts=[person(date_of_birth=None)])

    result = run(connection, contacts=[person(date_of_birth=dt.date(2016, 5, 1), source_version=NOW + dt.timedelta(1))])

    assert not Contact.objects.exists()
    assert result.minors == {"g1"}
    minor_outcome = RecordOutcome.objects.get(reason=Reason.MINOR)
    assert (minor_outcome.source_id, minor_outcome.detail) == ("", "")  # nothing about a minor


def test_a_known_minor_never_becomes_a_contact_even_looking_adult(connection):
    minor_remember(connection=connection, source_ids=["g1"])

    run(connection, contacts=[person()])

    assert not Contact.objects.exists()
    assert skipped(Entity.CONTACT) == {Reason.MINOR: 1}


# --- age evidence -------------------------------------------------------------------------------


def test_a_waiver_for_a_minor_keeps_only_a_hash_and_removes_their_stored_contact(connection):
    run(connection, contacts=[person("m1", date_of_birth=None)])

    result = run(connection, ages=[AgeEvidence("m1", for_minor=True), AgeEvidence("a1", for_minor=False)])

    assert not Contact.objects.exists()
    assert minors_known(connection=connection, source_ids={"m1", "a1"}) == {"m1"}
    assert "m1" not in KnownMinor.objects.values_list("guest_hash", flat=True)
    assert result.counts == {"contact.deleted.minor": 1, "waiver.skipped.minor": 1}


def test_age_evidence_comes_first_within_one_batch(connection):
    result = run(
        connection,
        ages=[AgeEvidence("m1", for_minor=False, date_of_birth=dt.date(2018, 1, 1))],
        contacts=[person("m1", date_of_birth=None)],
        orders=[booking(holder="m1")],
        people={"m1": person("m1", date_of_birth=None)},
    )

    assert not Contact.objects.exists() and not Order.objects.exists()
    assert result.counts["contact.skipped.minor"] == 1
    assert result.counts["order.skipped.minor"] == 1


# --- orders -------------------------------------------------------------------------------------


def test_an_order_lands_with_its_holder_as_contact(connection):
    result = run(connection, orders=[booking()], people={"g1": person()})

    order = Order.objects.get()
    assert order.contact.email == "g1@example.com"
    assert list(order.lines.values_list("quantity", flat=True)) == [2]
    assert result.counts == {"contact.created": 1, "order.created": 1}


@pytest.mark.parametrize(
    ("order", "people", "reason"),
    [
        (booking(holder=None), {}, Reason.NO_CONTACT),
        (booking(holder=None, channel=Order.Channel.ONSITE), {}, Reason.ONSITE_WITHOUT_CONTACT),
        (booking(), {"g1": None}, Reason.NO_CONTACT),  # the source no longer has the holder
        (booking(), {"g1": person(email="", phone="")}, Reason.NO_EMAIL_OR_PHONE),
        (booking(), {"g1": person(date_of_birth=dt.date(2014, 3, 3))}, Reason.MINOR),
    ],
)
def test_an_order_the_rules_leave_out_says_why(connection, order, people, reason):
    run(connection, orders=[order], people=people)

    assert not Order.objects.exists() and not Contact.objects.exists()
    assert skipped(Entity.ORDER) == {reason: 1}


def test_an_order_without_a_holder_is_left_out_naming_the_order(connection):
    run(connection, orders=[booking("b1", holder=None)])

    assert not Order.objects.exists()
    [outcome] = RecordOutcome.objects.all()
    assert (outcome.outcome, outcome.reason, outcome.source_id) == (Outcome.SKIPPED, Reason.NO_CONTACT, "b1")


def test_a_stored_holder_is_used_as_stored_when_the_batch_does_not_describe_them(connection):
    run(connection, contacts=[person()])

    result = run(connection, orders=[booking()])

    assert Order.objects.get().contact == Contact.objects.get()
    assert result.counts == {"order.created": 1}  # the contact is not written again


def test_an_order_naming_an_unknown_product_creates_it_and_is_written_again(connection):
    line_product = ProductData("P2", "Socks", created_from_order=True)
    order = booking(lines=(OrderLineData("l1", "P2", 1),))

    result = run(connection, orders=[order], people={"g1": person()}, line_products={"P2": line_product})

    assert Product.objects.get(external_id="P2").created_from_order
    assert Order.objects.get().lines.get().product.external_id == "P2"
    assert result.counts["product.created"] == 1
    assert RecordOutcome.objects.get(entity=Entity.PRODUCT).detail == "Created from booking ref-b1"


def test_a_connector_can_describe_the_missing_products_itself(connection):
    asked = []

    def describe(external_ids):
        asked.append(external_ids)
        return [ProductData("PARENT", "Jump"), ProductData("P3", "Jump 90", parent_external_id="PARENT")]

    run(
        connection,
        orders=[booking(lines=(OrderLineData("l1", "P3", 1),))],
        people={"g1": person()},
        products_resolve=describe,
    )

    assert asked == [["P3"]]
    assert Product.objects.get(external_id="P3").parent.external_id == "PARENT"


def test_a_known_minors_order_is_left_out_and_their_stored_contact_goes(connection):
    run(connection, contacts=[person()])
    minor_remember(connection=connection, source_ids=["g1"])

    result = run(connection, orders=[booking()])

    assert not Contact.objects.exists() and not Order.objects.exists()
    assert result.minors == {"g1"}
    assert skipped(Entity.ORDER) == {Reason.MINOR: 1}


def test_a_reconciliation_marks_what_it_wrote_healed(connection):
    ingest(
        connection=connection, batch=RecordBatch(orders=[booking()], people={"g1": person()}), healed=True, today=TODAY
    )

    assert Order.objects.get().healed and Contact.objects.get().healed
    assert set(RecordOutcome.objects.values_list("healed", flat=True)) == {True}


def test_what_could_not_be_read_is_recorded_as_failed(connection):
    failed = OutcomeData(Entity.ORDER, Outcome.FAILED, Reason.INVALID_PAYLOAD, "b9", "no uniqueId")

    result = run(connection, failed=[failed])

    assert result.counts == {"order.failed.invalid_payload": 1}
    assert RecordOutcome.objects.get().detail == "no uniqueId"


def test_people_deleted_at_the_source_take_their_contact_with_them(connection):
    run(connection, orders=[booking()], people={"g1": person()})

    result = run(connection, removed=["g1"])

    assert not Contact.objects.exists() and not Order.objects.exists()
    assert result.counts == {f"contact.deleted.{Reason.DELETED_AT_SOURCE}": 1}


def test_a_person_deleted_at_the_source_whose_contact_others_share_only_loses_their_link(connection):
    contact = ContactFactory(connection=connection)
    ContactSourceLinkFactory(contact=contact, source_id="111")
    ContactSourceLinkFactory(contact=contact, source_id="g1")

    result = run(connection, removed=["g1"])

    assert Contact.objects.filter(pk=contact.pk).exists()
    assert list(contact.source_links.values_list("source_id", flat=True)) == ["111"]
    assert RecordOutcome.objects.get().detail == REMOVAL_DETAIL[Removal.UNLINKED]
    assert result.counts == {f"contact.deleted.{Reason.DELETED_AT_SOURCE}": 1}


# --- products -----------------------------------------------------------------------------------


def test_a_product_sync_writes_the_catalogue_and_says_which_are_gone(connection):
    version = timezone.now()
    products = [
        ProductData("P1", "Jump 60", active=False, source_version=version),
        ProductData("P9", "New", source_version=version),
    ]

    result = run(connection, products=products, products_gone={"P1"})

    assert result.counts == {"product.updated": 1, "product.created": 1}
    assert not Product.objects.get(external_id="P1").active
    assert RecordOutcome.objects.get(source_id="P1").detail.startswith("No longer in the source")


# --- a dry run ----------------------------------------------------------------------------------


def test_a_dry_run_decides_as_a_real_run_and_writes_nothing(connection):
    run(connection, contacts=[person("known")])
    before = RecordOutcome.objects.count()
    batch = RecordBatch(
        ages=[AgeEvidence("m1", for_minor=True)],
        contacts=[person("known", source_version=NOW + dt.timedelta(1)), person("new"), person("m1")],
        orders=[booking("b1", holder="new"), booking("b2", holder=None)],
        people={"new": person("new")},
    )

    result = ingest(connection=connection, batch=batch, dry_run=True, today=TODAY)

    decided = [
        (i.entity, i.record.source_id if i.entity == Entity.CONTACT else i.record.external_id, i.decision.action)
        for i in result.items
    ]
    assert decided == [
        (Entity.CONTACT, "known", Action.UPDATE),
        (Entity.CONTACT, "new", Action.CREATE),
        (Entity.CONTACT, "m1", Action.SKIP),
        (Entity.ORDER, "b1", Action.CREATE),
        (Entity.ORDER, "b2", Action.SKIP),
    ]
    assert Contact.objects.count() == 1 and not Order.objects.exists() and not KnownMinor.objects.exists()
    assert RecordOutcome.objects.count() == before


def test_a_dry_run_counts_two_people_with_one_email_as_one_contact(connection):
    twins = [person("g1", email="same@example.com"), person("g2", email="same@example.com")]

    result = ingest(connection=connection, batch=RecordBatch(contacts=twins), dry_run=True, today=TODAY)

    assert [item.same_as_earlier for item in result.items] == [False, True]


def test_a_dry_run_under_update_only_with_no_known_contacts_would_create_nothing(connection):
    connection.contacts_mode = Connection.ContactsMode.UPDATE_ONLY
    batch = RecordBatch(contacts=[person("g1")], orders=[booking(holder="g1")], people={"g1": person("g1")})

    result = ingest(connection=connection, batch=batch, dry_run=True, today=TODAY)

    assert Action.CREATE not in {item.decision.action for item in result.items}
    order_reasons = {item.decision.reason for item in result.items if item.entity == Entity.ORDER}
    assert Reason.CONTACT_NOT_FOUND in order_reasons


# --- batches ------------------------------------------------------------------------------------


def test_a_large_batch_is_cut_into_batches_of_a_thousand_keeping_what_concerns_all(connection):
    failed = OutcomeData(Entity.CONTACT, Outcome.FAILED, Reason.INVALID_PAYLOAD)
    batch = RecordBatch(
        contacts=[person(str(n)) for n in range(2 * BATCH_SIZE + 1)], people={"x": None}, failed=[failed]
    )

    parts = batches(batch)

    assert [len(part.contacts) for part in parts] == [BATCH_SIZE, BATCH_SIZE, 1]
    assert [len(part.failed) for part in parts] == [1, 0, 0]
    assert all(part.people == {"x": None} for part in parts)
