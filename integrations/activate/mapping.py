"""The store's rows as Activate payloads: pure functions, no I/O (docs/activate-facts.md).

Activate has no profile endpoint: profile fields ride on events and overwrite the profile
(activate-api.md a2). So a contact change is a `CRMUpdate` and a consent change an
`EmailOptIn`, as Squeezely's Magento plugin sends them; an order is a `Purchase`, or a
`BookingCancelled` once cancelled. Every builder answers a payload or `Filtered(reason)`.
Read the rows through `integrations.activate.selectors`: then the mapping queries nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from integrations.activate.countries import country_alpha2
from integrations.locality import connection_zone
from integrations.minors import is_minor
from integrations.models import Contact, Order, Product

NEEDS_EMAIL = "Activate needs an email"
MINOR = "Younger than the connection's minimum age: never sent"
CONSENT_UNKNOWN = "The store does not know this guest's consent: unknown consent is never sent"
NO_LINES = "Activate needs at least one product on a Purchase"

CRM_UPDATE, EMAIL_OPT_IN, PURCHASE = "CRMUpdate", "EmailOptIn", "Purchase"
# Our custom event for a cancelled booking (custom back-end events need `event` and `email`,
# help centre "custom event"); its name is ours, documented in docs/activate-facts.md.
BOOKING_CANCELLED = "BookingCancelled"
CANCELLED = "cancelled"
_CANCELLED_STATUSES = {"cancelled", "canceled"}

# Activate has `newsletter`, `service` and `marketing` consent but no SMS one: SMS consent
# goes as this custom field, created in Activate first like the others.
SMS_CONSENT_FIELD = "custom_sms_consent"


@dataclass(frozen=True)
class CustomField:
    name: str
    kind: str
    meaning: str


# To create in Activate (Settings → Custom fields) before anything is sent: Activate takes
# only custom_<name> fields that exist (help centre "custom event"; the old wiki).
CUSTOM_FIELDS = (
    CustomField("custom_visit_date", "date", "The day the booking is for (YYYY-MM-DD)"),
    CustomField("custom_channel", "text", "Where it was booked: online, onsite or other"),
    CustomField("custom_status", "text", "The booking's status, e.g. paid, or cancelled"),
    CustomField("custom_venue", "text", "The venue (the connection's name)"),
    CustomField(SMS_CONSENT_FIELD, "text", "SMS consent: yes or no, sent only when known"),
)


@dataclass(frozen=True)
class Filtered:
    reason: str


@dataclass(frozen=True)
class ExportSettings:
    """What the destination decides: the fallback currency and the catalogue's language."""

    currency: str = ""
    language: str = ""  # a locale such as nl_NL, sent with products (one catalogue per language)


def custom_field_names() -> list[str]:
    return [field.name for field in CUSTOM_FIELDS]


def catalogue_id(product: Product) -> str:
    """The product's id in Activate, the same in the catalogue and on purchases. Prefixed with
    the connection so two venues' product ids never meet in one Activate account."""
    return f"{product.connection_id}-{product.external_id}"


# --- profiles ------------------------------------------------------------------------------
def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def gender_code(value: str) -> str:
    """Activate takes M, F or U (activate-api.md a2); "" when the store holds none."""
    cleaned = value.strip().casefold()
    if not cleaned:
        return ""
    return {"male": "M", "m": "M", "female": "F", "f": "F"}.get(cleaned, "U")


def consent_fields(contact: Contact) -> dict[str, str]:
    """Only what the store knows: "do not send this field if unknown" (help centre, fields)."""
    fields = {}
    if contact.email_consent is not None:
        fields["newsletter"] = _yes_no(contact.email_consent)
    if contact.sms_consent is not None:
        fields[SMS_CONSENT_FIELD] = _yes_no(contact.sms_consent)
    return fields


def profile_fields(contact: Contact) -> dict[str, str]:
    """Activate's profile fields from a contact; empty values are left out, never blanked."""
    fields = {
        "email": contact.email.strip().lower(),
        "firstname": contact.first_name,
        "lastname": contact.last_name,
        "phone": contact.phone,
        "postcode": contact.postcode,
        "city": contact.city,
        "country": country_alpha2(contact.country),
        "birthdate": contact.date_of_birth.isoformat() if contact.date_of_birth else "",
        "gender": gender_code(contact.gender),
    }
    return {name: value for name, value in fields.items() if value} | consent_fields(contact)


def contact_refusal(contact: Contact, *, today: dt.date) -> Filtered | None:
    """Why this contact is not sent, if it is not. Minors are not in the store, but the
    export checks again: a date of birth may have been corrected since."""
    if not contact.email.strip():
        return Filtered(NEEDS_EMAIL)
    if is_minor(contact.date_of_birth, contact.connection.minimum_age, today):
        return Filtered(MINOR)
    return None


