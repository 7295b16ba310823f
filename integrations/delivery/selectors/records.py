"""The store rows behind outbox items, with what the mappings touch fetched up front: a
hundred purchases are four queries, not four hundred."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Prefetch

from integrations.delivery.models import Destination
from integrations.models import Connection, Contact, ContactSourceLink, Order, OrderLine, Product


def _connections(destination: Destination) -> dict[int, Connection]:
    """The account's connections, read once per batch and shared by its rows: a connection
    joined to each of a thousand rows was a thousand copies of a wide row to parse."""
    return {connection.pk: connection for connection in Connection.objects.filter(account_id=destination.account_id)}


def profiles_for_delivery(destination: Destination, *, keys: Iterable[str]) -> dict[str, Contact]:
    """{key: the contact to send}: one profile per email across the account, the newest
    version among the connections the destination takes; `#<id>` keys are contacts without one."""
    keys = list(keys)
    emails = [key for key in keys if not key.startswith("#")]
    ids = [int(key[1:]) for key in keys if key.startswith("#") and key[1:].isdigit()]
    excluded = list(destination.excluded_connections.values_list("pk", flat=True))
    found: dict[str, Contact] = {}
    connections = _connections(destination)
    contacts = Contact.objects.filter(connection_id__in=set(connections) - set(excluded))
    # The store holds emails normalised (integrations.normalise): the index on them serves.
    newest_first = contacts.filter(email__in=emails).order_by(F("source_version").asc(nulls_first=True), "updated_at")
    for contact in newest_first:  # the last one of each email wins
        found[contact.email] = contact
    for contact in contacts.filter(pk__in=ids):
        found[f"#{contact.pk}"] = contact
    for contact in found.values():
        contact.connection = connections[contact.connection_id]
    return found


def purchases_for_delivery(destination: Destination, *, keys: Iterable[str]) -> dict[str, Order]:
    connections = _connections(destination)
    lines = OrderLine.objects.select_related("product").order_by("external_id")
    orders = (
        Order.objects.filter(pk__in=[int(key) for key in keys], connection_id__in=connections)
        .select_related("contact")
        .prefetch_related(Prefetch("lines", queryset=lines))
    )
    found = {}
    for order in orders:
        order.connection = connections[order.connection_id]
        order.contact.connection = connections[order.contact.connection_id]
        found[str(order.pk)] = order
    return found


def products_for_delivery(destination: Destination, *, keys: Iterable[str]) -> dict[str, Product]:
    connections = _connections(destination)
    products = Product.objects.filter(pk__in=[int(key) for key in keys], connection_id__in=connections).select_related(
        "parent"
    )
    found = {}
    for product in products:
        product.connection = connections[product.connection_id]
        found[str(product.pk)] = product
    return found


def source_ids_of(contacts: Iterable[Contact]) -> dict[int, list[tuple[int, str]]]:
    """{contact id: [(connection id, source id)]}: the people linked to each contact."""
    links: dict[int, list[tuple[int, str]]] = {}
    rows = ContactSourceLink.objects.filter(contact_id__in=[c.pk for c in contacts]).values_list(
        "contact_id", "connection_id", "source_id"
    )
    for contact_id, connection_id, source_id in rows:
        links.setdefault(contact_id, []).append((connection_id, source_id))
    return links
