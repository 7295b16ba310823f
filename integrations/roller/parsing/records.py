"""The plain, typed records ROLLER's payloads are parsed into (no database, no HTTP)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


class PayloadError(ValueError):
    """A ROLLER payload lacks a required field or holds a value of the wrong type."""


@dataclass(frozen=True, slots=True)
class WebhookEnvelope:
    message_id: str
    object_type: str  # "Booking", "Customer", … (an unknown type is kept as sent, e.g. "9")
    event_type: str  # "Created", "Updated", "Cancelled", "Deleted" (unknown kept as sent)
    event_date: dt.datetime | None
    data: Any  # the payload: a dict, or a list for signed waivers
    send_date: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class GuestRecord:
    guest_id: str
    first_name: str
    last_name: str
    email: str
    phone: str
    date_of_birth: dt.date | None
    gender: str
    street: str
    city: str
    postcode: str
    state: str
    country: str
    # None: ROLLER did not say (missing field), which is not the same as False (opted out).
    accept_marketing_email: bool | None
    accept_marketing_sms: bool | None
    modified_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class TicketRecord:
    # No ticket holder name: it is often a minor's name.
    ticket_id: str
    customer_id: str | None
    signed_waiver_id: str | None


@dataclass(frozen=True, slots=True)
class BookingItemRecord:
    item_id: str
    product_id: str  # the variation (child product) id
    quantity: int
    unit_price: Decimal  # ROLLER's `cost`: the unit price
    discount: Decimal  # across the whole quantity
    booking_date: dt.date | None
    tickets: tuple[TicketRecord, ...]


@dataclass(frozen=True, slots=True)
class BookingRecord:
    unique_id: str
    reference: str
    customer_id: str | None  # the booking holder; POS bookings often have none
    channel: str  # ROLLER's own value: REST `channel` (or `source`), reporting `bookingLocation`
    channel_source: str  # "rest" or "reporting": the two use different vocabularies
    status: str
    created_at: dt.datetime | None
    total: Decimal
    discount: Decimal
    fees: Decimal
    items: tuple[BookingItemRecord, ...]
    modified_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ProductRecord:
    product_id: str
    parent_id: str | None
    name: str
    product_type: str
    price: Decimal | None
    category: str
    active: bool


@dataclass(frozen=True, slots=True)
class SignedWaiverRecord:
    signed_waiver_id: str
    guest_id: str | None
    parent_signed_waiver_id: str | None
    is_for_minor: bool
    date_of_birth: dt.date | None
    modified_at: dt.datetime | None
    waiver_id: str | None = None


@dataclass(frozen=True, slots=True)
class VenueRecord:
    venue_id: str
    name: str
    time_zone: str  # an IANA name, or "" when ROLLER's value is not one
    currency: str
    country_code: str


@dataclass(frozen=True, slots=True)
class BulkExportRecord:
    """One `BulkExport`/`Created` webhook: one sequence (a calendar month) of a bulk export.

    `urls` are presigned: whoever holds one can read the file, so they are secrets, kept out
    of repr (and so out of logs and tracebacks). A month without data has none."""

    venue_id: str
    export_type: str  # "Customers", "BookingItems", "SignedWaivers", … as ROLLER sends it
    process_id: str
    sequence_number: int  # 1-based
    sequence_total: int
    urls: tuple[str, ...] = field(default=(), repr=False)

    @property
    def is_empty(self) -> bool:
        return not self.urls
