"""Records -> REST JSON, shaped after ROLLER's OpenAPI models.

Ids are integers here (customerId, productId, bookingItemId), except bookingReference (a
numeric string) and the product catalogue's ids (strings) — the same asymmetry as ROLLER.
A field the model types as a plain string or integer is left out when we have no value,
rather than sent as null, so responses validate against the published schemas.
"""

from __future__ import annotations

from typing import Any

from . import clock
from .entities import (
    Address,
    Booking,
    BookingItem,
    Flag,
    Guest,
    ParentProduct,
    SignedWaiver,
    Variation,
)
from .state import Store

ARENA_RESOURCE_ID = 2334


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        target[key] = value


def address(value: Address | None) -> dict[str, str] | None:
    if value is None:
        return None
    return {
        "street": value.street,
        "suburb": value.suburb,
        "city": value.city,
        "state": value.state,
        "postcode": value.postcode,
        "country": value.country,
    }


def flag(value: Flag) -> dict[str, Any]:
    return {"type": value.type, "comment": value.comment, "expiryDate": value.expiry_date}


def guest(record: Guest) -> dict[str, Any]:
    """GET /guests/{id}: the Guest model, which has no id field of its own."""
    body: dict[str, Any] = {
        "firstName": record.first_name,
        "lastName": record.last_name,
        "email": record.email,
        "phone": record.phone,
        "dateOfBirth": record.date_of_birth,
        "acceptMarketing": record.accept_marketing,
        "acceptMarketingSms": record.accept_marketing_sms,
        "address": address(record.address),
        "flags": [flag(f) for f in record.flags or ()],
    }
    _put(body, "gender", record.gender)
    _put(body, "taxIdentificationNumber", record.tax_id)
    return body


def customer_detail(record: Guest, *, include_flags: bool = True) -> dict[str, Any]:
    """The deprecated CustomerDetail: GET /customers/{id} and the guest webhook payload."""
    body: dict[str, Any] = {
        "customerId": record.id,
        "firstName": record.first_name,
        "lastName": record.last_name,
        "acceptMarketing": record.accept_marketing,
        # Not in the CustomerDetail model yet; newer payloads carry it (docs/roller-facts.md, Payload shapes).
        "acceptMarketingSms": record.accept_marketing_sms,
    }
    _put(body, "email", record.email)
    _put(body, "phone", record.phone)
    _put(body, "dateOfBirth", record.date_of_birth)
    _put(body, "gender", record.gender)
    _put(body, "address", address(record.address))
    if include_flags:
        body["flags"] = [
            {"type": f.type, "comment": f.comment, **({"expiryDate": f.expiry_date} if f.expiry_date else {})}
            for f in record.flags or ()
        ]
    return body


def signed_waiver(record: SignedWaiver) -> dict[str, Any]:
    body: dict[str, Any] = {
        "signedWaiverId": record.id,
        "parentSignedWaiverId": record.parent_id,
        "waiverId": record.waiver_id,
        "firstName": record.first_name,
        "lastName": record.last_name,
        "guestId": record.guest_id,
        "isForMinor": record.is_minor,
        "isValid": True,
        "expiryDate": clock.iso_utc_7(record.expiry),
        "createdDate": clock.iso_utc_7(record.created),
    }
    if not record.is_minor:
        del body["parentSignedWaiverId"]
        # ROLLER never returns contact details on a minor's waiver.
        _put(body, "email", record.email)
        _put(body, "contactNumber", record.phone)
    _put(body, "dateOfBirth", record.date_of_birth)
    return body


def _ticket(store: Store, booking: Booking, item: BookingItem, index: int) -> dict[str, Any]:
    link = item.tickets.get(index) if item.tickets else None
    body: dict[str, Any] = {
        "ticketId": item.ticket_id(booking.reference, index),
        "customTicketId": (link.custom_id if link else None) or "",
        "locations": [ARENA_RESOURCE_ID],
    }
    if link is not None:
        _put(body, "ticketHolderName", link.holder_name)
        _put(body, "name", link.holder_name)  # deprecated twin of ticketHolderName
        _put(body, "customerId", link.customer_id)
        _put(body, "signedWaiverId", link.signed_waiver_id)
    parent = store.parent_of(item.product_id)
    if parent is not None and parent.rest_type == "membership":
        body["membershipStatus"] = "Current"
    return body


def booking_item(store: Store, booking: Booking, item: BookingItem) -> dict[str, Any]:
    body: dict[str, Any] = {
        "bookingItemId": item.id,
        "productId": item.product_id,
        "quantity": item.quantity,
        "bookingDate": item.booking_date,
        "bookingEndDate": item.end_date,
        "cost": item.cost,
        "discount": item.discount,
        "modifiers": [],
        "tickets": [_ticket(store, booking, item, i) for i in range(item.ticket_count)],
    }
    _put(body, "sessionStartTime", item.session_start)
    _put(body, "sessionEndTime", item.session_end)
    return body


