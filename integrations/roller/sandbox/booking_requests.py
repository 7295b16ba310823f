"""Parsing the bodies of POST /bookings and PUT /bookings/{id} (create-a-booking,
update-a-booking), collecting ASP.NET-style validation errors."""

from __future__ import annotations

from typing import Any

from .services import ItemRequest
from .state import Store
from .validation import TIME_24H, Errors, date, email, integer, number, text

PAYMENT_TYPES = ("CreditCard", "CreditCardPreAuth", "Cash", "Cheque", "BankTransfer", "Other")


def parse_customer(errors: Errors, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        errors.add("customer", "The customer field is required.")
        return {}
    fields = {
        "first_name": text(errors, raw, "firstName", required=True, max_length=32, prefix="customer."),
        "last_name": text(errors, raw, "lastName", required=True, max_length=32, prefix="customer."),
        "email": text(errors, raw, "email", max_length=256, prefix="customer."),
        "phone": text(errors, raw, "phone", max_length=20, prefix="customer."),
        "gender": raw.get("gender"),
        "accept_marketing": raw.get("acceptMarketing"),
        "accept_marketing_sms": raw.get("acceptMarketingSms"),
    }
    email(errors, fields["email"], "customer.email")
    if not fields["email"] and not fields["phone"]:
        errors.add("customer.email", "Either email or phone is required.")
    return fields


def parse_metadata(errors: Errors, raw: Any, *, allow_null: bool) -> dict[str, Any] | None:
    if raw is None:
        return None
    ok = (
        isinstance(raw, dict)
        and len(raw) <= 20
        and all(
            isinstance(k, str)
            and len(k) <= 40
            and ((isinstance(v, str) and len(v) <= 500) or (allow_null and v is None))
            for k, v in raw.items()
        )
    )
    if not ok:
        errors.add("metadata", "Up to 20 string entries; keys at most 40 and values 500 characters.")
        return None
    return dict(raw)


def parse_payments(errors: Errors, raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.add("payments", "The payments field must be an array.")
        return []
    for index, payment in enumerate(raw):
        if not isinstance(payment, dict) or not isinstance(payment.get("id"), str):
            errors.add(f"payments[{index}].id", "The id field is required.")
        elif payment.get("paymentType") not in PAYMENT_TYPES:
            errors.add(f"payments[{index}].paymentType", f"Must be one of {', '.join(PAYMENT_TYPES)}.")
        elif number(errors, payment.get("amount"), f"payments[{index}].amount") is None:
            errors.add(f"payments[{index}].amount", "The amount field is required.")
    return raw


def parse_items(store: Store, errors: Errors, raw: Any, field: str, *, required: bool) -> list[ItemRequest]:
    if raw is None and not required:
        return []
    if not isinstance(raw, list) or (required and not raw):
        errors.add(field, f"The {field} field is required.")
        return []
    items = []
    for index, entry in enumerate(raw):
        prefix = f"{field}[{index}]"
        if not isinstance(entry, dict):
            errors.add(prefix, "Must be an object.")
            continue
        product_id = integer(errors, entry.get("productId"), f"{prefix}.productId")
        quantity = integer(errors, entry.get("quantity"), f"{prefix}.quantity", minimum=1)
        booking_date = date(errors, entry.get("bookingDate"), f"{prefix}.bookingDate")
        start = entry.get("startTime")
        if start is not None and not (isinstance(start, str) and TIME_24H.match(start)):
            errors.add(f"{prefix}.startTime", "Use a 24-hour HH:mm time.")
        price = number(errors, entry.get("priceOverride"), f"{prefix}.priceOverride")
        variation = store.variations.get(product_id) if product_id is not None else None
        if product_id is not None and variation is None:
            errors.add(f"{prefix}.productId", f"Product {product_id} was not found.")
        tickets = entry.get("tickets") or []
        if variation and quantity and tickets:
            expected = quantity * variation.group_size
            if not isinstance(tickets, list) or len(tickets) != expected:
                errors.add(f"{prefix}.tickets", f"The number of tickets must be {expected}.")
        if variation and quantity and booking_date:
            items.append(ItemRequest(variation.id, quantity, booking_date, start, price, list(tickets)))
    return items
