"""One upsert per entity, taking a batch, guarded by the source version.

Runs on SQLite and, with DATABASE_URL pointing at PostgreSQL, on PostgreSQL: the statement
is raw SQL, so both databases must agree on what it does.
"""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from integrations.models import Contact, ContactSourceLink, Order, OrderLine, Product
from integrations.outcomes import Outcome
from integrations.records import ContactData, OrderData, OrderLineData, ProductData
from integrations.services.upserts import ProductsMissing, contacts_upsert, orders_upsert, products_upsert
from tests.factories import ConnectionFactory, ContactFactory, ProductFactory

pytestmark = pytest.mark.django_db

T1 = dt.datetime(2026, 6, 30, 8, 12, 45, 113244, tzinfo=dt.UTC)
T2 = T1 + dt.timedelta(minutes=5)
T3 = T1 + dt.timedelta(hours=1)


@pytest.fixture
def connection():
    return ConnectionFactory()


def guest(source_id="27718291", version=T1, **values) -> ContactData:
    email = values.pop("email", "mia@example.com")
    return ContactData(
        source_id=source_id,
        email=email,
        match_value=values.pop("match_value", email),
        first_name=values.pop("first_name", "Mia"),
        last_name=values.pop("last_name", "Jansen"),
        source_version=version,
        **values,
    )


def outcomes(results):
    return [result.outcome for result in results]


# --- contacts -----------------------------------------------------------------------------


def test_a_new_contact_is_created_and_its_guest_linked(connection):
    [result] = contacts_upsert(connection=connection, contacts=[guest(date_of_birth=dt.date(1988, 4, 2))])

    contact = Contact.objects.get(pk=result.id)
    assert result.outcome == Outcome.CREATED
    assert (contact.match_value, contact.first_name, contact.date_of_birth) == (
        "mia@example.com",
        "Mia",
        dt.date(1988, 4, 2),
    )
    assert contact.source_version == T1
    assert ContactSourceLink.objects.get(connection=connection, source_id="27718291").contact == contact


def test_the_same_version_twice_changes_nothing(connection):
    contacts_upsert(connection=connection, contacts=[guest()])
    before = Contact.objects.get()

    [again] = contacts_upsert(connection=connection, contacts=[guest(first_name="Changed")])

    assert again.outcome == Outcome.UNCHANGED
    assert again.id == before.pk
    after = Contact.objects.get()
    assert (after.first_name, after.updated_at) == ("Mia", before.updated_at)


def test_a_newer_version_updates_the_contact(connection):
    contacts_upsert(connection=connection, contacts=[guest()])

    [result] = contacts_upsert(connection=connection, contacts=[guest(version=T2, last_name="de Vries")])

    assert result.outcome == Outcome.UPDATED
    assert Contact.objects.get().last_name == "de Vries"
    assert ContactSourceLink.objects.get().source_version == T2


def test_an_older_version_never_overwrites_a_newer_one(connection):
    contacts_upsert(connection=connection, contacts=[guest(version=T2, last_name="de Vries", email_consent=False)])

    [result] = contacts_upsert(connection=connection, contacts=[guest(version=T1, email_consent=True)])

    contact = Contact.objects.get()
    assert result.outcome == Outcome.UNCHANGED
    assert (contact.last_name, contact.email_consent, contact.source_version) == ("de Vries", False, T2)


def test_a_contact_left_as_it_was_by_a_newer_stored_version_still_gives_its_id(connection):
    # Regression: a booking's worker read "no such contact", a guest webhook's worker then
    # committed it with a newer version, and the booking's insert changed nothing: the order
    # was left without its contact (ValueError), found by bench/bench_latency.py. Nothing is
    # read before the upsert any more; whatever it leaves as it was is read after it.
    [newer] = contacts_upsert(connection=connection, contacts=[guest(source_id="27718291", version=T2)])

    [result] = contacts_upsert(connection=connection, contacts=[guest(source_id="99001", version=T1)])

    assert (result.id, result.outcome) == (newer.id, Outcome.UNCHANGED)
    assert ContactSourceLink.objects.get(source_id="99001").contact_id == newer.id


