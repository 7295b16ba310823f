"""Reporting (Data) API: read-only, paged, filtered on each record's modified time.

`startDate`/`endDate` are venue-local unless they carry `Z` or an offset; the window must
be longer than zero and at most 24 hours (ROLLER: "endDate should be +1 day"). Rows are
sorted by modified time so that paging is stable while nothing changes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import clock, render_data
from .routing import Request, Response, Router, json_response, validation_error
from .validation import Errors

if TYPE_CHECKING:
    from .app import Sandbox

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


@dataclass(frozen=True, slots=True)
class Rows:
    """What a collector returns: the window's records (or all), sorted, and how one is
    rendered (with venue offsets or not). Only the requested page gets rendered: a window of
    a busy day has thousands of booking items and a page holds 500."""

    records: Sequence[Any]
    render: Callable[[Any, bool], dict[str, Any]]


def register(router: Router, app: Sandbox) -> None:
    for path, collect in WINDOWED.items():
        router.add("GET", path, lambda r, c=collect: _windowed(app, r, c))
    router.add("GET", "/data/products", lambda r: _whole(app, r, _products))
    router.add("GET", "/data/waivers", lambda r: _whole(app, r, _waivers))


def parse_window(request: Request, errors: Errors) -> tuple[float, float] | None:
    values = {}
    for name in ("startDate", "endDate"):
        raw = request.arg(name)
        if not raw:
            errors.add(name, f"The {name} field is required.")
            continue
        try:
            values[name] = clock.parse_window_param(raw)
        except (clock.DateParamError, ValueError):
            errors.add(name, f"The value '{raw}' is not valid for {name}: use yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss.")
    if errors:
        return None
    start, end, hours = clock.window_to_epoch(values["startDate"], values["endDate"])
    if hours <= 0:
        errors.add("endDate", "The endDate must be after the startDate.")
    elif hours > 24:
        errors.add("endDate", "The date range cannot be more than 1 day.")
    return None if errors else (start, end)


def parse_paging(request: Request, errors: Errors) -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        raw = request.arg(name)
        if raw is None or raw == "":
            return default
        if not raw.isdigit() or int(raw) < 1:
            errors.add(name, f"The {name} field must be a positive integer.")
            return default
        return int(raw)

    return number("pageNumber", 1), min(number("pageSize", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)


def _windowed(app: Sandbox, request: Request, collect: Callable[..., Rows]) -> Response:
    errors = Errors()
    window = parse_window(request, errors)
    page, size = parse_paging(request, errors)
    if errors or window is None:
        return validation_error(errors)
    return _page(app, request, lambda: collect(app, request, *window), page, size)


def _whole(app: Sandbox, request: Request, collect: Callable[..., Rows]) -> Response:
    errors = Errors()
    page, size = parse_paging(request, errors)
    if errors:
        return validation_error(errors)
    return _page(app, request, lambda: collect(app, request), page, size)


def _page(app: Sandbox, request: Request, collect: Callable[[], Rows], page: int, size: int) -> Response:
    offset = request.header("timezone-designators").lower() == "offset"
    with app.store.lock:
        rows = collect()
        items = [rows.render(record, offset) for record in rows.records[(page - 1) * size : page * size]]
    body: dict[str, Any] = {
        "currentPage": page,
        "totalPages": math.ceil(len(rows.records) / size),
        "totalItems": len(rows.records),
    }
    # The spec spells it itemsPerpage; the docs say itemsPerPage (docs/roller-facts.md, Reporting API).
    key = app.config.items_per_page_key
    for name in ("itemsPerPage", "itemsPerpage"):
        if key in (name, "both"):
            body[name] = size
    body["items"] = items
    return json_response(200, body)


# --- collectors ----------------------------------------------------------------------------
# The store's timelines find a window's records by bisection (integrations.roller.sandbox.timeline).
def _customers(app: Sandbox, request: Request, start: float, end: float) -> Rows:
    guests = app.store.guests_modified_between(start, end)
    return Rows(guests, lambda guest, o: render_data.customer(guest, offset=o))


def _booking_items(app: Sandbox, request: Request, start: float, end: float) -> Rows:
    store, totals = app.store, {}  # a booking's total is on each of its rows: summed once

    def render(pair: tuple, offset: bool) -> dict[str, Any]:
        booking, item = pair
        if booking.unique_id not in totals:
            totals[booking.unique_id] = booking.total
        return render_data.booking_item(store, booking, item, offset=offset, total=totals[booking.unique_id])

    return Rows([(b, i) for b in store.bookings_modified_between(start, end) for i in b.items], render)


def _tickets(app: Sandbox, request: Request, start: float, end: float) -> Rows:
    store, records = app.store, []
    for booking in store.bookings_modified_between(start, end):
        for item in booking.items:
            if not store.parent_of(item.product_id).in_data_tickets:
                continue
            records += [(booking, item, index) for index in range(item.ticket_count)]
    return Rows(records, lambda record, o: render_data.ticket(store, *record, offset=o))


def _signed_waivers(app: Sandbox, request: Request, start: float, end: float) -> Rows:
    records = app.store.signed_waivers_modified_between(start, end)
    return Rows(records, lambda waiver, o: render_data.signed_waiver(waiver, offset=o))


def _booking_signed_waivers(app: Sandbox, request: Request, start: float, end: float) -> Rows:
    records = app.store.booking_signed_waivers_modified_between(start, end)
    return Rows(records, lambda record, o: render_data.booking_signed_waiver(record, offset=o))


# The windowed endpoints by path; bulk exports (bulk.py) collect their months with these too.
WINDOWED: dict[str, Callable[..., Rows]] = {
    "/data/customers": _customers,
    "/data/bookingitems": _booking_items,
    "/data/tickets": _tickets,
    "/data/signedwaivers": _signed_waivers,
    "/data/bookingsignedwaivers": _booking_signed_waivers,
}


def _products(app: Sandbox, request: Request) -> Rows:
    product_type = (request.arg("productType") or "").lower()
    sub_type = (request.arg("productSubType") or "").lower()
    rows: list[dict[str, Any]] = []
    for parent in app.store.products.values():
        if product_type and product_type not in (parent.data_type.lower(), parent.rest_type):
            continue
        if sub_type and parent.data_sub_type.lower() != sub_type:
            continue
        rows += render_data.product_rows(parent)
    return Rows(rows, lambda row, o: row)


def _waivers(app: Sandbox, request: Request) -> Rows:
    return Rows([app.store.waiver], lambda waiver, o: render_data.waiver(waiver, offset=o))
