"""Spotler Activate as a destination: the hooks its DestinationSpec gives the core's
delivery (integrations.delivery.registry). The mapping is integrations.activate.mapping;
here it meets the destination's settings, Activate's client and the core's error types.

Revenue is counted once whatever Activate does with a repeated `orderid`
(docs/activate-facts.md): where it replaces the purchase (Destination.repeated_orders =
replace) a changed booking sends its whole Purchase again; where it counts it again (add)
the change sends only the difference (totalvalue and the quantities that changed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from integrations.activate import mapping
from integrations.activate.client import (
    DEFAULT_BASE_URL,
    PRODUCTS_DELETE_PATH,
    PRODUCTS_PATH,
    TIMEOUT,
    TRACK_PATH,
    ActivateClient,
)
from integrations.activate.errors import ActivateAuthRefused, ActivateError, ActivateRejected, ActivateRetryable
from integrations.delivery.errors import DeliveryAuthRefused, DeliveryRejected, DeliveryRetryable
from integrations.delivery.models import Destination
from integrations.delivery.registry import DestinationSpec, Mapped, Outgoing, Sent, Skipped
from integrations.locality import connection_zone
from integrations.models import Contact, Order, Product

EVENTS, PRODUCTS, PRODUCTS_DELETE = "events", "products", "products_delete"
EVENTS_PER_REQUEST = 100
UNCHANGED = "Nothing changed that Activate counts"
_CHANNELS = {
    EVENTS: ("POST", TRACK_PATH),
    PRODUCTS: ("POST", PRODUCTS_PATH),
    PRODUCTS_DELETE: ("DELETE", PRODUCTS_DELETE_PATH),
}


def activate_client(destination: Destination) -> ActivateClient:
    settings = destination.activate
    return ActivateClient(
        account_id=settings.account_id,
        api_key=settings.api_key,
        base_url=settings.base_url or DEFAULT_BASE_URL,
        events_per_request=EVENTS_PER_REQUEST,
        timeout=TIMEOUT,
    )


def export_settings(destination: Destination) -> mapping.ExportSettings:
    return mapping.ExportSettings(currency=destination.currency, language=destination.language)


def _today(connection) -> dt.date:
    return timezone.localdate(timezone=connection_zone(connection))


def _mapped(result: dict[str, Any] | list[dict[str, Any]] | mapping.Filtered, channel: str, **summary) -> Mapped:
    if isinstance(result, mapping.Filtered):
        return Skipped(result.reason)
    bodies = tuple(result) if isinstance(result, list) else (result,)
    return Outgoing(channel, bodies, summary)


# --- the mapping hooks -----------------------------------------------------------------------
def profile_outgoing(destination: Destination, contact: Contact) -> Mapped:
    """A CRMUpdate with the profile fields, and an EmailOptIn when the store knows consent."""
    today = _today(contact.connection)
    update = mapping.contact_update_event(contact, today=today)
    if isinstance(update, mapping.Filtered):
        return Skipped(update.reason)
    consent = mapping.consent_event(contact, today=today)
    return _mapped([update] if isinstance(consent, mapping.Filtered) else [update, consent], EVENTS)


def purchase_outgoing(destination: Destination, order: Order, delivered: dict[str, Any]) -> Mapped:
    event = mapping.order_event(order, settings=export_settings(destination), today=_today(order.connection))
    if isinstance(event, mapping.Filtered):
        return Skipped(event.reason)
    if event["event"] != mapping.PURCHASE:  # the cancellation: no revenue moves
        return Outgoing(EVENTS, (event,), delivered)
    summary = purchase_summary(event)
    if destination.repeated_orders == Destination.RepeatedOrders.ADD and delivered:
        difference = purchase_difference(event, summary=summary, delivered=delivered)
        return Outgoing(EVENTS, (difference,) if difference else (), summary)
    return Outgoing(EVENTS, (event,), summary)


def purchase_summary(event: dict[str, Any]) -> dict[str, Any]:
    """What Activate then holds of the order: its revenue and each product's quantity."""
    quantities: dict[str, float] = {}
    for product in event["products"]:
        quantities[product["id"]] = quantities.get(product["id"], 0) + float(product["quantity"])
    return {"totalvalue": float(event["totalvalue"]), "quantities": quantities}


