"""`POST /v1/track`: checking events, then applying them to the held state.

A request is all or nothing: any bad event refuses the whole request with one message per
bad event in `errors`, so a client that halves a refused batch finds the bad one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .config import SandboxConfig
from .timestamps import timestamp_read

# Profile fields overwrite the profile; everything else is an event field (activate-api.md a2).
PROFILE_FIELDS = ("email", "firstname", "lastname", "city", "gender", "birthdate", "phone", "postcode", "country")
CONSENT_FIELDS = ("newsletter", "service", "marketing")
GENDERS = {"M", "F", "U", "male", "female", "unknown"}


def events_of(body: Any) -> list[Any] | None:
    """A bare event (Squeezely's Magento plugin) or {"events": [...]} (the GTM tag)."""
    if isinstance(body, dict) and "events" in body and "event" not in body:
        events = body["events"]
        return events if isinstance(events, list) else None
    if isinstance(body, dict):
        return [body]
    return None


def event_problems(event: Any, *, config: SandboxConfig) -> list[str]:
    if not isinstance(event, dict):
        return ["an event must be an object"]
    name = event.get("event")
    if not isinstance(name, str) or not name.strip():
        return ["event is required"]
    problems = []
    if name == "Purchase":
        problems += _purchase_problems(event)
    elif not event.get("email") and not event.get("userid"):  # "email or userid" (old NL wiki)
        problems.append(f"{name}: email is required")
    for consent in CONSENT_FIELDS:
        if consent in event and event[consent] not in ("yes", "no"):
            problems.append(f"{consent} must be yes or no")
    if "gender" in event and event["gender"] not in GENDERS:
        problems.append("gender must be M, F or U")
    if config.custom_fields is not None:
        problems += [
            f"custom field {key} does not exist: create it in Activate first"
            for key in event
            if key.startswith("custom_") and key not in config.custom_fields
        ]
    return problems


def _purchase_problems(event: dict[str, Any]) -> list[str]:
    """event, email, orderid and products[{id, quantity}] (help centre, back-end purchase)."""
    problems = [] if event.get("email") else ["Purchase: email is required"]
    if not event.get("orderid"):
        problems.append("Purchase: orderid is required")
    products = event.get("products")
    if not isinstance(products, list) or not products:
        return [*problems, "Purchase: products is required"]
    for index, product in enumerate(products):
        if not isinstance(product, dict) or not product.get("id") or product.get("quantity") in (None, ""):
            problems.append(f"Purchase: products[{index}] needs id and quantity")
    return problems


def revenue_of(event: dict[str, Any]) -> float:
    """`totalvalue` overrides Σ price × quantity (activate-api.md a2, W-p)."""
    if event.get("totalvalue") not in (None, ""):
        return round(float(event["totalvalue"]), 2)
    return round(sum(float(p.get("price") or 0) * float(p.get("quantity") or 0) for p in event["products"]), 2)


def event_received(event: dict[str, Any], *, config: SandboxConfig, now: dt.datetime) -> dict[str, Any]:
    """The event as held: its time read as Activate reads it. Raises TimestampError."""
    read = timestamp_read(event.get("timestamp"), naive_zone=config.naive_time_zone, now=now)
    return {**event, "_received_at": now.isoformat(), "_at": read.at.isoformat(), "_timestamp_read_as": read.read_as}
