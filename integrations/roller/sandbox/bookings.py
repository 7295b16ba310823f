"""Building blocks for bookings, shared by the seed, the REST writes and the activity.

Everything here changes the store, so callers hold `store.lock`.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from .entities import (
    Booking,
    BookingItem,
    BookingSignedWaiver,
    Payment,
    SignedWaiver,
    TicketLink,
    Variation,
)
from .state import Store


def new_unique_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def session_end(start: str | None, minutes: int | None) -> str | None:
    if start is None or minutes is None:
        return None
    hours, mins = (int(part) for part in start.split(":"))
    total = (hours * 60 + mins + minutes) % (24 * 60)
    return f"{total // 60:02d}:{total % 60:02d}"


def new_item(
    store: Store,
    variation: Variation,
    *,
    quantity: int,
    booking_date: str,
    created: float,
    session_start: str | None = None,
    cost: float | None = None,
    discount: float = 0.0,
    end_date: str | None = None,
) -> BookingItem:
    parent = store.products[variation.parent_id]
    ticket_count = quantity * variation.group_size if parent.has_tickets else 0
    first_ticket = store.ids.ticket
    store.ids.ticket += ticket_count
    start = session_start if parent.duration_minutes else None
    return BookingItem(
        id=store.ids.take("booking_item"),
        product_id=variation.id,
        quantity=quantity,
        booking_date=booking_date,
        end_date=end_date or _default_end_date(parent.rest_type, booking_date),
        session_start=start,
        session_end=session_end(start, parent.duration_minutes),
        cost=variation.price if cost is None else cost,
        discount=round(discount, 2),
        first_ticket=first_ticket,
        ticket_count=ticket_count,
        created=created,
    )


def _default_end_date(rest_type: str, booking_date: str) -> str:
    day = dt.date.fromisoformat(booking_date)
    if rest_type == "pass":
        return (day + dt.timedelta(days=365)).isoformat()
    if rest_type == "membership":
        return (day + dt.timedelta(days=30)).isoformat()
    return booking_date


def apply_discount(items: list[BookingItem], *, percent: float = 0, amount: float = 0) -> None:
    """Spread a booking-level discount over the items, as ROLLER reports it per item."""
    gross = sum(i.cost * i.quantity for i in items)
    if gross <= 0:
        return
    for item in items:
        share = item.cost * item.quantity
        item.discount = round(share * percent / 100 + amount * share / gross, 2)


def payment_status(booking: Booking) -> str:
    if booking.status in ("Cancelled", "Deleted", "Draft"):
        return booking.status
    total, paid = booking.total, booking.paid
    if total <= 0:
        return "NoPaymentRequired"
    if paid >= total - 0.005:
        return "Paid"
    return "PartiallyPaid" if paid > 0 else "PendingPayment"


def add_payment(
    store: Store, booking: Booking, *, method: str, total: float, at: float, transaction_id: str
) -> Payment:
    payment = Payment(
        id=store.ids.take("payment"),
        transaction_id=transaction_id,
        method=method,
        total=round(total, 2),
        tip=0.0,
        created=at,
    )
    booking.payments.append(payment)
    return payment


def ticket_slots(booking: Booking) -> list[tuple[BookingItem, int]]:
    return [(item, index) for item in booking.items for index in range(item.ticket_count)]


def attach_waivers(store: Store, booking: Booking, waivers: list[SignedWaiver], *, at: float) -> int:
    """Attach signed waivers to the booking's free tickets, one waiver per ticket.

    ROLLER then fills the ticket holder name and the ticket's customerId and signedWaiverId,
    and records a booking-signed-waiver row. Returns how many were attached.
    """
    attached = 0
    pending = list(waivers)
    for item, index in ticket_slots(booking):
        if not pending:
            break
        links = item.tickets if item.tickets is not None else {}
        link = links.get(index)
        if link is not None and link.signed_waiver_id is not None:
            continue
        waiver = pending.pop(0)
        if link is None:
            link = TicketLink()
        link.holder_name = f"{waiver.first_name} {waiver.last_name}"
        link.customer_id = waiver.guest_id
        link.signed_waiver_id = waiver.id
        links[index] = link
        item.tickets = links
        store.add_booking_signed_waiver(
            BookingSignedWaiver(
                signed_waiver_id=waiver.id,
                booking_reference=booking.reference,
                ticket_id=item.ticket_id(booking.reference, index),
                created=at,
                modified=at,
            )
        )
        attached += 1
    return attached


def new_booking(
    store: Store,
    rng: random.Random,
    *,
    channel: str,
    location: str,
    name: str,
    customer_id: int | None,
    created: float,
    items: list[BookingItem],
    fees: float = 0.0,
    external_id: str | None = None,
) -> Booking:
    booking = Booking(
        reference=store.ids.take("booking_reference"),
        unique_id=new_unique_id(rng),
        channel=channel,
        location=location,
        status="PendingPayment",
        name=name,
        customer_id=customer_id,
        created=created,
        modified=created,
        items=items,
        payments=[],
        fees=fees,
        external_id=external_id,
    )
    return booking
