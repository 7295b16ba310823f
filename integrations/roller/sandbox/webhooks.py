"""Webhook subscriptions: validating them, matching events to them, shaping payloads.

ROLLER sends only the optional booking blocks a subscription `include`s, and applies its
`filter` (sales channel, triggering app, product type/id/category) before sending.
Enum values in subscriptions are matched case-insensitively (docs/roller-facts.md, Payload shapes).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

SUBSCRIPTION_EVENTS = {
    "booking": ("Created", "Updated", "Cancelled"),
    "customer": ("Created", "Updated"),
    "signedWaiver": ("Created",),
    "redemption": ("Created",),
    "paymentLink": ("Created",),
    "bulkExport": ("Created",),
}
SUBSCRIPTION_OF_TYPE = {
    "Booking": "booking", "Customer": "customer", "SignedWaiver": "signedWaiver", "BulkExport": "bulkExport",
}  # fmt: skip
TYPE_IDS = {"Booking": 1, "Redemption": 3, "Customer": 4, "BulkExport": 5, "SignedWaiver": 7, "PaymentLink": 8}
EVENT_IDS = {"Created": 1, "Updated": 2, "Cancelled": 3, "Deleted": 4}
SALES_CHANNELS = (
    "VenueManager", "Doorlist", "Consumer", "Forms", "SelfServe", "DataImport",
    "RecurringPayment", "Api", "ChannelPartners",
)  # fmt: skip
EVENT_CHANNELS = (
    "VenueManager", "PointOfSale", "Checkout", "SelfServeKiosk", "Api", "ChannelPartners",
    "DataImport", "System",
)  # fmt: skip
PRODUCT_TYPES = (
    "Pass", "SessionPass", "AddOn", "Stock", "Package", "GiftCard", "Wallet", "Membership",
    "CashlessCard", "RecurringSession", "PartyPackage",
)  # fmt: skip
BOOKING_INCLUDES = (
    "externalId", "tickets", "membershipDetail", "locations", "customerFlags", "payments",
    "metadata",
)  # fmt: skip


@dataclass
class Event:
    """One state change, with the payload snapshot taken when it happened."""

    type: str  # Booking | Customer | SignedWaiver | BulkExport
    event_type: str  # Created | Updated | Cancelled
    date: float
    data: Any
    event_channel: str = "System"
    sales_channel: str | None = None
    product_ids: frozenset[int] = field(default_factory=frozenset)
    product_types: frozenset[str] = field(default_factory=frozenset)
    categories: frozenset[str] = field(default_factory=frozenset)


def _canonical(value: Any, allowed: tuple[str, ...]) -> str | None:
    if not isinstance(value, str):
        return None
    for option in allowed:
        if option.lower() == value.strip().lower():
            return option
    return None


def validate_configuration(body: Any, *, require_https: bool) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check a CreateWebhookConfiguration body; return (normalised copy, errors)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(body, dict):
        return {}, {"": ["A JSON object is required."]}
    url, enabled, auth = body.get("url"), body.get("enabled"), body.get("authentication")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        errors["url"] = ["The url field is required and must be an absolute URL."]
    elif require_https and not url.startswith("https://"):
        errors["url"] = ["The url must use HTTPS."]
    if not isinstance(enabled, bool):
        errors["enabled"] = ["The enabled field is required."]
    if not isinstance(auth, dict) or not isinstance(auth.get("apiKey"), str) or not auth["apiKey"]:
        errors["authentication.apiKey"] = ["The apiKey field is required."]
    hooks = body.get("webhooks") or {}
    normalised_hooks: dict[str, Any] = {}
    if not isinstance(hooks, dict):
        errors["webhooks"] = ["Must be an object."]
        hooks = {}
    for name, sub in hooks.items():
        if name not in SUBSCRIPTION_EVENTS:
            errors[f"webhooks.{name}"] = ["Unknown webhook type."]
            continue
        normalised_hooks[name] = _validate_subscription(name, sub, errors)
    if not any(sub.get("events") for sub in normalised_hooks.values()) and "webhooks" not in errors:
        errors["webhooks"] = ["At least one webhook type needs events."]
    config = {
        "url": url,
        "enabled": enabled,
        "authentication": {"apiKey": auth.get("apiKey")} if isinstance(auth, dict) else {},
        "webhooks": normalised_hooks,
    }
    return config, errors


def _validate_subscription(name: str, sub: Any, errors: dict[str, list[str]]) -> dict[str, Any]:
    if not isinstance(sub, dict):
        errors[f"webhooks.{name}"] = ["Must be an object."]
        return {}
    result = copy.deepcopy(sub)
    events = sub.get("events")
    if not isinstance(events, list):
        errors[f"webhooks.{name}.events"] = ["The events field is required."]
        return result
    canonical = [_canonical(e, SUBSCRIPTION_EVENTS[name]) for e in events]
    if None in canonical:
        allowed = ", ".join(SUBSCRIPTION_EVENTS[name])
        errors[f"webhooks.{name}.events"] = [f"Events must be among: {allowed}."]
    result["events"] = [e for e in canonical if e]
    filters = sub.get("filter")
    if isinstance(filters, dict):
        for key, allowed in (
            ("channels", SALES_CHANNELS),
            ("eventChannels", EVENT_CHANNELS),
            ("productTypes", PRODUCT_TYPES),
        ):
            values = filters.get(key)
            if values is None:
                continue
            if not isinstance(values, list) or any(_canonical(v, allowed) is None for v in values):
                errors[f"webhooks.{name}.filter.{key}"] = [f"Values must be among: {', '.join(allowed)}."]
        ids = filters.get("productIds")
        if ids is not None and (
            not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
        ):
            errors[f"webhooks.{name}.filter.productIds"] = ["Must be a list of integers."]
    return result


def matches(configuration: dict[str, Any], event: Event) -> bool:
    if not configuration.get("enabled"):
        return False
    sub = configuration.get("webhooks", {}).get(SUBSCRIPTION_OF_TYPE.get(event.type, ""))
    if not sub or event.event_type not in sub.get("events", ()):
        return False
    filters = sub.get("filter") or {}
    if event.type != "Booking" or not filters:
        return True
    return _booking_filter_passes(filters, event)


def _booking_filter_passes(filters: dict[str, Any], event: Event) -> bool:
    def lowered(values: Any) -> set[str]:
        return {str(v).lower() for v in values or ()}

    if filters.get("channels") and (event.sales_channel or "").lower() not in lowered(filters["channels"]):
        return False
    if filters.get("eventChannels") and event.event_channel.lower() not in lowered(filters["eventChannels"]):
        return False
    if filters.get("productTypes") and not lowered(filters["productTypes"]) & lowered(event.product_types):
        return False
    if filters.get("productIds") and not set(filters["productIds"]) & set(event.product_ids):
        return False
    category = filters.get("productCategory")
    return not category or category.lower() in lowered(event.categories)


def shape_booking(detail: dict[str, Any], include: dict[str, Any] | None) -> dict[str, Any]:
    """Drop the optional BookingDetail blocks the subscription did not `include`."""
    include = include or {}
    body = copy.deepcopy(detail)
    if not include.get("externalId"):
        body.pop("externalId", None)
    if not include.get("payments"):
        body.pop("payments", None)
    if not include.get("metadata"):
        body.pop("metadata", None)
    if not include.get("customerFlags"):
        body.pop("customerFlags", None)
    for item in body.get("items", ()):
        if not include.get("tickets"):
            item.pop("tickets", None)
            continue
        for ticket in item.get("tickets", ()):
            if not include.get("locations"):
                ticket.pop("locations", None)
            if not include.get("membershipDetail"):
                ticket.pop("membershipStatus", None)
    return body


def payload_for(configuration: dict[str, Any], event: Event, *, booking_wrapper: str) -> Any:
    sub = configuration.get("webhooks", {}).get(SUBSCRIPTION_OF_TYPE[event.type], {})
    if event.type == "Booking":
        data = shape_booking(event.data, sub.get("include"))
        return {"booking": data} if booking_wrapper == "booking" else data
    if event.type == "Customer":
        data = copy.deepcopy(event.data)
        if not (sub.get("include") or {}).get("flags"):
            data.pop("flags", None)
        return data
    return copy.deepcopy(event.data)
