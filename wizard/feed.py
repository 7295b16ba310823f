"""The connection page's lines about records: which record, in words a venue's staff knows.

A line names the booking by its reference and the guest by a masked name ("Eva E."), with
the products of the booking, read from the store in three queries for the whole feed. What
the store does not hold (a record left out) is named by the source's id. An outcome about a
minor holds no personal data, so neither does its line.
"""

from dataclasses import dataclass

from django.db.models import Prefetch

from integrations.models import Connection, ContactSourceLink, Order, OrderLine, RecordOutcome
from integrations.outcomes import Entity
from integrations.selectors.monitoring import reason_label

PRODUCTS_SHOWN = 3
_SUBJECT = {Entity.CONTACT: "Guest", Entity.ORDER: "Booking", Entity.PRODUCT: "Product", Entity.EVENT: "Update"}


@dataclass(frozen=True)
class FeedItem:
    at: object
    entity: str
    outcome: str
    outcome_label: str
    text: str


@dataclass(frozen=True)
class Known:
    """What the store holds about the feed's records: masked names and product names."""

    guests: dict[str, str]  # source id → masked name
    bookings: dict[str, str]  # external id → "Eva E. · 2× Jump 60 min, Grip socks"


def feed_items(*, connection: Connection, outcomes: list[RecordOutcome]) -> list[FeedItem]:
    known = records_known(connection=connection, outcomes=outcomes)
    return [
        FeedItem(
            at=outcome.created_at,
            entity=outcome.get_entity_display(),
            outcome=outcome.outcome,
            outcome_label=outcome.get_outcome_display(),
            text=describe(outcome, known),
        )
        for outcome in outcomes
    ]


def records_known(*, connection: Connection, outcomes: list[RecordOutcome]) -> Known:
    ids = {entity: {o.source_id for o in outcomes if o.entity == entity and o.source_id} for entity in _SUBJECT}
    guests = {}
    if ids[Entity.CONTACT]:
        links = ContactSourceLink.objects.filter(connection=connection, source_id__in=ids[Entity.CONTACT])
        guests = {link.source_id: masked_name(link.contact) for link in links.select_related("contact")}
    bookings = {}
    if ids[Entity.ORDER]:
        lines = OrderLine.objects.select_related("product").order_by("pk")
        orders = (
            Order.objects.filter(connection=connection, external_id__in=ids[Entity.ORDER])
            .select_related("contact")
            .prefetch_related(Prefetch("lines", queryset=lines))
        )
        bookings = {order.external_id: _booking_text(order) for order in orders}
    return Known(guests=guests, bookings=bookings)


def subject(outcome: RecordOutcome, known: Known | None = None) -> str:
    """Which record: "Booking 5032001 · Eva E. · 2× Jump 60 min", "Guest Eva E.", "Guest 27718001"."""
    known = known or Known(guests={}, bookings={})
    if outcome.entity == Entity.CONTACT and outcome.source_id in known.guests:
        return f"Guest {known.guests[outcome.source_id]}"
    base = outcome.detail
    if not base and outcome.source_id:
        base = f"{_SUBJECT.get(outcome.entity, outcome.get_entity_display())} {outcome.source_id}"
    if not base:
        return f"A {outcome.get_entity_display().lower()}"
    if outcome.entity == Entity.ORDER and known.bookings.get(outcome.source_id):
        return f"{base} · {known.bookings[outcome.source_id]}"
    return base


def describe(outcome: RecordOutcome, known: Known | None = None) -> str:
    """One line: which record, and why when it was left out."""
    subject_text = subject(outcome, known)
    if outcome.reason:
        return f"{subject_text} — {reason_label(outcome.reason)}"
    return subject_text


def masked_name(contact) -> str:
    """Enough to recognise a guest, not to copy: "Eva E.", else "e•••@example.com"."""
    name = " ".join(
        part for part in (contact.first_name, contact.last_name[:1] + "." if contact.last_name else "") if part
    )
    if name:
        return name
    if "@" in contact.email:
        local, domain = contact.email.split("@", 1)
        return f"{local[:1]}•••@{domain}"
    return "without a name"


def _booking_text(order: Order) -> str:
    products = [
        f"{line.quantity}× {line.product.name}" if line.quantity > 1 else line.product.name
        for line in order.lines.all()
    ]
    if len(products) > PRODUCTS_SHOWN:
        products = [*products[:PRODUCTS_SHOWN], f"{len(products) - PRODUCTS_SHOWN} more"]
    parts = [masked_name(order.contact), ", ".join(products)]
    return " · ".join(part for part in parts if part)