def test_an_older_version_of_a_guest_whose_email_changed_since_creates_nothing(connection):
    contacts_upsert(connection=connection, contacts=[guest(version=T2, email="mia.new@example.com")])

    [result] = contacts_upsert(connection=connection, contacts=[guest(version=T1, email="mia.old@example.com")])

    assert result.outcome == Outcome.UNCHANGED
    assert list(Contact.objects.values_list("match_value", flat=True)) == ["mia.new@example.com"]
    assert result.id == Contact.objects.get().pk  # the guest's contact is the newer one


def test_two_guests_with_one_email_are_one_contact_linked_twice(connection):
    results = contacts_upsert(
        connection=connection,
        contacts=[guest("1", version=T1, first_name="Mia"), guest("2", version=T2, first_name="M.")],
    )

    assert Contact.objects.count() == 1
    assert results[0].id == results[1].id
    assert Contact.objects.get().first_name == "M."  # the newest of the two
    assert outcomes(results) == [Outcome.UNCHANGED, Outcome.CREATED]
    assert set(ContactSourceLink.objects.values_list("source_id", flat=True)) == {"1", "2"}


def test_a_second_guest_with_a_known_email_joins_the_existing_contact(connection):
    contacts_upsert(connection=connection, contacts=[guest("1")])

    [result] = contacts_upsert(connection=connection, contacts=[guest("2", version=T2)])

    assert result.outcome == Outcome.UPDATED
    assert (
        ContactSourceLink.objects.get(source_id="2").contact_id
        == ContactSourceLink.objects.get(source_id="1").contact_id
    )


def test_unknown_consent_leaves_the_stored_consent_as_it_is(connection):
    contacts_upsert(connection=connection, contacts=[guest(email_consent=True, sms_consent=False)])

    contacts_upsert(connection=connection, contacts=[guest(version=T2, email_consent=None, sms_consent=None)])

    contact = Contact.objects.get()
    assert (contact.email_consent, contact.sms_consent) == (True, False)
    assert (contact.email_consent_at, contact.sms_consent_at) == (T1, T1)


def test_the_consent_time_moves_only_when_the_consent_changes(connection):
    contacts_upsert(connection=connection, contacts=[guest(email_consent=True, sms_consent=True)])

    contacts_upsert(connection=connection, contacts=[guest(version=T2, email_consent=True, sms_consent=False)])

    contact = Contact.objects.get()
    assert (contact.email_consent, contact.email_consent_at) == (True, T1)
    assert (contact.sms_consent, contact.sms_consent_at) == (False, T2)


def test_a_record_twice_in_one_batch_is_written_once_with_its_newest_version(connection):
    results = contacts_upsert(
        connection=connection, contacts=[guest(version=T2, last_name="new"), guest(version=T1, last_name="old")]
    )

    assert outcomes(results) == [Outcome.CREATED, Outcome.UNCHANGED]
    assert Contact.objects.get().last_name == "new"


def test_contacts_of_two_connections_never_mix():
    first, second = ConnectionFactory(), ConnectionFactory()
    contacts_upsert(connection=first, contacts=[guest()])
    [result] = contacts_upsert(connection=second, contacts=[guest()])

    assert result.outcome == Outcome.CREATED
    assert Contact.objects.count() == 2


def test_text_longer_than_its_column_is_cut_rather_than_failing_the_page(connection):
    contacts_upsert(connection=connection, contacts=[guest(street="Oudegracht " * 50, first_name="M" * 150)])

    contact = Contact.objects.get()
    assert (len(contact.street), len(contact.first_name)) == (200, 100)


def test_a_contact_without_its_match_value_is_refused(connection):
    with pytest.raises(ValueError, match="match value"):
        contacts_upsert(connection=connection, contacts=[guest(match_value="")])


