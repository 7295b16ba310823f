"""The records the sandbox keeps, as compact slotted dataclasses.

Field names follow our Python style; the renderers turn them into ROLLER's JSON. Times are
UTC epoch seconds (see clock.py). Optional blocks default to None instead of empty
containers so that the bench venue (100k+ guests) stays small in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Address:
    street: str
    suburb: str
    city: str
    state: str
    postcode: str
    country: str


@dataclass(slots=True)
class Flag:
    type: str  # Ban | VIP | Medical | Alert | Competency
    comment: str
    expiry_date: str | None = None


@dataclass(slots=True)
class Guest:
    id: int
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    date_of_birth: str | None
    gender: str | None
    accept_marketing: bool
    accept_marketing_sms: bool
    created: float
    modified: float
    address: Address | None = None
    flags: list[Flag] | None = None
    tax_id: str | None = None
    deleted: bool = False


@dataclass(slots=True)
class Waiver:
    id: int
    name: str
    terms: str
    validity_days: int
    minor_age_limit: int
    requires_signature: bool
    created: float


@dataclass(slots=True)
class SignedWaiver:
    id: int
    waiver_id: int
    guest_id: int
    first_name: str
    last_name: str
    date_of_birth: str | None
    email: str | None
    phone: str | None
    is_minor: bool
    parent_id: int | None
    created: float
    modified: float
    expiry: float


@dataclass(slots=True)
class Variation:
    """A child product (ticket type); this id is what booking items carry."""

    id: int
    parent_id: int
    name: str
    price: float
    group_size: int
    tax_id: int
    tax_percent: float
    barcode: str
    is_suspended: bool = False
    status: str = "Published"  # Draft | Published | Closed | Archived
    max_purchase: int | None = 20


@dataclass(slots=True)
class ParentProduct:
    id: int
    name: str
    rest_type: str  # REST /products `type`, lower-case (sessionpass, addon, ...)
    data_type: str  # Data API productType (Pass, AddOn, Package, ...)
    data_sub_type: str  # Data API productSubType (Session, Stock, ...; "" for none)
    webhook_type: str  # webhook filter productTypes value (SessionPass, AddOn, ...)
    category: str
    category_id: str
    short_description: str
    duration_minutes: int | None
    variations: list[Variation] = field(default_factory=list)
    add_on_ids: list[int] = field(default_factory=list)
    stock_type: str | None = None

    @property
    def has_tickets(self) -> bool:
        """Admissions get one ticket per guest (quantity x group size); add-ons get none."""
        return self.data_type in ("Pass", "Package", "PartyPackage")

    @property
    def in_data_tickets(self) -> bool:
        # /data/tickets only returns Pass-type products (passes, sessions, memberships).
        return self.data_type == "Pass"


@dataclass(slots=True)
class TicketLink:
    """What is known about one ticket beyond its generated id."""

    holder_name: str | None = None
    custom_id: str | None = None
    customer_id: int | None = None
    signed_waiver_id: int | None = None


@dataclass(slots=True)
class BookingItem:
    id: int
    product_id: int
    quantity: int
    booking_date: str
    end_date: str
    session_start: str | None
    session_end: str | None
    cost: float  # unit price
    discount: float  # across the whole quantity
    first_ticket: int  # ticket ids are "<bookingReference>-<first_ticket + n>"
    ticket_count: int
    created: float
    tickets: dict[int, TicketLink] | None = None  # index -> link, only when known

    def ticket_id(self, reference: int, index: int) -> str:
        return f"{reference}-{self.first_ticket + index}"


@dataclass(slots=True)
class Payment:
    id: int
    transaction_id: str
    method: str
    total: float
    tip: float
    created: float


@dataclass(slots=True)
class Booking:
    reference: int
    unique_id: str
    channel: str  # BookingDetail.channel: Online | POS | Api | VenueManager
    location: str  # Data API bookingLocation: Consumer | Doorlist | Api | VenueManager
    status: str
    name: str
    customer_id: int | None
    created: float
    modified: float
    items: list[BookingItem]
    payments: list[Payment]
    fees: float = 0.0
    external_id: str | None = None
    comments: str = ""
    pos_notes: str = ""
    device_id: int | None = None
    staff_id: int | None = None
    discount_code: tuple[int, str] | None = None  # (discountId, code)
    metadata: dict[str, str] | None = None

    @property
    def discount(self) -> float:
        return round(sum(item.discount for item in self.items), 2)

    @property
    def total(self) -> float:
        gross = sum(item.cost * item.quantity for item in self.items)
        return round(gross - self.discount + self.fees, 2)

    @property
    def paid(self) -> float:
        return round(sum(p.total for p in self.payments), 2)


@dataclass(slots=True)
class BookingSignedWaiver:
    """A waiver attached to a ticket: the /data/bookingsignedwaivers row."""

    signed_waiver_id: int
    booking_reference: int
    ticket_id: str
    created: float
    modified: float


@dataclass
class Webhook:
    id: int
    created: float
    configuration: dict[str, Any]
    under_review: bool = False
    disabled_reason: str | None = None
    failures: int = 0

    @property
    def enabled(self) -> bool:
        return bool(self.configuration.get("enabled"))
