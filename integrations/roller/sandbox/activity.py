"""Simulated venue activity: what guests and staff do, on demand or as a live stream.

Each function takes the control API's JSON parameters (all optional: what is left out is
chosen at random from the seeded venue), changes the venue through services.py so that the
same webhooks fire as in ROLLER, and returns the ids it created or touched.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from . import clock, services
from .entities import Booking, Guest
from .people import dutch_mobile, email_for, random_adult_fields
from .services import ItemRequest

if TYPE_CHECKING:
    from .app import Sandbox


class ActivityError(ValueError):
    """Parameters the activity cannot use (answered 400)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class UnknownRecord(ActivityError):
    """A guest, booking or product id that does not exist (answered 404)."""


# --- picking things ------------------------------------------------------------------------
def _guest(app: Sandbox, params: dict[str, Any], *, needs_email: bool = False) -> Guest:
    store = app.store
    if params.get("guestId") is not None:
        guest = store.live_guest(int(params["guestId"]))
        if guest is None:
            raise UnknownRecord("guestId", f"Guest {params['guestId']} does not exist.")
        return guest
    candidates = store.adult_guest_ids
    for _ in range(50):
        guest = store.live_guest(app.rng.choice(candidates))
        if guest is not None and (guest.email or not needs_email):
            return guest
    raise ActivityError("guestId", "No suitable guest found.")


def _booking(app: Sandbox, params: dict[str, Any]) -> Booking:
    key = params.get("uniqueId") or params.get("bookingReference")
    if key is not None:
        booking = app.store.find_booking(str(key))
        if booking is None:
            raise UnknownRecord("uniqueId", f"Booking {key} does not exist.")
        return booking
    keys = list(app.store.bookings)
    for _ in range(50):
        booking = app.store.bookings[app.rng.choice(keys)]
        if booking.status not in ("Cancelled", "Deleted"):
            return booking
    raise ActivityError("uniqueId", "No open booking found.")


_GUEST_PARAMS = {
    "firstName": "first_name",
    "lastName": "last_name",
    "email": "email",
    "phone": "phone",
    "acceptMarketing": "accept_marketing",
    "acceptMarketingSms": "accept_marketing_sms",
    "dateOfBirth": "date_of_birth",
}


def _given_guest_fields(params: dict[str, Any]) -> dict[str, Any]:
    return {attribute: params[key] for key, attribute in _GUEST_PARAMS.items() if key in params}


def _new_guest_fields(app: Sandbox, params: dict[str, Any], *, with_email: bool) -> dict[str, Any]:
    """A random new adult, with whatever the caller gave taking precedence."""
    serial = app.store.ids.guest
    fields = random_adult_fields(app.rng, serial, clock.venue_today())
    if with_email and not fields["email"]:
        fields["email"] = email_for(app.rng, fields["first_name"], fields["last_name"], serial)
    return {**fields, **_given_guest_fields(params)}


def _holder_from_params(app: Sandbox, params: dict[str, Any], *, with_email: bool, at: float) -> tuple[Guest, bool]:
    """A checkout with an email ROLLER knows updates that guest (only with the fields given);
    otherwise a new guest is created."""
    if app.store.guest_by_email(params.get("email")) is not None:
        return services.guest_for_booking(app, _given_guest_fields(params), at=at)
    return services.guest_for_booking(app, _new_guest_fields(app, params, with_email=with_email), at=at)


def _items(app: Sandbox, params: dict[str, Any], visit: str) -> list[ItemRequest]:
    store, rng = app.store, app.rng
    if params.get("items"):
        items = []
        for index, raw in enumerate(params["items"]):
            product_id = int(raw.get("productId", 0))
            if product_id not in store.variations:
                raise UnknownRecord(f"items[{index}].productId", f"Product {product_id} not found.")
            items.append(
                ItemRequest(
                    product_id, int(raw.get("quantity", 1)), raw.get("bookingDate", visit), raw.get("startTime")
                )
            )
        return items
    by_name = {p.name: p for p in store.products.values()}
    entry = rng.choice(by_name["Jump Session"].variations + by_name["Glow Jump Night"].variations)
    quantity = rng.randint(1, 4)
    start = rng.choice(("11:00", "13:00", "15:00", "17:00"))
    items = [ItemRequest(entry.id, quantity, visit, start)]
    if rng.random() < 0.6:
        items.append(ItemRequest(rng.choice(by_name["Jump Socks"].variations).id, quantity, visit))
    return items


def _visit_date(params: dict[str, Any], days_ahead: int) -> str:
    if params.get("bookingDate"):
        return str(params["bookingDate"])
    return (clock.venue_today() + dt.timedelta(days=days_ahead)).isoformat()


