"""A whole connection can be deleted with everything it synced; a product alone cannot."""

import pytest
from django.db.models import RestrictedError

from integrations.models import Connection, Order, OrderLine, Product
from tests.factories import ConnectionFactory, ContactFactory, OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db


def order_with_a_line():
    connection = ConnectionFactory()
    product = ProductFactory(connection=connection)
    order = OrderFactory(contact=ContactFactory(connection=connection))
    OrderLine.objects.create(order=order, external_id="1", product=product, quantity=2)
    return connection, product


def test_deleting_a_connection_takes_its_orders_lines_and_products_with_it():
    connection, _ = order_with_a_line()
    connection.delete()
    assert not Connection.objects.exists()
    assert not (Order.objects.exists() or OrderLine.objects.exists() or Product.objects.exists())


def test_a_product_that_orders_point_at_cannot_be_deleted_on_its_own():
    _, product = order_with_a_line()
    with pytest.raises(RestrictedError):
        product.delete()