def test_a_page_of_a_thousand_contacts_takes_a_handful_of_statements(connection, django_assert_max_num_queries):
    page = [guest(str(n), email=f"guest{n}@example.com") for n in range(1000)]

    with django_assert_max_num_queries(8):
        results = contacts_upsert(connection=connection, contacts=page)

    assert set(outcomes(results)) == {Outcome.CREATED}
    assert Contact.objects.filter(connection=connection).count() == 1000
    assert ContactSourceLink.objects.filter(connection=connection).count() == 1000


# --- products -----------------------------------------------------------------------------


def product(external_id="107400", version=T1, **values) -> ProductData:
    return ProductData(
        external_id=external_id, name=values.pop("name", "Adult 60 min"), source_version=version, **values
    )


def test_a_parent_and_its_variations_are_created_in_one_batch(connection):
    results = products_upsert(
        connection=connection,
        products=[
            product("107400", parent_external_id="107399", price=Decimal("16.50")),
            product("107399", name="Jump Session"),
        ],
    )

    assert outcomes(results) == [Outcome.CREATED, Outcome.CREATED]
    variation = Product.objects.get(external_id="107400")
    assert (variation.parent.name, variation.price) == ("Jump Session", Decimal("16.50"))


def test_a_product_made_from_an_order_never_overwrites_a_synced_one(connection):
    products_upsert(connection=connection, products=[product(name="Adult 60 min")])

    [result] = products_upsert(
        connection=connection, products=[product(name="ROLLER product 107400", version=None, created_from_order=True)]
    )

    assert result.outcome == Outcome.UNCHANGED
    stored = Product.objects.get()
    assert (stored.name, stored.created_from_order) == ("Adult 60 min", False)


def test_the_next_product_sync_fills_in_a_product_made_from_an_order(connection):
    products_upsert(
        connection=connection, products=[product(name="ROLLER product 107400", version=None, created_from_order=True)]
    )

    [result] = products_upsert(connection=connection, products=[product(name="Adult 60 min", price=Decimal("16.5"))])

    stored = Product.objects.get()
    assert result.outcome == Outcome.UPDATED
    assert (stored.name, stored.price) == ("Adult 60 min", Decimal("16.50"))
    assert stored.created_from_order  # where it came from stays known


def test_a_page_of_a_thousand_products_takes_a_handful_of_statements(connection, django_assert_max_num_queries):
    page = [product(str(n), name=f"Product {n}") for n in range(1000)]

    with django_assert_max_num_queries(8):
        products_upsert(connection=connection, products=page)

    assert Product.objects.filter(connection=connection).count() == 1000


# --- orders -------------------------------------------------------------------------------


@pytest.fixture
def contact(connection):
    return ContactFactory(connection=connection)


@pytest.fixture
def products(connection):
    return [ProductFactory(connection=connection, external_id=external_id) for external_id in ("107400", "970411")]


def order(contact, version=T1, lines=(("1", "107400", 2),), **values) -> OrderData:
    return OrderData(
        external_id=values.pop("external_id", "69ea56d8-969f-41a3-bda5-cb09ad8a67b2"),
        channel=values.pop("channel", Order.Channel.ONLINE),
        source_channel="Online",
        reference="5032443",
        status=values.pop("status", "Paid"),
        total=Decimal("59.00"),
        source_version=version,
        contact_id=contact.pk,
        lines=tuple(
            OrderLineData(external_id=line_id, product_external_id=product_id, quantity=quantity)
            for line_id, product_id, quantity in lines
        ),
        **values,
    )


def lines_of(external_id="69ea56d8-969f-41a3-bda5-cb09ad8a67b2"):
    return sorted(
        OrderLine.objects.filter(order__external_id=external_id).values_list(
            "external_id", "product__external_id", "quantity"
        )
    )


def test_an_order_is_created_with_its_lines(connection, contact, products):
    [result] = orders_upsert(
        connection=connection, orders=[order(contact, lines=[("1", "107400", 2), ("2", "970411", 1)])]
    )

    assert result.outcome == Outcome.CREATED
    stored = Order.objects.get(pk=result.id)
    assert (stored.contact, stored.status, stored.total) == (contact, "Paid", Decimal("59.00"))
    assert lines_of() == [("1", "107400", 2), ("2", "970411", 1)]


