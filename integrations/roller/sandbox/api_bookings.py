"""REST booking endpoints: search, detail, create, update, cancel, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import clock, render_rest, services
from .booking_requests import parse_customer, parse_items, parse_metadata, parse_payments
from .entities import Booking
from .routing import Request, Response, Router, conflict, empty, json_response, validation_error
from .validation import Errors, boolean, date, text

if TYPE_CHECKING:
    from .app import Sandbox

REFUND_TYPES = ("CreditCard", "Cash", "Eftpos", "Cheque", "BankTransfer", "GiftCard", "Other")
HIDDEN_FROM_SEARCH = ("Cancelled", "Draft", "Deleted")
MAX_LINE_ITEMS = 50


def register(router: Router, app: Sandbox) -> None:
    router.add("GET", "/bookings", lambda r: search(app, r))
    router.add("POST", "/bookings", lambda r: create(app, r))
    router.add("GET", "/bookings/{booking_id}", lambda r: detail(app, r))
    router.add("PUT", "/bookings/{booking_id}", lambda r: update(app, r))
    router.add("DELETE", "/bookings/{booking_id}", lambda r: delete(app, r))
    router.add("POST", "/bookings/{booking_id}/cancel", lambda r: cancel(app, r))


def detail(app: Sandbox, request: Request) -> Response:
    with app.store.lock:
        booking = app.store.find_booking(request.params["booking_id"])
        if booking is None:
            return empty(404)
        body = render_rest.booking_detail(app.store, booking)
    body.pop("customerFlags", None)  # only webhooks can include these
    return json_response(200, body)


# --- search --------------------------------------------------------------------------------
def search(app: Sandbox, request: Request) -> Response:
    keywords, day = request.arg("keywords"), request.arg("date")
    start, product_ids, location_ids = (request.arg("startTime"), request.arg("productIds"), request.arg("locationIds"))
    errors = Errors()
    if not any((keywords, day, start, product_ids, location_ids)):
        errors.add("", "At least one search criteria query parameter is required.")
    if keywords is not None and len(keywords.strip()) < 3:
        errors.add("keywords", "A minimum of 3 characters is required.")
    if (product_ids or location_ids) and not day:
        errors.add("date", "Date is required when searching by productIds or locationIds.")
    if day:
        day = date(errors, day, "date")
    wanted_products = _id_set(errors, product_ids, "productIds")
    wanted_locations = _id_set(errors, location_ids, "locationIds")
    if errors:
        return validation_error(errors)
    words = keywords.lower().split() if keywords else []
    with app.store.lock:
        found = []
        for booking in app.store.bookings.values():
            if booking.status in HIDDEN_FROM_SEARCH:
                continue
            items = [i for i in booking.items if not day or i.booking_date == day]
            if start:
                items = [i for i in items if i.session_start == start]
            if wanted_products:
                items = [i for i in items if i.product_id in wanted_products]
            if wanted_locations and render_rest.ARENA_RESOURCE_ID not in wanted_locations:
                items = []
            if not items or (words and not _keywords_match(app, booking, words)):
                continue
            found.append(booking)
        found.sort(key=lambda b: b.created, reverse=True)
        rows = [render_rest.booking_basic(app.store, b) for b in found[:100]]
    return json_response(200, {"bookings": rows})


def _id_set(errors: Errors, value: str | None, field: str) -> set[int]:
    if not value:
        return set()
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not all(p.isdigit() for p in parts):
        errors.add(field, "Must be comma separated ids.")
        return set()
    return {int(p) for p in parts}


def _keywords_match(app: Sandbox, booking: Booking, words: list[str]) -> bool:
    """Every word must occur somewhere: booking name, holder name/email/phone, custom
    ticket ids, ticket ids.

    Ticket ids are only built for words with a digit in them: that keeps a name search
    over the bench venue's 100,000 bookings quick.
    """
    parts = [booking.name]
    holder = app.store.guests.get(booking.customer_id) if booking.customer_id else None
    if holder is not None:
        parts += [holder.first_name, holder.last_name, holder.email or "", holder.phone or ""]
    for item in booking.items:
        parts += [link.custom_id or "" for link in (item.tickets or {}).values()]
    haystack = " ".join(parts).lower()
    missing = [word for word in words if word not in haystack]
    if not missing:
        return True
    if not all(any(c.isdigit() for c in word) for word in missing):
        return False
    tickets = []
    for item in booking.items:
        tickets += [item.ticket_id(booking.reference, n) for n in range(item.ticket_count)]
    ticket_haystack = " ".join(tickets).lower()
    return all(word in ticket_haystack for word in missing)


# --- create --------------------------------------------------------------------------------
def create(app: Sandbox, request: Request) -> Response:
    body = request.body if isinstance(request.body, dict) else {}
    errors = Errors()
    if not isinstance(request.body, dict):
        errors.add("", "A JSON object is required.")
    external_id = text(errors, body, "externalId", required=True, max_length=64)
    name = text(errors, body, "name", max_length=128)
    comments = text(errors, body, "comments", max_length=500) or ""
    customer = parse_customer(errors, body.get("customer"))
    metadata = parse_metadata(errors, body.get("metadata"), allow_null=False)
    payments = parse_payments(errors, body.get("payments"))
    discounts = body.get("discounts") or []
    pays_fees = boolean(errors, body, "customerPaysFees")
    with app.store.lock:
        items = parse_items(app.store, errors, body.get("items"), "items", required=True)
        if errors:
            return validation_error(errors)
        store = app.store
        if app.config.enforce_external_id_unique and external_id in store.booking_ids_by_external_id:
            return conflict("ExternalId", f"The booking {external_id} already exists")
        if len(items) > MAX_LINE_ITEMS:
            return conflict("BookingSize", f"A booking can have at most {MAX_LINE_ITEMS} line items")
        if any(store.variations[i.variation_id].is_suspended for i in items):
            return conflict("ProductUnavailable", "One or more products are not available for sale")
        at = clock.now()
        holder, is_new = services.guest_for_booking(app, customer, at=at)
        booking = services.booking_create(
            app,
            channel="Api",
            location="Api",
            event_channel="Api",
            holder=holder,
            holder_is_new=is_new,
            items=items,
            at=at,
            name=name,
            external_id=external_id,
            comments=comments,
            metadata=metadata,
            payments=payments,
            discount=discounts[0] if discounts and isinstance(discounts[0], dict) else None,
            fees=store.venue["feePerTransaction"] if pays_fees else 0.0,
            pos_notes=body.get("posNotes") or "",
        )
        return json_response(201, {"bookingReference": str(booking.reference), "uniqueId": booking.unique_id})


# --- update, cancel, delete ----------------------------------------------------------------
def update(app: Sandbox, request: Request) -> Response:
    body = request.body if isinstance(request.body, dict) else {}
    errors = Errors()
    name = text(errors, body, "name", max_length=128)
    comments = text(errors, body, "comments", max_length=500)
    metadata = parse_metadata(errors, body.get("metadata"), allow_null=True)
    with app.store.lock:
        booking = app.store.find_booking(request.params["booking_id"])
        if booking is None:
            return empty(404)
        new_items = parse_items(app.store, errors, body.get("newItems"), "newItems", required=False)
        if errors:
            return validation_error(errors)
        if booking.status == "Cancelled":
            return conflict("BookingCancelled", "A cancelled booking cannot be updated")
        remove = [int(i) for i in body.get("idsToRemove") or () if str(i).isdigit()]
        known = {i.id for i in booking.items}
        if any(i not in known for i in remove):
            return conflict("BookingItemNotFound", "One or more bookingItemIds are not on this booking")
        services.booking_update(
            app,
            booking,
            at=clock.now(),
            event_channel="Api",
            name=name,
            comments=comments,
            metadata=metadata,
            new_items=new_items,
            ids_to_remove=remove,
            items_to_update=[
                u for u in body.get("itemsToUpdate") or () if isinstance(u, dict) and "bookingItemId" in u
            ],
        )
    return empty(200)


def _api_booking_checks(booking: Booking, action: str) -> Response | None:
    if booking.channel != "Api":
        # ROLLER answers a bare JSON string here.
        return json_response(403, f"You can only {action} bookings you've made via the API")
    if booking.status == "Cancelled":
        return conflict("BookingCancelled", "The booking is already cancelled")
    last_day = max((i.booking_date for i in booking.items), default="")
    if last_day < clock.venue_today().isoformat():
        return conflict("BookingDate", f"You can only {action} future bookings")
    return None


def cancel(app: Sandbox, request: Request) -> Response:
    body = request.body if isinstance(request.body, dict) else {}
    errors = Errors()
    issue_refund = boolean(errors, body, "issueRefund", required=True)
    refund_type = body.get("refundType")
    if issue_refund and refund_type not in REFUND_TYPES:
        errors.add("refundType", f"Required when issueRefund is true; one of {', '.join(REFUND_TYPES)}.")
    with app.store.lock:
        booking = app.store.find_booking(request.params["booking_id"])
        if booking is None:
            return empty(404)
        if errors:
            return validation_error(errors)
        refused = _api_booking_checks(booking, "cancel")
        if refused is not None:
            return refused
        services.booking_cancel(
            app,
            booking,
            at=clock.now(),
            event_channel="Api",
            refund_type=refund_type if issue_refund else None,
        )
    return empty(200)


def delete(app: Sandbox, request: Request) -> Response:
    """Deleted bookings vanish from every endpoint and report; no webhook is documented."""
    with app.store.lock:
        booking = app.store.find_booking(request.params["booking_id"])
        if booking is None:
            return empty(404)
        refused = _api_booking_checks(booking, "delete")
        if refused is not None:
            return refused
        booking.status = "Deleted"
        app.store.touch_booking(booking, clock.now())
    return empty(200)