def contact_update_event(contact: Contact, *, today: dt.date) -> dict[str, Any] | Filtered:
    return contact_refusal(contact, today=today) or {"event": CRM_UPDATE, **profile_fields(contact)}


def consent_event(contact: Contact, *, today: dt.date) -> dict[str, Any] | Filtered:
    refused = contact_refusal(contact, today=today)
    if refused:
        return refused
    consent = consent_fields(contact)
    if not consent:
        return Filtered(CONSENT_UNKNOWN)
    return {"event": EMAIL_OPT_IN, "email": contact.email.strip().lower(), **consent}


# --- orders --------------------------------------------------------------------------------
def is_cancelled(order: Order) -> bool:
    return order.status.strip().casefold() in _CANCELLED_STATUSES


def _local_time(order: Order, at: dt.datetime) -> str:
    """With its offset: Activate reads a time without one as CET (activate-api.md a2)."""
    return at.astimezone(connection_zone(order.connection)).isoformat(timespec="seconds")


def booking_fields(order: Order) -> dict[str, str]:
    fields = {
        "custom_visit_date": order.visit_date.isoformat() if order.visit_date else "",
        "custom_channel": order.channel,
        "custom_status": CANCELLED if is_cancelled(order) else order.status.strip().casefold(),
        "custom_venue": order.connection.name,
    }
    return {name: value for name, value in fields.items() if value}


def _money(value: Any) -> float:
    return round(float(value), 2)


def purchase_event(order: Order, *, settings: ExportSettings, today: dt.date) -> dict[str, Any] | Filtered:
    """One Purchase per order: orderid = the booking's id, so a changed booking sent again
    is the same purchase to Activate."""
    refused = contact_refusal(order.contact, today=today)
    if refused:
        return refused
    lines = list(order.lines.all())
    if not lines:
        return Filtered(NO_LINES)
    event: dict[str, Any] = {
        "event": PURCHASE,
        **profile_fields(order.contact),
        "orderid": order.external_id,
        "timestamp": _local_time(order, order.ordered_at or order.created_at),
        "totalvalue": _money(order.total),
        "products": [_purchase_product(line, settings=settings) for line in lines],
        **booking_fields(order),
    }
    currency = order.currency or settings.currency
    if currency:
        event["currency"] = currency
    return event


def _purchase_product(line: Any, *, settings: ExportSettings) -> dict[str, Any]:
    product = {
        "id": catalogue_id(line.product),
        "name": line.product.name,
        "price": _money(line.unit_price),
        "quantity": line.quantity,
    }
    if settings.language:
        product["language"] = settings.language
    return product


def cancellation_event(order: Order, *, today: dt.date) -> dict[str, Any] | Filtered:
    refused = contact_refusal(order.contact, today=today)
    if refused:
        return refused
    event = {"event": BOOKING_CANCELLED, "email": order.contact.email.strip().lower(), "orderid": order.external_id}
    if order.source_version:
        event["timestamp"] = _local_time(order, order.source_version)
    return event | booking_fields(order)


def order_event(order: Order, *, settings: ExportSettings, today: dt.date) -> dict[str, Any] | Filtered:
    """What an order change sends: its Purchase again, or the cancellation once cancelled."""
    if is_cancelled(order):
        return cancellation_event(order, today=today)
    return purchase_event(order, settings=settings, today=today)


# --- products ------------------------------------------------------------------------------
def product_payload(product: Product, *, settings: ExportSettings) -> dict[str, Any]:
    payload: dict[str, Any] = {"id": catalogue_id(product), "title": product.name, "availability": "in stock"}
    if product.price is not None:
        payload["price"] = _money(product.price)
        currency = product.connection.currency or settings.currency
        if currency:
            payload["currency"] = currency
    if settings.language:
        payload["language"] = settings.language
    if product.parent_id:
        payload["parent_id"] = catalogue_id(product.parent)
    if product.product_type:
        payload["type_id"] = product.product_type
    if product.category:
        payload["category_ids"] = [product.category]
    return payload


def products_payloads(products: Iterable[Product], *, settings: ExportSettings) -> list[dict[str, Any]]:
    """The active catalogue, parents before their variations."""
    active = [product for product in products if product.active]
    active.sort(key=lambda product: product.parent_id is not None)
    return [product_payload(product, settings=settings) for product in active]


def product_removal(product: Product, *, settings: ExportSettings) -> dict[str, str]:
    """An inactive product, for `DELETE /products`: id and language, as the plugin sends."""
    removal = {"id": catalogue_id(product)}
    if settings.language:
        removal["language"] = settings.language
    return removal
