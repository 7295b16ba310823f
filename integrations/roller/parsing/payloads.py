"""ROLLER payloads → plain, typed records (parsing.records), a function per payload shape.

The shapes are those of ROLLER's OpenAPI files (models/*.yaml, reference/*.yaml) plus the
corrections in docs/roller-facts.md (Payload shapes): `items`/`tickets` may be an array or a single object, ids
are integers in the REST API and strings in the Reporting API (records always hold `str`),
money is a decimal number in the venue currency (records hold `Decimal`), values without a
UTC offset are venue-local (made aware in the `tz` given), values with `Z`/offset are UTC.

A missing optional field gives "" / None; a missing required field, or a value of the wrong
type, raises PayloadError naming the field. Ticket holder names, waiver names and contact
details of minors are never read: data about minors must not be stored.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from integrations.roller.parsing import values
from integrations.roller.parsing.records import (
    BookingItemRecord,
    BookingRecord,
    BulkExportRecord,
    GuestRecord,
    PayloadError,
    ProductRecord,
    SignedWaiverRecord,
    TicketRecord,
    VenueRecord,
    WebhookEnvelope,
)

UTC = dt.UTC

# WebhookMessageDefinition.yaml: `type` and `eventType` come as names or as these ids.
OBJECT_TYPES = {1: "Booking", 3: "Redemption", 4: "Customer", 5: "BulkExport", 7: "SignedWaiver", 8: "PaymentLink"}
EVENT_TYPES = {1: "Created", 2: "Updated", 3: "Cancelled", 4: "Deleted"}
# Keys a sender may wrap the payload in (`data.booking`, seen in production code), by type.
_WRAPPERS = {
    "Booking": (("booking",), "uniqueId"),
    "Customer": (("customer", "guest"), "customerId"),
    "SignedWaiver": (("signedWaivers", "signedWaiver"), "signedWaiverId"),
    "Redemption": (("redemption",), "bookingReference"),
}


# --- webhook envelope ----------------------------------------------------------------------


def parse_envelope(body: bytes | str | Mapping[str, Any], *, tz: ZoneInfo | None = None) -> WebhookEnvelope:
    """A webhook delivery, with `type`/`eventType` as names or ids and the payload unwrapped."""
    if isinstance(body, (bytes, bytearray, str)):
        try:
            text = body.decode("utf-8-sig") if isinstance(body, (bytes, bytearray)) else body
            body = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PayloadError("The webhook body is not JSON.") from exc
    if not isinstance(body, Mapping):
        raise PayloadError("The webhook body is not a JSON object.")
    object_type = _enum(body, "type", OBJECT_TYPES)
    data = body.get("data")
    if data is None:
        raise PayloadError("Required field 'data' is missing.")
    return WebhookEnvelope(
        message_id=values.required_id(body, "id"),
        object_type=object_type,
        event_type=_enum(body, "eventType", EVENT_TYPES),
        event_date=values.moment(body, "eventDate", tz),
        data=_unwrap(data, object_type),
        send_date=values.moment(body, "sendDate", tz),
    )


def _enum(payload: Mapping[str, Any], key: str, names: dict[int, str]) -> str:
    value = payload.get(key)
    if value is None or value == "":
        raise PayloadError(f"Required field '{key}' is missing.")
    if isinstance(value, bool):
        raise PayloadError(f"Field '{key}' is not a name or an id: {value!r}.")
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return names.get(int(value), str(int(value)))
    if not isinstance(value, str):
        raise PayloadError(f"Field '{key}' is not a name or an id.")
    by_lower = {name.lower(): name for name in names.values()}
    return by_lower.get(value.strip().lower(), value.strip())


def _unwrap(data: Any, object_type: str) -> Any:
    wrappers, own_key = _WRAPPERS.get(object_type, ((), ""))
    if isinstance(data, Mapping) and own_key not in data:
        lowered = {str(k).lower(): v for k, v in data.items()}
        for wrapper in wrappers:
            inner = lowered.get(wrapper.lower())
            if isinstance(inner, (Mapping, list)):
                return inner
    return data


# --- guests --------------------------------------------------------------------------------


def parse_guest(
    payload: Mapping[str, Any], guest_id: str | int, *, modified_at: dt.datetime | None = None
) -> GuestRecord:
    """REST `GET /guests/{guestId}` (models/Guest.yaml has no id: it comes from the path)."""
    payload = values.mapping(payload, "guest")
    return _guest(payload, values.id_value(guest_id, "guestId"), phone_key="phone", modified_at=modified_at)


def parse_customer_detail(payload: Mapping[str, Any], *, modified_at: dt.datetime | None = None) -> GuestRecord:
    """The Customer webhook payload and deprecated `GET /customers/{id}` (CustomerDetail.yaml)."""
    payload = values.mapping(payload, "customer")
    return _guest(payload, values.required_id(payload, "customerId"), phone_key="phone", modified_at=modified_at)


def parse_reporting_guest(row: Mapping[str, Any], *, tz: ZoneInfo) -> GuestRecord:
    """A row of the Reporting API's `GET /data/customers`."""
    row = values.mapping(row, "guest row")
    return _guest(
        row,
        values.required_id(row, "customerId"),
        phone_key="contactNumber",
        modified_at=values.moment(row, "modifiedDate", tz),
    )


