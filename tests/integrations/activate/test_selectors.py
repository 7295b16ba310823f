"""The export's reads fetch what the mapping needs in a fixed number of queries."""

import datetime as dt

import pytest

from integrations.activate import mapping, selectors
from integrations.activate.mapping import ExportSettings
from integrations.models import OrderLine
from tests.factories import ConnectionFactory, ContactFactory, OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 7, 1)
SETTINGS = ExportSettings(currency="EUR", language="nl_NL")


def test_mapping_many_orders_costs_a_fixed_number_of_queries(django_assert_num_queries):
    connection = ConnectionFactory()
    parent = ProductFactory(connection=connection)
    products = [ProductFactory(connection=connection, parent=parent) for _ in range(3)]
    orders, contacts = [], []
    for _ in range(10):
        order = OrderFactory(contact=ContactFactory(connection=connection))
        for line, product in enumerate(products):
            OrderLine.objects.create(order=order, external_id=f"L{line}", product=product, quantity=1, unit_price=5)
        orders.append(order.pk)
        contacts.append(order.contact_id)

    with django_assert_num_queries(2):  # the orders with contacts and connections, then their lines
        events = [
            mapping.order_event(order, settings=SETTINGS, today=TODAY)
            for order in selectors.orders_for_export(order_ids=orders)
        ]
    assert [len(event["products"]) for event in events] == [3] * 10

    with django_assert_num_queries(1):
        payloads = mapping.products_payloads(
            selectors.products_for_export(product_ids=[parent.pk] + [p.pk for p in products]), settings=SETTINGS
        )
    assert [payload.get("parent_id") for payload in payloads] == [None] + [mapping.catalogue_id(parent)] * 3

    with django_assert_num_queries(1):
        events = [
            mapping.contact_update_event(c, today=TODAY) for c in selectors.contacts_for_export(contact_ids=contacts)
        ]
    assert [event["event"] for event in events] == ["CRMUpdate"] * 10