def test_two_versions_with_different_items_leave_the_lines_of_the_newer(connection, contact, products):
    orders_upsert(connection=connection, orders=[order(contact, T1, lines=[("1", "107400", 2)])])

    orders_upsert(connection=connection, orders=[order(contact, T2, lines=[("2", "970411", 3)])])
    orders_upsert(connection=connection, orders=[order(contact, T1, lines=[("1", "107400", 2)])])  # late

    assert lines_of() == [("2", "970411", 3)]


def test_an_update_processed_before_its_create_leaves_the_newest_state(connection, contact, products):
    orders_upsert(connection=connection, orders=[order(contact, T2, status="Paid", lines=[("1", "107400", 4)])])

    [create] = orders_upsert(
        connection=connection, orders=[order(contact, T1, status="PendingPayment", lines=[("1", "107400", 2)])]
    )

    assert create.outcome == Outcome.UNCHANGED
    assert Order.objects.get().status == "Paid"
    assert lines_of() == [("1", "107400", 4)]


def test_a_booking_whose_rows_straddle_two_files_is_written_once_with_every_line(connection, contact, products):
    # A bulk export's files are split by record count: one booking's item rows can end one
    # file and begin the next, each part with the booking's same version.
    [first] = orders_upsert(connection=connection, orders=[order(contact, T1, lines=[("1", "107400", 2)])])

    [second] = orders_upsert(connection=connection, orders=[order(contact, T1, lines=[("2", "970411", 1)])])

    assert (first.outcome, second.outcome) == (Outcome.CREATED, Outcome.UPDATED)
    assert second.id == first.id and Order.objects.count() == 1
    assert lines_of() == [("1", "107400", 2), ("2", "970411", 1)]


def test_a_newer_version_after_a_straddling_one_replaces_all_its_lines(connection, contact, products):
    orders_upsert(connection=connection, orders=[order(contact, T1, lines=[("1", "107400", 2)])])
    orders_upsert(connection=connection, orders=[order(contact, T1, lines=[("2", "970411", 1)])])

    orders_upsert(connection=connection, orders=[order(contact, T2, lines=[("2", "970411", 5)])])  # a line removed

    assert lines_of() == [("2", "970411", 5)]


def test_the_same_order_version_twice_is_harmless(connection, contact, products):
    orders_upsert(connection=connection, orders=[order(contact)])
    first = Order.objects.get()
    line_ids = list(OrderLine.objects.values_list("id", flat=True))

    [again] = orders_upsert(connection=connection, orders=[order(contact)])

    assert again.outcome == Outcome.UNCHANGED
    assert Order.objects.get().updated_at == first.updated_at
    assert list(OrderLine.objects.values_list("id", flat=True)) == line_ids  # lines not rewritten


def test_an_order_naming_an_unknown_product_writes_nothing_and_says_which(connection, contact, products):
    with pytest.raises(ProductsMissing) as missing:
        orders_upsert(connection=connection, orders=[order(contact, lines=[("1", "107400", 1), ("2", "555", 1)])])

    assert missing.value.external_ids == ["555"]
    assert not Order.objects.exists()


def test_an_order_is_never_stored_without_a_contact(connection, contact, products):
    with pytest.raises(ValueError, match="contact"):
        orders_upsert(connection=connection, orders=[replace(order(contact), contact_id=None)])


def test_a_page_of_a_thousand_orders_takes_a_handful_of_statements(
    connection, contact, products, django_assert_max_num_queries
):
    page = [
        order(contact, external_id=f"booking-{n}", lines=[(f"{n}-1", "107400", 1), (f"{n}-2", "970411", 2)])
        for n in range(1000)
    ]

    with django_assert_max_num_queries(10):
        results = orders_upsert(connection=connection, orders=page)

    assert set(outcomes(results)) == {Outcome.CREATED}
    assert OrderLine.objects.filter(order__connection=connection).count() == 2000