# --- activities ----------------------------------------------------------------------------
def online_booking(app: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
    """An online checkout. A new guest fires Customer Created, an existing one Updated."""
    at = clock.now()
    if params.get("guestId") is None and (
        params.get("newGuest") or params.get("email") or (params.get("newGuest") is None and app.rng.random() < 0.4)
    ):
        holder, created = _holder_from_params(app, params, with_email=True, at=at)
    else:
        holder, created = _guest(app, params, needs_email=True), False
    booking = services.booking_create(
        app,
        channel="Online",
        location="Consumer",
        event_channel="Checkout",
        holder=holder,
        holder_is_new=created,
        items=_items(app, params, _visit_date(params, app.rng.randint(0, 7))),
        at=at,
        pay_in_full="CreditCard",
        fees=app.store.venue["feePerTransaction"],
    )
    return _booking_result(booking, holder, created)


def pos_sale(app: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
    """A door sale at the POS, half the time to an anonymous walk-in."""
    at, with_customer = clock.now(), params.get("withCustomer", True)
    holder, created = None, False
    if with_customer and params.get("guestId") is None and (params.get("newGuest") or app.rng.random() < 0.3):
        fields = _new_guest_fields(app, params, with_email=False)
        if not fields["email"] and not fields["phone"]:
            fields["phone"] = dutch_mobile(app.rng)
        holder, created = services.guest_for_booking(app, fields, at=at)
    elif with_customer:
        holder = _guest(app, params)
    booking = services.booking_create(
        app,
        channel="POS",
        location="Doorlist",
        event_channel="PointOfSale",
        holder=holder,
        holder_is_new=created,
        items=_items(app, params, _visit_date(params, 0)),
        at=at,
        pay_in_full=app.rng.choice(("Eftpos", "Cash")),
        device_id=3101,
    )
    return _booking_result(booking, holder, created)


def _booking_result(booking: Booking, holder: Guest | None, created: bool) -> dict[str, Any]:
    return {
        "bookingReference": str(booking.reference),
        "uniqueId": booking.unique_id,
        "customerId": holder.id if holder else None,
        "guestCreated": created,
        "bookingItemIds": [i.id for i in booking.items],
    }


def waiver(app: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
    """An adult signs for themselves and N minors; optionally attached to a booking at POS."""
    at, minors = clock.now(), int(params.get("minors", 2))
    if params.get("guestId") is not None:
        adult, is_new = _guest(app, params), False
    else:
        adult = services.guest_create(app, _new_guest_fields(app, params, with_email=False), at=at)
        is_new = True
    booking = None
    if params.get("uniqueId") or params.get("bookingReference"):
        booking = _booking(app, params)
    records = services.waiver_sign(app, adult, adult_is_new=is_new, minors=minors, at=at, booking=booking)
    return {
        "adultGuestId": adult.id,
        "minorGuestIds": [r.guest_id for r in records[1:]],
        "signedWaiverIds": [r.id for r in records],
        "attachedToBooking": booking.unique_id if booking else None,
    }


_GUEST_FIELDS = {
    "acceptMarketing": "accept_marketing", "acceptMarketingSms": "accept_marketing_sms",
    "email": "email", "phone": "phone", "firstName": "first_name", "lastName": "last_name",
}  # fmt: skip


def guest_update(app: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
    """By default the guest flips their email consent (e.g. unsubscribes at the desk)."""
    guest = _guest(app, params)
    changes = {attr: params[key] for key, attr in _GUEST_FIELDS.items() if key in params}
    if not changes:
        changes = {"accept_marketing": not guest.accept_marketing}
    services.guest_update(app, guest, changes, at=clock.now())
    return {
        "guestId": guest.id,
        "acceptMarketing": guest.accept_marketing,
        "acceptMarketingSms": guest.accept_marketing_sms,
    }


def guest_delete(app: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
    guest = _guest(app, params)
    services.guest_delete(app, guest, at=clock.now())
    return {"guestId": guest.id}


def booking_update(app: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
    """Staff edit a booking in Venue Manager; by default they add a drink."""
    booking = _booking(app, params)
    new_items = []
    if params.get("addItem") or not (params.get("name") or params.get("comments")):
        raw = params.get("addItem") or {}
        drinks = next(p for p in app.store.products.values() if p.name == "Drinks").variations
        product_id = int(raw.get("productId") or app.rng.choice(drinks).id)
        if product_id not in app.store.variations:
            raise UnknownRecord("addItem.productId", f"Product {product_id} not found.")
        visit = booking.items[0].booking_date if booking.items else _visit_date(params, 0)
        new_items = [ItemRequest(product_id, int(raw.get("quantity", 1)), visit)]
    services.booking_update(
        app,
        booking,
        at=clock.now(),
        event_channel="VenueManager",
        name=params.get("name"),
        comments=params.get("comments"),
        new_items=new_items,
    )
    return {
        "uniqueId": booking.unique_id,
        "bookingReference": str(booking.reference),
        "bookingItemIds": [i.id for i in booking.items],
    }


def booking_cancel(app: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
    """Staff cancel a booking in Venue Manager (any channel, unlike the API)."""
    booking = _booking(app, params)
    refund = params.get("refund", True)
    services.booking_cancel(
        app, booking, at=clock.now(), event_channel="VenueManager", refund_type="CreditCard" if refund else None
    )
    return {"uniqueId": booking.unique_id, "bookingReference": str(booking.reference)}


def product_change(app: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
    store = app.store
    variation_id = int(params.get("productId") or app.rng.choice(list(store.variations)))
    variation = store.variations.get(variation_id)
    if variation is None:
        raise UnknownRecord("productId", f"Product {variation_id} not found.")
    changes = {
        attr: params[key]
        for key, attr in (
            ("price", "price"),
            ("name", "name"),
            ("isSuspended", "is_suspended"),
            ("productStatus", "status"),
        )
        if key in params
    }
    if not changes:
        changes = {"price": round(variation.price + 0.5, 2)}
    services.product_change(app, variation_id, changes)
    return {
        "productId": variation_id,
        "parentProductId": variation.parent_id,
        "price": variation.price,
        "name": variation.name,
        "isSuspended": variation.is_suspended,
    }


ACTIVITIES = {
    "online-booking": online_booking,
    "pos-sale": pos_sale,
    "waiver": waiver,
    "guest-update": guest_update,
    "guest-delete": guest_delete,
    "booking-update": booking_update,
    "booking-cancel": booking_cancel,
    "product-change": product_change,
}