def purchase_difference(event: dict[str, Any], *, summary: dict, delivered: dict) -> dict[str, Any] | None:
    """Where Activate adds a repeated orderid up: only what changed, so the sum is the order.
    None when nothing it counts changed (the booking's other facts ride on the next change)."""
    total = round(summary["totalvalue"] - float(delivered.get("totalvalue") or 0), 2)
    before = delivered.get("quantities") or {}
    products = []
    for product in event["products"]:
        change = summary["quantities"].get(product["id"], 0) - float(before.get(product["id"], 0))
        if change and product["id"] not in {p["id"] for p in products}:
            products.append({**product, "quantity": change})
    for product_id, quantity in before.items():
        if product_id not in summary["quantities"]:
            products.append({"id": product_id, "quantity": -float(quantity), "price": 0})
    if not total and not products:
        return None
    if not products:  # Activate needs a product on a Purchase: the first, quantity unchanged
        products = [{**event["products"][0], "quantity": 0}]
    return {**event, "totalvalue": total, "products": products}


def product_outgoing(destination: Destination, product: Product) -> Mapped:
    settings = export_settings(destination)
    if not product.active:
        return Outgoing(PRODUCTS_DELETE, (mapping.product_removal(product, settings=settings),))
    return Outgoing(PRODUCTS, (mapping.product_payload(product, settings=settings),))


# --- sending ---------------------------------------------------------------------------------
def activate_send(client: ActivateClient, channel: str, bodies: Sequence[dict[str, Any]]) -> Sent:
    """One request of the channel; Activate's errors as the core's."""
    method, path = _CHANNELS[channel]
    try:
        if channel == EVENTS:
            client.events_track(bodies)
            return Sent(method, f"/{path}", 200)
        if channel == PRODUCTS:
            result = client.products_upsert(bodies)
            text = f'{{"created": {result.created}, "updated": {result.updated}, "errors": {list(result.errors)}}}'
            return Sent(method, f"/{path}", 200, text)
        client.products_delete(bodies)
        return Sent(method, f"/{path}", 200)
    except ActivateError as error:
        raise _delivery_error(error, method=method, path=f"/{path}") from error


def _delivery_error(error: ActivateError, *, method: str, path: str):
    details = {"status": error.status, "message": error.activate_message, "method": method, "path": path}
    details["body"] = error.activate_message
    if isinstance(error, ActivateAuthRefused):
        return DeliveryAuthRefused(str(error), **details)
    if isinstance(error, ActivateRetryable):
        return DeliveryRetryable(str(error), retry_after=error.retry_after, **details)
    if isinstance(error, ActivateRejected):
        return DeliveryRejected(str(error), **details)
    return DeliveryRetryable(str(error), **details)


def activate_credentials_check(destination: Destination) -> None:
    client = activate_client(destination)
    try:
        client.credentials_check()
    except ActivateError as error:
        raise _delivery_error(error, method="GET", path="/v1/contacts") from error
    finally:
        client.close()


ACTIVATE = DestinationSpec(
    type="activate",
    label="Spotler Activate",
    description="Profiles, purchases and products for segments and journeys in Spotler Activate",
    client=activate_client,
    profile=profile_outgoing,
    purchase=purchase_outgoing,
    product=product_outgoing,
    send=activate_send,
    credentials_check=activate_credentials_check,
    # Events: our choice (no limit is documented); products: 150, as Squeezely's plugin sends.
    batch_sizes={EVENTS: EVENTS_PER_REQUEST, PRODUCTS: 150, PRODUCTS_DELETE: 150},
)
