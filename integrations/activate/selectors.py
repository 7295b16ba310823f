"""What the export reads, with everything the mapping touches fetched up front: mapping a
thousand orders is four queries, not four thousand."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from integrations.models import Contact, Order, OrderLine, Product


def contacts_for_export(*, contact_ids: Iterable[int]) -> QuerySet[Contact]:
    return Contact.objects.filter(pk__in=list(contact_ids)).select_related("connection").order_by("pk")


def orders_for_export(*, order_ids: Iterable[int]) -> QuerySet[Order]:
    lines = OrderLine.objects.select_related("product").order_by("external_id")
    return (
        Order.objects.filter(pk__in=list(order_ids))
        .select_related("connection", "contact__connection")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("pk")
    )


def products_for_export(*, product_ids: Iterable[int]) -> QuerySet[Product]:
    return Product.objects.filter(pk__in=list(product_ids)).select_related("connection", "parent").order_by("pk")