def _guest(
    payload: Mapping[str, Any], guest_id: str, *, phone_key: str, modified_at: dt.datetime | None
) -> GuestRecord:
    address = payload.get("address") or {}
    if not isinstance(address, Mapping):
        raise PayloadError("Field 'address' is not an object.")
    return GuestRecord(
        guest_id=guest_id,
        first_name=values.text(payload, "firstName"),
        last_name=values.text(payload, "lastName"),
        email=values.text(payload, "email"),
        phone=values.text(payload, phone_key),
        date_of_birth=values.date(payload, "dateOfBirth"),
        gender=values.text(payload, "gender"),
        street=values.text(address, "street"),
        city=values.text(address, "city"),
        postcode=values.text(address, "postcode") or values.text(payload, "postcode"),
        state=values.text(address, "state"),
        country=values.text(address, "country") or values.text(payload, "country"),
        accept_marketing_email=values.boolean(payload, "acceptMarketing"),
        accept_marketing_sms=values.boolean(payload, "acceptMarketingSms"),
        modified_at=modified_at,
    )


# --- bookings ------------------------------------------------------------------------------


def parse_booking(payload: Mapping[str, Any], *, tz: ZoneInfo, modified_at: dt.datetime | None = None) -> BookingRecord:
    """REST `GET /bookings/{id}` and the Booking webhook payload (BookingDetail.yaml).

    BookingDetail has no modified date; pass the webhook's eventDate as `modified_at`.
    """
    payload = values.mapping(payload, "booking")
    items = tuple(_rest_item(item, f"items[{n}]") for n, item in enumerate(values.items(payload, "items")))
    return BookingRecord(
        unique_id=values.required_id(payload, "uniqueId"),
        reference=values.optional_id(payload, "bookingReference") or "",
        customer_id=values.holder_id(payload, "customerId"),
        # `source` is the deprecated twin of `channel`.
        channel=values.text(payload, "channel") or values.text(payload, "source"),
        channel_source="rest",
        status=values.text(payload, "status"),
        created_at=values.moment(payload, "createdDate", tz),
        total=values.money(payload, "total"),
        discount=values.money(payload, "discount"),
        fees=values.money(payload, "fees"),
        items=items,
        modified_at=modified_at,
    )


def _rest_item(item: Any, where: str) -> BookingItemRecord:
    item = values.mapping(item, where)
    tickets = tuple(_ticket(ticket, f"{where}.tickets[{n}]") for n, ticket in enumerate(values.items(item, "tickets")))
    return BookingItemRecord(
        item_id=values.required_id(item, "bookingItemId", where),
        product_id=values.required_id(item, "productId", where),
        quantity=values.integer(item, "quantity", where),
        unit_price=values.money(item, "cost", where),
        discount=values.money(item, "discount", where),
        booking_date=values.date(item, "bookingDate", where),
        tickets=tickets,
    )


