"""Records -> Reporting (Data) API rows, after reporting-api.yaml.

Every id is a string here, unlike the REST API (docs/roller-facts.md, Reporting API). Dates are UTC with `Z`
unless the client asked for venue offsets with `TimeZone-Designators: offset`.
"""

from __future__ import annotations

from typing import Any

from . import clock
from .entities import (
    Booking,
    BookingItem,
    BookingSignedWaiver,
    Guest,
    ParentProduct,
    SignedWaiver,
    Variation,
    Waiver,
)
from .state import Store


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        target[key] = value


def customer(record: Guest, *, offset: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "customerId": str(record.id),
        "firstName": record.first_name,
        "lastName": record.last_name,
        "acceptMarketing": record.accept_marketing,
        "acceptMarketingSms": record.accept_marketing_sms,
        "createdDate": clock.iso_data(record.created, venue_offset=offset),
        "modifiedDate": clock.iso_data(record.modified, venue_offset=offset),
        "flags": [
            {
                "type": f.type.lower(),  # the Data API writes flag types in lower case
                "comment": f.comment,
                **({"expiryDate": f.expiry_date} if f.expiry_date else {}),
            }
            for f in record.flags or ()
        ],
    }
    _put(row, "email", record.email)
    _put(row, "contactNumber", record.phone)
    _put(row, "dateOfBirth", record.date_of_birth)
    _put(row, "gender", record.gender)
    _put(row, "taxIdentificationNumber", record.tax_id)
    if record.address is not None:
        a = record.address
        row["postcode"] = a.postcode
        row["country"] = a.country
        row["address"] = {
            "street": a.street,
            "suburb": a.suburb,
            "state": a.state,
            "postcode": a.postcode,
            "city": a.city,
            "country": a.country,
        }
    return row


def booking_item(
    store: Store, booking: Booking, item: BookingItem, *, offset: bool, total: float | None = None
) -> dict[str, Any]:
    """One row; `total` is the booking's, when the caller has it summed already."""
    variation = store.variations[item.product_id]
    row: dict[str, Any] = {
        "bookingReference": str(booking.reference),
        "bookingUniqueId": booking.unique_id,
        "bookingName": booking.name,
        "bookingItemId": str(item.id),
        "bookingStatus": booking.status,
        "bookingLocation": booking.location,
        "bookingDate": item.booking_date,
        "bookingEndDate": item.end_date,
        "bookingNotes": booking.comments,
        "bookingPosNotes": booking.pos_notes,
        "productId": str(item.product_id),
        "quantity": item.quantity,
        "groupSize": variation.group_size,
        "cost": item.cost,
        "discountAmount": item.discount,
        "bookingFeeAmount": booking.fees,
        # Repeated on every row of the booking: sum per bookingReference, not per row.
        "bookingTotal": booking.total if total is None else total,
        "createdDate": clock.iso_data(item.created, venue_offset=offset),
        "bookingCreatedDate": clock.iso_data(booking.created, venue_offset=offset),
        "bookingModifiedDate": clock.iso_data(booking.modified, venue_offset=offset),
        "meta": [],
        "bookingDiscountIds": [],
        "bookingDiscountCodes": [],
        "modifiers": [],
        "barcodeId": variation.barcode,
    }
    _put(row, "bookingCustomerId", _str(booking.customer_id))
    _put(row, "sessionStart", item.session_start)
    _put(row, "sessionEnd", item.session_end)
    _put(row, "deviceId", _str(booking.device_id))
    _put(row, "bookingCreatedByStaffId", _str(booking.staff_id))
    if booking.external_id:
        row["meta"].append({"attribute": "ExternalId", "value": booking.external_id})
    if booking.discount_code:
        discount_id, code = booking.discount_code
        row["bookingDiscountIds"] = [str(discount_id)]
        row["bookingDiscountCodes"] = [code]
        if item.discount:
            row["discounts"] = {
                "discountId": discount_id,
                "code": code,
                "amount": item.discount,
                "quantity": 1,
            }
    return row