def booking_detail(store: Store, booking: Booking) -> dict[str, Any]:
    """The full BookingDetail with every optional block, customerFlags included.

    GET /bookings/{id} drops customerFlags; webhooks drop what the subscription's `include`
    does not ask for (see webhooks.shape_booking).
    """
    body: dict[str, Any] = {
        "bookingReference": str(booking.reference),
        "uniqueId": booking.unique_id,
        "createdDate": clock.iso_offset_7(booking.created),
        "channel": booking.channel,
        "source": booking.channel,  # deprecated twin of channel
        "status": booking.status,
        "name": booking.name,
        "comments": booking.comments,
        "posNotes": booking.pos_notes,
        "total": booking.total,
        "remainder": 0.0 if booking.status == "Cancelled" else max(round(booking.total - booking.paid, 2), 0.0),
        "fees": booking.fees,
        "discount": booking.discount,
        "items": [booking_item(store, booking, item) for item in booking.items],
        "payments": [
            {
                "bookingPaymentId": p.id,
                "transactionId": p.transaction_id,
                "paymentMethod": p.method,
                "total": p.total,
                "tip": p.tip,
                "createdDate": clock.iso_utc_7(p.created),
            }
            for p in booking.payments
        ],
    }
    _put(body, "externalId", booking.external_id)
    _put(body, "customerId", booking.customer_id)
    _put(body, "deviceId", booking.device_id)
    if booking.metadata:
        body["metadata"] = dict(booking.metadata)
    holder = store.guests.get(booking.customer_id) if booking.customer_id else None
    body["customerFlags"] = [flag(f) for f in (holder.flags or ())] if holder else []
    return body


SEARCH_STATUS = {"Paid": "PaidFull", "PartiallyPaid": "PaidPart"}


def booking_basic(store: Store, booking: Booking) -> dict[str, Any]:
    """A GET /bookings search row, which speaks PaidFull/PaidPart instead of Paid."""
    body: dict[str, Any] = {
        "bookingReference": str(booking.reference),
        "uniqueId": booking.unique_id,
        "createdDate": clock.iso_offset_7(booking.created),
        "status": SEARCH_STATUS.get(booking.status, booking.status),
        "name": booking.name,
        "total": booking.total,
        "items": [
            {
                "productId": item.product_id,
                "quantity": item.quantity,
                "bookingDate": item.booking_date,
                **({"startTime": item.session_start} if item.session_start else {}),
            }
            for item in booking.items
        ],
    }
    _put(body, "customerId", booking.customer_id)
    holder = store.guests.get(booking.customer_id) if booking.customer_id else None
    body["customerFlags"] = [flag(f) for f in (holder.flags or ())] if holder else []
    return body


def sale_product(parent: ParentProduct, variation: Variation) -> dict[str, Any]:
    return {
        "id": str(variation.id),
        "name": variation.name,
        "description": parent.short_description,
        "productCategoryIds": [parent.category_id],
        "price": variation.price,
        "cost": variation.price,  # deprecated twin of price
        "costOfGoods": None,
        "tax": variation.tax_percent,
        "taxId": variation.tax_id,
        "fee": None,
        "groupSize": variation.group_size,
        "isTaxInclusive": True,
        "minPurchase": 1,
        "maxPurchase": variation.max_purchase,
        "isSuspended": variation.is_suspended,
        "barcodeId": variation.barcode,
        "locations": [],
        "locationTimes": [],
        "packageItems": [],
    }


def product_parent(parent: ParentProduct) -> dict[str, Any]:
    body: dict[str, Any] = {
        "parentProductId": str(parent.id),
        "parentProductName": parent.name,
        "id": str(parent.id),  # deprecated twins of parentProductId / parentProductName
        "name": parent.name,
        "type": parent.rest_type,
        "shortDescription": parent.short_description,
        "description": parent.short_description,
        "imageUrl": f"https://cdn.example.com/products/{parent.id}.jpg",
        "addOns": [str(i) for i in parent.add_on_ids],
        "minPurchase": 1,
        "isWaiverRequired": parent.data_type == "Pass",
        "captureTicketHolderName": parent.data_type == "Pass",
        "duration": parent.duration_minutes,
        "products": [sale_product(parent, v) for v in parent.variations],
    }
    if parent.stock_type:
        body["stockProductType"] = parent.stock_type
    if parent.duration_minutes:
        body["durationType"] = "PerSession"
    return body