def _ticket(ticket: Any, where: str) -> TicketRecord:
    ticket = values.mapping(ticket, where)
    return TicketRecord(
        ticket_id=values.required_id(ticket, "ticketId", where),
        customer_id=values.holder_id(ticket, "customerId", where),
        signed_waiver_id=values.holder_id(ticket, "signedWaiverId", where),
    )


def parse_booking_item_rows(rows: Iterable[Mapping[str, Any]], *, tz: ZoneInfo) -> BookingRecord:
    """The Reporting API's `GET /data/bookingitems` rows of ONE booking → one booking.

    Booking-level values (total, fees, status…) repeat on every row; the booking's discount is
    the sum of the items' `discountAmount` (the rows carry no booking-level discount). The
    reporting rows carry no tickets.
    """
    rows = [values.mapping(row, "booking item row") for row in rows]
    if not rows:
        raise PayloadError("No booking item rows were given.")
    unique_ids = {values.required_id(row, "bookingUniqueId") for row in rows}
    if len(unique_ids) > 1:
        raise PayloadError("Field 'bookingUniqueId' differs between rows that should be of one booking.")
    items: dict[str, BookingItemRecord] = {}
    for n, row in enumerate(rows):
        where = f"rows[{n}]"
        item = BookingItemRecord(
            item_id=values.required_id(row, "bookingItemId", where),
            product_id=values.required_id(row, "productId", where),
            quantity=values.integer(row, "quantity", where),
            unit_price=values.money(row, "cost", where),
            discount=values.money(row, "discountAmount", where),
            booking_date=values.date(row, "bookingDate", where),
            tickets=(),
        )
        items[item.item_id] = item  # a row seen twice (overlapping pages) counts once
    first = rows[0]
    modified = [m for m in (values.moment(row, "bookingModifiedDate", tz) for row in rows) if m is not None]
    return BookingRecord(
        unique_id=unique_ids.pop(),
        reference=values.optional_id(first, "bookingReference") or "",
        customer_id=values.holder_id(first, "bookingCustomerId"),
        channel=values.text(first, "bookingLocation"),
        channel_source="reporting",
        status=values.text(first, "bookingStatus"),
        created_at=values.moment(first, "bookingCreatedDate", tz),
        total=values.money(first, "bookingTotal"),
        discount=sum((item.discount for item in items.values()), Decimal("0")),
        fees=values.money(first, "bookingFeeAmount"),
        items=tuple(items.values()),
        modified_at=max(modified) if modified else None,
    )


def group_booking_item_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Rows of `/data/bookingitems` grouped by booking uniqueId, in first-seen order."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(values.required_id(values.mapping(row, "booking item row"), "bookingUniqueId"), []).append(
            row
        )
    return groups


# --- products ------------------------------------------------------------------------------


def parse_products(payload: Any) -> list[ProductRecord]:
    """REST `GET /products`: parents, each followed by its variations (`products[]`).

    REST gives category ids, not names, so `category` is "" here; the reporting rows name it.
    """
    records: list[ProductRecord] = []
    for n, parent in enumerate(values.items({"products": payload}, "products")):
        where = f"[{n}]"
        parent = values.mapping(parent, where)
        parent_id = values.required_id(parent, "parentProductId", where)
        product_type = values.text(parent, "type")
        children = []
        for m, child in enumerate(values.items(parent, "products", where)):
            child_where = f"{where}.products[{m}]"
            child = values.mapping(child, child_where)
            price = values.money(child, "price", child_where, default=None)
            if price is None:
                price = values.money(child, "cost", child_where, default=None)  # deprecated twin of price
            children.append(
                ProductRecord(
                    product_id=values.required_id(child, "id", child_where),
                    parent_id=parent_id,
                    name=values.text(child, "name"),
                    product_type=product_type,
                    price=price,
                    category="",
                    # "Enabled" in REST terms: not suspended from sale.
                    active=not values.boolean(child, "isSuspended"),
                )
            )
        active = any(child.active for child in children) if children else True
        records.append(
            ProductRecord(parent_id, None, values.text(parent, "parentProductName"), product_type, None, "", active)
        )
        records.extend(children)
    return records