def ticket(store: Store, booking: Booking, item: BookingItem, index: int, *, offset: bool) -> dict[str, Any]:
    """One Pass-type ticket (the only kind /data/tickets returns)."""
    parent = store.products[store.variations[item.product_id].parent_id]
    link = item.tickets.get(index) if item.tickets else None
    row: dict[str, Any] = {
        "bookingReference": str(booking.reference),
        "bookingItemId": str(item.id),
        "ticketId": item.ticket_id(booking.reference, index),
        "customTicketId": (link.custom_id if link else None) or "",
        "name": (link.holder_name if link else None) or "",
        "productId": str(item.product_id),
        "createdDate": clock.iso_data(item.created, venue_offset=offset),
        "bookingDate": item.booking_date,
        "expiryDate": item.end_date,
        "productType": parent.data_type,
        "productSubType": parent.data_sub_type,
    }
    _put(row, "customerId", _str(link.customer_id if link else None))
    if parent.rest_type == "membership":
        row["recurringPaymentFrequency"] = "Monthly"
    return row


def signed_waiver(record: SignedWaiver, *, offset: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "signedWaiverId": str(record.id),
        "waiverId": str(record.waiver_id),
        "firstName": record.first_name,
        "lastName": record.last_name,
        "customerId": str(record.guest_id),
        "isForMinor": record.is_minor,
        "isValid": True,
        "expiryDate": clock.iso_data(record.expiry, venue_offset=offset),
        "createdDate": clock.iso_data(record.created, venue_offset=offset),
        "modifiedDate": clock.iso_data(record.modified, venue_offset=offset),
    }
    _put(row, "dateOfBirth", record.date_of_birth)
    if record.is_minor:
        row["parentSignedWaiverId"] = str(record.parent_id)
    else:
        _put(row, "email", record.email)
        _put(row, "contactNumber", record.phone)
    return row


def booking_signed_waiver(record: BookingSignedWaiver, *, offset: bool) -> dict[str, Any]:
    return {
        "signedWaiverId": str(record.signed_waiver_id),
        "receiptNumber": str(record.booking_reference),
        "bookingReference": str(record.booking_reference),
        "ticketId": record.ticket_id,
        "createdDate": clock.iso_data(record.created, venue_offset=offset),
        "modifiedDate": clock.iso_data(record.modified, venue_offset=offset),
    }


def product_rows(parent: ParentProduct) -> list[dict[str, Any]]:
    """A parent and its variations, as the flat /data/products list has them.

    A parent row names itself as parentProductId (the docs do not say; our guess).
    """
    rows = [_product_row(parent, None)]
    rows += [_product_row(parent, v) for v in parent.variations]
    return rows


def _product_row(parent: ParentProduct, variation: Variation | None) -> dict[str, Any]:
    statuses = [v.status for v in parent.variations]
    row: dict[str, Any] = {
        "productId": str(variation.id if variation else parent.id),
        "parentProductId": str(parent.id),
        "name": variation.name if variation else parent.name,
        "price": variation.price if variation else None,
        "cost": variation.price if variation else None,  # deprecated twin of price
        "costOfGoods": None,
        "productType": parent.data_type,
        "productSubType": parent.data_sub_type,
        "reportingCategoryName": parent.category,
        "productStatus": variation.status if variation else ("Published" if "Published" in statuses else statuses[0]),
        "taxId": variation.tax_id if variation else None,
        "parLevel": None,
    }
    if variation:
        row["barcodeId"] = variation.barcode
    return row


def waiver(record: Waiver, *, offset: bool) -> dict[str, Any]:
    return {
        "waiverId": str(record.id),
        "name": record.name,
        "terms": record.terms,
        "validityInDays": record.validity_days,
        "minorAgeLimitsInYears": record.minor_age_limit,
        "createdDate": clock.iso_data(record.created, venue_offset=offset),
        "requiresSignature": record.requires_signature,
    }


def _str(value: int | None) -> str | None:
    return None if value is None else str(value)
