"""Plain data the core writes from, whatever the source.

A source package maps its own records into these (its mapping module); the rules
(integrations.rules) decide on them and the upserts (integrations.services.upserts) write them.
Text that a source left out is "", never None, as in the store.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ContactData:
    source_id: str  # the source's own id of the person (a guest id, say)
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


@dataclass(frozen=True, slots=True)
class AgeEvidence:
    """What a source says about a person's age before anyone is stored (a signed waiver): whose
    it is, and whether it names them a minor or gives their date of birth."""

    source_id: str | None  # the person it is about
    for_minor: bool
    date_of_birth: dt.date | None = None


@dataclass
class RecordBatch:
    """Plain records a connector read and mapped, for the one ingest path
    (integrations.services.ingest): a webhook's one record, an import page's thousand, a
    preview's seven days.

    The ingest path takes them in this order: products, age evidence (so minors are known
    before anyone is stored), people deleted at the source, contacts, then orders with their
    holders.
    """

    records_seen: int = 0
    # The source ids of the batch's first and last records, from a connector whose export files
    # are cut by row count, so one record's rows can end one file and begin the next: such a
    # record is counted once (integrations.services.export_files.batch_seen_settle).
    first_source_id: str = ""
    last_source_id: str = ""
    # The source's product list (a product sync), parents and variations; `products_gone` are
    # those among them written inactive because the list no longer has them.
    products: list[ProductData] = field(default_factory=list)
    products_gone: set[str] = field(default_factory=set)
    ages: list[AgeEvidence] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # source ids of people deleted at the source
    contacts: list[ContactData] = field(default_factory=list)
    orders: list[OrderData] = field(default_factory=list)
    # Order holders as the source describes them now (fetched for this batch), by source id;
    # None for one the source no longer has. A holder not given here is taken as the store
    # has them (linked), or as unknown.
    people: dict[str, ContactData | None] = field(default_factory=dict)
    # Order holders this very import read a moment ago and left out, with the reason (their
    # contact's outcome): their orders are left out for it without asking the source again.
    people_left_out: dict[str, str] = field(default_factory=dict)
    # Products named by order lines, made from the line, for lines whose product the store
    # lacks (since removed from the source's product list, say).
    line_products: dict[str, ProductData] = field(default_factory=dict)
    # For an order naming products the store lacks: the source's own description of those
    # products (and their parents). Without it, line_products are used.
    products_resolve: Callable[[list[str]], list[ProductData]] | None = None
    failed: list[OutcomeData] = field(default_factory=list)  # records that could not be read

    def __len__(self) -> int:
        return len(self.products) + len(self.ages) + len(self.removed) + len(self.contacts) + len(self.orders)


@dataclass
class ProductsRead:
    """The source's whole product list, parents and variations, as the connector read it."""

    products: list[ProductData]
    failed: list[OutcomeData] = field(default_factory=list)  # rows that could not be read


@dataclass
class PreviewRead:
    """What a connector read for the wizard's preview: the last days' records, and how much
    it read (shown beside the counts)."""

    batch: RecordBatch
    days: int
    window_start: dt.date
    window_end: dt.date
    orders_read: int
    orders_limit: int
    truncated: bool
    people_read: int
