"""Every change to the venue, and the webhook events ROLLER would fire for it.

REST writes (`POST /bookings`, `PUT /guests/...`) and simulated activity both come through
here, so a booking made either way fires the same events. Callers hold `ctx.store.lock`.
Events follow ROLLER's guest and booking webhook docs: a new guest fires Customer Created,
an existing guest who buys again fires Customer Updated, a deletion arrives as Customer
Updated with the last known data, a waiver fires one SignedWaiver Created for the adult and
minors together.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import render_rest
from .bookings import (
    add_payment,
    apply_discount,
    attach_waivers,
    new_booking,
    new_item,
    payment_status,
)
from .entities import Booking, BookingItem, Guest, SignedWaiver, TicketLink
from .state import Store
from .waivers import sign_waiver
from .webhooks import Event


class Context(Protocol):
    store: Store
    rng: random.Random
    publish: Callable[[Event], Any]


@dataclass
class ItemRequest:
    variation_id: int
    quantity: int
    booking_date: str
    start_time: str | None = None
    price_override: float | None = None
    tickets: list[dict[str, Any]] = field(default_factory=list)  # {"id", "name"}


# --- events --------------------------------------------------------------------------------
def booking_event(store: Store, booking: Booking, event_type: str, event_channel: str) -> Event:
    parents = [p for p in (store.parent_of(i.product_id) for i in booking.items) if p]
    return Event(
        type="Booking",
        event_type=event_type,
        date=booking.modified,
        data=render_rest.booking_detail(store, booking),
        event_channel=event_channel,
        sales_channel=booking.location,
        product_ids=frozenset(i.product_id for i in booking.items),
        product_types=frozenset(p.webhook_type for p in parents),
        categories=frozenset(p.category for p in parents),
    )


def customer_event(guest: Guest, event_type: str) -> Event:
    return Event("Customer", event_type, guest.modified, render_rest.customer_detail(guest))


def waiver_event(records: list[SignedWaiver]) -> Event:
    data = [render_rest.signed_waiver(r) for r in records]
    return Event("SignedWaiver", "Created", records[0].created, data)


# --- guests --------------------------------------------------------------------------------
def guest_create(ctx: Context, fields: dict[str, Any], *, at: float) -> Guest:
    """`fields` uses Guest attribute names; missing consent means no consent."""
    values = {
        "date_of_birth": None,
        "gender": None,
        **fields,
        "accept_marketing": bool(fields.get("accept_marketing")),
        "accept_marketing_sms": bool(fields.get("accept_marketing_sms")),
    }
    guest = Guest(id=ctx.store.ids.take("guest"), created=at, modified=at, **values)
    ctx.store.add_guest(guest)
    ctx.publish(customer_event(guest, "Created"))
    return guest


def guest_for_booking(ctx: Context, fields: dict[str, Any], *, at: float) -> tuple[Guest, bool]:
    """ROLLER upserts the booking holder on email and overwrites differing fields."""
    guest = ctx.store.guest_by_email(fields.get("email"))
    if guest is None:
        return guest_create(ctx, fields, at=at), True
    for name, value in fields.items():
        if value is not None and name != "email":
            setattr(guest, name, value)
    ctx.store.touch_guest(guest, at)
    return guest, False


def guest_update(ctx: Context, guest: Guest, changes: dict[str, Any], *, at: float) -> None:
    old_email = guest.email
    for name, value in changes.items():
        setattr(guest, name, value)
    ctx.store.touch_guest(guest, at)
    ctx.store.reindex_email(guest, old_email)
    ctx.publish(customer_event(guest, "Updated"))


def guest_delete(ctx: Context, guest: Guest, *, at: float) -> None:
    # The payload is the guest as last known; afterwards GET /guests/{id} answers 404.
    ctx.store.touch_guest(guest, at)
    ctx.publish(customer_event(guest, "Updated"))
    guest.deleted = True
    ctx.store.reindex_email(guest, guest.email)


# --- bookings ------------------------------------------------------------------------------
def booking_create(
    ctx: Context,
    *,
    channel: str,
    location: str,
    event_channel: str,
    holder: Guest | None,
    holder_is_new: bool,
    items: list[ItemRequest],
    at: float,
    name: str | None = None,
    external_id: str | None = None,
    comments: str = "",
    metadata: dict[str, str] | None = None,
    discount: dict[str, Any] | None = None,
    payments: list[dict[str, Any]] | None = None,
    pay_in_full: str | None = None,
    fees: float = 0.0,
    device_id: int | None = None,
    pos_notes: str = "",
) -> Booking:
    store = ctx.store
    built = [_item(store, request, at) for request in items]
    if discount:
        apply_discount(built, percent=discount.get("percentage") or 0, amount=discount.get("amount") or 0)
    holder_name = f"{holder.first_name} {holder.last_name}" if holder else "Walk-in"
    booking = new_booking(
        store,
        ctx.rng,
        channel=channel,
        location=location,
        name=name or holder_name,
        customer_id=holder.id if holder else None,
        created=at,
        items=built,
        fees=fees,
        external_id=external_id,
    )
    booking.comments, booking.metadata = comments, metadata or None
    booking.device_id, booking.pos_notes = device_id, pos_notes
    if discount and discount.get("code"):
        booking.discount_code = (288000 + len(discount["code"]), discount["code"])
    for payment in payments or ():
        add_payment(
            store, booking, method=payment["paymentType"], total=payment["amount"], at=at, transaction_id=payment["id"]
        )
    if pay_in_full and booking.total > 0:
        add_payment(
            store,
            booking,
            method=pay_in_full,
            total=booking.total,
            at=at,
            transaction_id=f"pi_{ctx.rng.getrandbits(48):012x}",
        )
    booking.status = payment_status(booking)
    store.add_booking(booking)
    if holder is not None and not holder_is_new:
        ctx.store.touch_guest(holder, at)  # "guest made another purchase" -> Customer Updated
        ctx.publish(customer_event(holder, "Updated"))
    ctx.publish(booking_event(store, booking, "Created", event_channel))
    return booking


def _item(store: Store, request: ItemRequest, at: float) -> BookingItem:
    variation = store.variations[request.variation_id]
    item = new_item(
        store,
        variation,
        quantity=request.quantity,
        booking_date=request.booking_date,
        created=at,
        session_start=request.start_time or "10:00",
        cost=request.price_override,
    )
    for index, ticket in enumerate(request.tickets[: item.ticket_count]):
        if ticket.get("id") or ticket.get("name"):
            links = item.tickets if item.tickets is not None else {}
            links[index] = TicketLink(holder_name=ticket.get("name"), custom_id=ticket.get("id"))
            item.tickets = links
    return item


def booking_update(
    ctx: Context,
    booking: Booking,
    *,
    at: float,
    event_channel: str,
    name: str | None = None,
    comments: str | None = None,
    metadata: dict[str, str | None] | None = None,
    new_items: Sequence[ItemRequest] = (),
    ids_to_remove: Sequence[int] = (),
    items_to_update: Sequence[dict[str, Any]] = (),
) -> None:
    if name is not None:
        booking.name = name
    if comments is not None:
        booking.comments = comments
    if metadata:
        merged = dict(booking.metadata or {})
        for key, value in metadata.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        booking.metadata = merged or None
    removed = set(ids_to_remove)
    booking.items = [i for i in booking.items if i.id not in removed]
    booking.items += [_item(ctx.store, request, at) for request in new_items]
    for change in items_to_update:
        _update_item(booking, change)
    ctx.store.touch_booking(booking, at)
    booking.status = payment_status(booking)
    ctx.publish(booking_event(ctx.store, booking, "Updated", event_channel))


def _update_item(booking: Booking, change: dict[str, Any]) -> None:
    item = next((i for i in booking.items if str(i.id) == str(change["bookingItemId"])), None)
    if item is None:
        return
    if change.get("bookingEndDate"):
        item.end_date = change["bookingEndDate"]
    for ticket in change.get("tickets") or ():
        for index in range(item.ticket_count):
            if item.ticket_id(booking.reference, index) != ticket.get("ticketId"):
                continue
            links = item.tickets if item.tickets is not None else {}
            link = links.setdefault(index, TicketLink())
            if ticket.get("customTicketId") is not None:
                link.custom_id = ticket["customTicketId"] or None
            if ticket.get("name") is not None:
                link.holder_name = ticket["name"] or None
            item.tickets = links


def booking_cancel(
    ctx: Context, booking: Booking, *, at: float, event_channel: str, refund_type: str | None = None
) -> None:
    if refund_type and booking.paid > 0:
        add_payment(
            ctx.store,
            booking,
            method=refund_type,
            total=-booking.paid,
            at=at,
            transaction_id=f"refund-{booking.reference}",
        )
    booking.status = "Cancelled"
    ctx.store.touch_booking(booking, at)
    ctx.publish(booking_event(ctx.store, booking, "Cancelled", event_channel))


# --- waivers and products ------------------------------------------------------------------
def waiver_sign(
    ctx: Context,
    adult: Guest,
    *,
    adult_is_new: bool,
    minors: int,
    at: float,
    booking: Booking | None = None,
) -> list[SignedWaiver]:
    records = sign_waiver(ctx.store, ctx.rng, adult, minors=minors, at=at)
    if not adult_is_new:
        ctx.publish(customer_event(adult, "Updated"))
    for record in records[1:]:
        ctx.publish(customer_event(ctx.store.guests[record.guest_id], "Created"))
    ctx.publish(waiver_event(records))
    if booking is not None and attach_waivers(ctx.store, booking, records, at=at):
        # Attached at the POS: ROLLER fires Booking Updated (not for the unique waiver link).
        ctx.store.touch_booking(booking, at)
        ctx.publish(booking_event(ctx.store, booking, "Updated", "PointOfSale"))
    return records


def product_change(ctx: Context, variation_id: int, changes: dict[str, Any]) -> None:
    """No webhook exists for products; clients see changes through GET /products."""
    variation = ctx.store.variations[variation_id]
    for name, value in changes.items():
        setattr(variation, name, value)