def parse_reporting_product(row: Mapping[str, Any]) -> ProductRecord:
    """A row of `GET /data/products` (parents and variations come in one flat list)."""
    row = values.mapping(row, "product row")
    product_id = values.required_id(row, "productId")
    parent_id = values.optional_id(row, "parentProductId")
    price = values.money(row, "price", default=None)
    if price is None:
        price = values.money(row, "cost", default=None)  # deprecated twin of price
    status = values.text(row, "productStatus")
    return ProductRecord(
        product_id=product_id,
        parent_id=None if parent_id in (None, "0", product_id) else parent_id,
        name=values.text(row, "name"),
        product_type=values.text(row, "productType"),
        price=price,
        category=values.text(row, "reportingCategoryName"),
        active=status in ("", "Published"),
    )


# --- waivers -------------------------------------------------------------------------------


def parse_signed_waivers(payload: Any, *, tz: ZoneInfo) -> list[SignedWaiverRecord]:
    """The SignedWaiver webhook (a flat list of adult + minors), `GET /signed-waivers/{id}` (one
    object) and `/data/signedwaivers` rows. REST names the guest `guestId` (int), the Reporting
    API `customerId` (str)."""
    if isinstance(payload, Mapping):
        payload = [payload]
    records = []
    for n, waiver in enumerate(values.items({"signedWaivers": payload}, "signedWaivers")):
        where = f"[{n}]"
        waiver = values.mapping(waiver, where)
        parent = values.optional_id(waiver, "parentSignedWaiverId", where)
        records.append(
            SignedWaiverRecord(
                signed_waiver_id=values.required_id(waiver, "signedWaiverId", where),
                guest_id=values.holder_id(waiver, "guestId", where) or values.holder_id(waiver, "customerId", where),
                parent_signed_waiver_id=parent,
                # A waiver signed under a parent's is a minor's even if the flag is missing.
                is_for_minor=bool(values.boolean(waiver, "isForMinor", where)) or parent is not None,
                date_of_birth=values.date(waiver, "dateOfBirth", where),
                modified_at=values.moment(waiver, "modifiedDate", tz, where)
                or values.moment(waiver, "createdDate", tz, where),
                waiver_id=values.optional_id(waiver, "waiverId", where),
            )
        )
    return records


# --- bulk exports --------------------------------------------------------------------------


def parse_bulk_export(payload: Mapping[str, Any]) -> BulkExportRecord:
    """The `data` of a `BulkExport` webhook (models/BulkDataExportCompleted.yaml). A month
    without data comes with no URLs, as an empty list or, leniently, without the field."""
    payload = values.mapping(payload, "bulk export")
    number = values.integer(payload, "sequenceNumber")
    total = values.integer(payload, "sequenceTotal")
    if not 1 <= number <= total:
        raise PayloadError(f"Sequence {number} of {total} is not a valid sequence number.")
    urls = values.items(payload, "preSignedUrls") if payload.get("preSignedUrls") is not None else []
    for n, url in enumerate(urls):
        # Never the URL itself in the message: it is presigned (a secret).
        if not isinstance(url, str) or not url.strip().lower().startswith(("https://", "http://")):
            raise PayloadError(f"Field 'preSignedUrls[{n}]' is not an absolute URL.")
    export_type = values.text(payload, "exportType")
    if not export_type:
        raise PayloadError("Required field 'exportType' is missing.")
    return BulkExportRecord(
        venue_id=values.required_id(payload, "venueId"),
        export_type=export_type,
        process_id=values.required_id(payload, "processId"),
        sequence_number=number,
        sequence_total=total,
        urls=tuple(url.strip() for url in urls),
    )


# --- venue ---------------------------------------------------------------------------------


def parse_venue(payload: Mapping[str, Any]) -> VenueRecord:
    """`GET /venues/me`. The spec's own example puts "(UTC+10:00) Brisbane" in `ianaTimeZone`,
    so the value is kept only when it is a real IANA name."""
    payload = values.mapping(payload, "venue")
    time_zone = values.text(payload, "ianaTimeZone")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        time_zone = ""
    return VenueRecord(
        venue_id=values.required_id(payload, "id"),
        name=values.text(payload, "name"),
        time_zone=time_zone,
        currency=values.text(payload, "currency"),
        country_code=values.text(payload, "countryCode"),
    )
