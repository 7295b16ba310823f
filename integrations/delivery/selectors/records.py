"""The store rows behind outbox items, with what the mappings touch fetched up front: a
hundred purchases are four queries, not four hundred."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Prefetch
from django.db.models.functions import Lower

from integrations.delivery.models import Destination
from integrations.models import Contact, ContactSourceLink, Order, OrderLine, Product


def profiles_for_delivery(destination: Destination, *, keys: Iterable[str]) -> dict[str, Contact]:
    """{key: the contact to send}: one profile per email across the account, the newest
    version among the connections the destination takes; `#<id>` keys are contacts without one."""
    keys = list(keys)
    emails = [key for key in keys if not key.startswith("#")]
    ids = [int(key[1:]) for key in keys if key.startswith("#") and key[1:].isdigit()]
    excluded = list(destination.excluded_connections.values_list("pk", flat=True))
    found: dict[str, Contact] = {}
    contacts = (
        Contact.objects.filter(connection__account_id=destination.account_id)
        .exclude(connection_id__in=excluded)
        .select_related("connection")
        .annotate(key=Lower("email"))
    )
    newest_first = contacts.filter(key__in=emails).order_by(F("source_version").asc(nulls_first=True), "updated_at")
    for contact in newest_first:  # the last one of each email wins
        found[contact.key] = contact
    for contact in contacts.filter(pk__in=ids):
        found[f"#{contact.pk}"] = contact
    return found


def purchases_for_delivery(destination: Destination, *, keys: Iterable[str]) -> dict[str, Order]:
    lines = OrderLine.objects.select_related("product").order_by("external_id")
    orders = (
        Order.objects.filter(pk__in=[int(key) for key in keys], connection__account_id=destination.account_id)
        .select_related("connection", "contact__connection")
        .prefetch_related(Prefetch("lines", queryset=lines))
    )
    return {str(order.pk): order for order in orders}


def products_for_delivery(destination: Destination, *, keys: Iterable[str]) -> dict[str, Product]:
    products = Product.objects.filter(
        pk__in=[int(key) for key in keys], connection__account_id=destination.account_id
    ).select_related("connection", "parent")
    return {str(product.pk): product for product in products}


def source_ids_of(contacts: Iterable[Contact]) -> dict[int, list[tuple[int, str]]]:
    """{contact id: [(connection id, source id)]}: the people linked to each contact."""
    links: dict[int, list[tuple[int, str]]] = {}
    rows = ContactSourceLink.objects.filter(contact_id__in=[c.pk for c in contacts]).values_list(
        "contact_id", "connection_id", "source_id"
    )
    for contact_id, connection_id, source_id in rows:
        links.setdefault(contact_id, []).append((connection_id, source_id))
    return links
