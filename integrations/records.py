"""Plain data the core writes from, whatever the source.

A source package maps its own records into these (integrations.roller.mapping); the rules
(integrations.rules) decide on them and the upserts (integrations.services.upserts) write them.
Text that a source left out is "", never None, as in the store.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ContactData:
    source_id: str  # the source's own id of the person (a ROLLER guest id)
    email: str = ""  # normalised (integrations.normalise), "" when missing or invalid
    phone: str = ""  # E.164, "" when missing or invalid
    first_name: str = ""
    last_name: str = ""
    date_of_birth: dt.date | None = None
    gender: str = ""
    street: str = ""
    city: str = ""
    postcode: str = ""
    state: str = ""
    country: str = ""
    # What the source says; None when it does not say, which changes nothing. The opt-in
    # strategy is applied by integrations.rules.contact_prepare before writing.
    email_consent: bool | None = None
    sms_consent: bool | None = None
    source_version: dt.datetime | None = None
    # The value contacts are matched on (email or phone, as the connection says); set by
    # integrations.rules.contact_prepare.
    match_value: str = ""


@dataclass(frozen=True, slots=True)
class ProductData:
    external_id: str
    name: str
    parent_external_id: str | None = None
    product_type: str = ""
    price: Decimal | None = None
    category: str = ""
    active: bool = True
    # Made from an order because the store did not know it; a product sync fills it in.
    created_from_order: bool = False
    # None for a product made from an order: it never overwrites a synced product.
    source_version: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class OrderLineData:
    external_id: str
    product_external_id: str
    quantity: int
    unit_price: Decimal = Decimal("0")
    discount: Decimal = Decimal("0")  # across the whole quantity
    visit_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class OrderData:
    external_id: str
    channel: str  # Order.Channel: online, onsite, other
    source_channel: str = ""  # the source's own value, kept as it came
    reference: str = ""
    status: str = ""
    ordered_at: dt.datetime | None = None
    visit_date: dt.date | None = None
    total: Decimal = Decimal("0")
    discount: Decimal = Decimal("0")
    currency: str = ""
    source_version: dt.datetime | None = None
    lines: tuple[OrderLineData, ...] = ()
    # The booking holder's source id (None: the booking has no holder) and, once the holder's
    # contact is written, its id.
    holder_source_id: str | None = None
    contact_id: int | None = None


@dataclass(frozen=True, slots=True)
class OutcomeData:
    """What happened to one record; `reason` only when it was skipped, failed or deleted."""

    entity: str  # integrations.outcomes.Entity
    outcome: str  # integrations.outcomes.Outcome
    reason: str = ""  # integrations.outcomes.Reason
    source_id: str = ""  # never for a minor
    detail: str = ""  # never for a minor
