"""ROLLER payloads → plain, typed records. No database, no HTTP: a function per payload shape.

The shapes are those of ROLLER's OpenAPI files (models/*.yaml, reference/*.yaml) plus the
corrections in roller-api.md §10: `items`/`tickets` may be an array or a single object, ids
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
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


class PayloadError(ValueError):
    """A ROLLER payload lacks a required field or holds a value of the wrong type."""


# --- records ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WebhookEnvelope:
    message_id: str
    object_type: str  # "Booking", "Customer", … (an unknown type is kept as sent, e.g. "9")
    event_type: str  # "Created", "Updated", "Cancelled", "Deleted" (unknown kept as sent)
    event_date: dt.datetime | None
    data: Any  # the payload: a dict, or a list for signed waivers
    send_date: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class GuestRecord:
    guest_id: str
    first_name: str
    last_name: str
    email: str
    phone: str
    date_of_birth: dt.date | None
    gender: str
    street: str
    city: str
    postcode: str
    state: str
    country: str
    # None: ROLLER did not say (missing field), which is not the same as False (opted out).
    accept_marketing_email: bool | None
    accept_marketing_sms: bool | None
    modified_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class TicketRecord:
    # No ticket holder name: it is often a minor's name.
    ticket_id: str
    customer_id: str | None
    signed_waiver_id: str | None


@dataclass(frozen=True, slots=True)
class BookingItemRecord:
    item_id: str
    product_id: str  # the variation (child product) id
    quantity: int
    unit_price: Decimal  # ROLLER's `cost`: the unit price
    discount: Decimal  # across the whole quantity
    booking_date: dt.date | None
    tickets: tuple[TicketRecord, ...]


@dataclass(frozen=True, slots=True)
class BookingRecord:
    unique_id: str
    reference: str
    customer_id: str | None  # the booking holder; POS bookings often have none
    channel: str  # ROLLER's own value: REST `channel` (or `source`), reporting `bookingLocation`
    channel_source: str  # "rest" or "reporting": the two use different vocabularies
    status: str
    created_at: dt.datetime | None
    total: Decimal
    discount: Decimal
    fees: Decimal
    items: tuple[BookingItemRecord, ...]
    modified_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ProductRecord:
    product_id: str
    parent_id: str | None
    name: str
    product_type: str
    price: Decimal | None
    category: str
    active: bool


@dataclass(frozen=True, slots=True)
class SignedWaiverRecord:
    signed_waiver_id: str
    guest_id: str | None
    parent_signed_waiver_id: str | None
    is_for_minor: bool
    date_of_birth: dt.date | None
    modified_at: dt.datetime | None
    waiver_id: str | None = None


@dataclass(frozen=True, slots=True)
class WaiverRecord:
    waiver_id: str
    name: str
    minor_age_limit_years: int | None


@dataclass(frozen=True, slots=True)
class VenueRecord:
    venue_id: str
    name: str
    time_zone: str  # an IANA name, or "" when ROLLER's value is not one
    currency: str
    country_code: str


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
        message_id=_required_id(body, "id"),
        object_type=object_type,
        event_type=_enum(body, "eventType", EVENT_TYPES),
        event_date=_datetime(body, "eventDate", tz),
        data=_unwrap(data, object_type),
        send_date=_datetime(body, "sendDate", tz),
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
    payload = _object(payload, "guest")
    return _guest(payload, _id_value(guest_id, "guestId"), phone_key="phone", modified_at=modified_at)


def parse_customer_detail(payload: Mapping[str, Any], *, modified_at: dt.datetime | None = None) -> GuestRecord:
    """The Customer webhook payload and deprecated `GET /customers/{id}` (CustomerDetail.yaml)."""
    payload = _object(payload, "customer")
    return _guest(payload, _required_id(payload, "customerId"), phone_key="phone", modified_at=modified_at)


def parse_reporting_guest(row: Mapping[str, Any], *, tz: ZoneInfo) -> GuestRecord:
    """A row of the Reporting API's `GET /data/customers`."""
    row = _object(row, "guest row")
    return _guest(
        row, _required_id(row, "customerId"), phone_key="contactNumber", modified_at=_datetime(row, "modifiedDate", tz)
    )


def _guest(
    payload: Mapping[str, Any], guest_id: str, *, phone_key: str, modified_at: dt.datetime | None
) -> GuestRecord:
    address = payload.get("address") or {}
    if not isinstance(address, Mapping):
        raise PayloadError("Field 'address' is not an object.")
    return GuestRecord(
        guest_id=guest_id,
        first_name=_text(payload, "firstName"),
        last_name=_text(payload, "lastName"),
        email=_text(payload, "email"),
        phone=_text(payload, phone_key),
        date_of_birth=_date(payload, "dateOfBirth"),
        gender=_text(payload, "gender"),
        street=_text(address, "street"),
        city=_text(address, "city"),
        postcode=_text(address, "postcode") or _text(payload, "postcode"),
        state=_text(address, "state"),
        country=_text(address, "country") or _text(payload, "country"),
        accept_marketing_email=_bool(payload, "acceptMarketing"),
        accept_marketing_sms=_bool(payload, "acceptMarketingSms"),
        modified_at=modified_at,
    )


# --- bookings ------------------------------------------------------------------------------


def parse_booking(payload: Mapping[str, Any], *, tz: ZoneInfo, modified_at: dt.datetime | None = None) -> BookingRecord:
    """REST `GET /bookings/{id}` and the Booking webhook payload (BookingDetail.yaml).

    BookingDetail has no modified date; pass the webhook's eventDate as `modified_at`.
    """
    payload = _object(payload, "booking")
    items = tuple(_rest_item(item, f"items[{n}]") for n, item in enumerate(_list(payload, "items")))
    return BookingRecord(
        unique_id=_required_id(payload, "uniqueId"),
        reference=_optional_id(payload, "bookingReference") or "",
        customer_id=_holder_id(payload, "customerId"),
        # `source` is the deprecated twin of `channel`.
        channel=_text(payload, "channel") or _text(payload, "source"),
        channel_source="rest",
        status=_text(payload, "status"),
        created_at=_datetime(payload, "createdDate", tz),
        total=_money(payload, "total"),
        discount=_money(payload, "discount"),
        fees=_money(payload, "fees"),
        items=items,
        modified_at=modified_at,
    )


def _rest_item(item: Any, where: str) -> BookingItemRecord:
    item = _object(item, where)
    tickets = tuple(_ticket(ticket, f"{where}.tickets[{n}]") for n, ticket in enumerate(_list(item, "tickets")))
    return BookingItemRecord(
        item_id=_required_id(item, "bookingItemId", where),
        product_id=_required_id(item, "productId", where),
        quantity=_int(item, "quantity", where),
        unit_price=_money(item, "cost", where),
        discount=_money(item, "discount", where),
        booking_date=_date(item, "bookingDate", where),
        tickets=tickets,
    )


def _ticket(ticket: Any, where: str) -> TicketRecord:
    ticket = _object(ticket, where)
    return TicketRecord(
        ticket_id=_required_id(ticket, "ticketId", where),
        customer_id=_holder_id(ticket, "customerId", where),
        signed_waiver_id=_holder_id(ticket, "signedWaiverId", where),
    )


def parse_booking_item_rows(rows: Iterable[Mapping[str, Any]], *, tz: ZoneInfo) -> BookingRecord:
    """The Reporting API's `GET /data/bookingitems` rows of ONE booking → one booking.

    Booking-level values (total, fees, status…) repeat on every row; the booking's discount is
    the sum of the items' `discountAmount` (the rows carry no booking-level discount). The
    reporting rows carry no tickets.
    """
    rows = [_object(row, "booking item row") for row in rows]
    if not rows:
        raise PayloadError("No booking item rows were given.")
    unique_ids = {_required_id(row, "bookingUniqueId") for row in rows}
    if len(unique_ids) > 1:
        raise PayloadError("Field 'bookingUniqueId' differs between rows that should be of one booking.")
    items: dict[str, BookingItemRecord] = {}
    for n, row in enumerate(rows):
        where = f"rows[{n}]"
        item = BookingItemRecord(
            item_id=_required_id(row, "bookingItemId", where),
            product_id=_required_id(row, "productId", where),
            quantity=_int(row, "quantity", where),
            unit_price=_money(row, "cost", where),
            discount=_money(row, "discountAmount", where),
            booking_date=_date(row, "bookingDate", where),
            tickets=(),
        )
        items[item.item_id] = item  # a row seen twice (overlapping pages) counts once
    first = rows[0]
    modified = [m for m in (_datetime(row, "bookingModifiedDate", tz) for row in rows) if m is not None]
    return BookingRecord(
        unique_id=unique_ids.pop(),
        reference=_optional_id(first, "bookingReference") or "",
        customer_id=_holder_id(first, "bookingCustomerId"),
        channel=_text(first, "bookingLocation"),
        channel_source="reporting",
        status=_text(first, "bookingStatus"),
        created_at=_datetime(first, "bookingCreatedDate", tz),
        total=_money(first, "bookingTotal"),
        discount=sum((item.discount for item in items.values()), Decimal("0")),
        fees=_money(first, "bookingFeeAmount"),
        items=tuple(items.values()),
        modified_at=max(modified) if modified else None,
    )


def group_booking_item_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Rows of `/data/bookingitems` grouped by booking uniqueId, in first-seen order."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(_required_id(_object(row, "booking item row"), "bookingUniqueId"), []).append(row)
    return groups


# --- products ------------------------------------------------------------------------------


def parse_products(payload: Any) -> list[ProductRecord]:
    """REST `GET /products`: parents, each followed by its variations (`products[]`).

    REST gives category ids, not names, so `category` is "" here; the reporting rows name it.
    """
    records: list[ProductRecord] = []
    for n, parent in enumerate(_list({"products": payload}, "products")):
        where = f"[{n}]"
        parent = _object(parent, where)
        parent_id = _required_id(parent, "parentProductId", where)
        product_type = _text(parent, "type")
        children = []
        for m, child in enumerate(_list(parent, "products", where)):
            child_where = f"{where}.products[{m}]"
            child = _object(child, child_where)
            price = _money(child, "price", child_where, default=None)
            if price is None:
                price = _money(child, "cost", child_where, default=None)  # deprecated twin of price
            children.append(
                ProductRecord(
                    product_id=_required_id(child, "id", child_where),
                    parent_id=parent_id,
                    name=_text(child, "name"),
                    product_type=product_type,
                    price=price,
                    category="",
                    # "Enabled" in REST terms: not suspended from sale.
                    active=not _bool(child, "isSuspended"),
                )
            )
        active = any(child.active for child in children) if children else True
        records.append(
            ProductRecord(parent_id, None, _text(parent, "parentProductName"), product_type, None, "", active)
        )
        records.extend(children)
    return records


def parse_reporting_product(row: Mapping[str, Any]) -> ProductRecord:
    """A row of `GET /data/products` (parents and variations come in one flat list)."""
    row = _object(row, "product row")
    product_id = _required_id(row, "productId")
    parent_id = _optional_id(row, "parentProductId")
    price = _money(row, "price", default=None)
    if price is None:
        price = _money(row, "cost", default=None)  # deprecated twin of price
    status = _text(row, "productStatus")
    return ProductRecord(
        product_id=product_id,
        parent_id=None if parent_id in (None, "0", product_id) else parent_id,
        name=_text(row, "name"),
        product_type=_text(row, "productType"),
        price=price,
        category=_text(row, "reportingCategoryName"),
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
    for n, waiver in enumerate(_list({"signedWaivers": payload}, "signedWaivers")):
        where = f"[{n}]"
        waiver = _object(waiver, where)
        parent = _optional_id(waiver, "parentSignedWaiverId", where)
        records.append(
            SignedWaiverRecord(
                signed_waiver_id=_required_id(waiver, "signedWaiverId", where),
                guest_id=_holder_id(waiver, "guestId", where) or _holder_id(waiver, "customerId", where),
                parent_signed_waiver_id=parent,
                # A waiver signed under a parent's is a minor's even if the flag is missing.
                is_for_minor=bool(_bool(waiver, "isForMinor", where)) or parent is not None,
                date_of_birth=_date(waiver, "dateOfBirth", where),
                modified_at=_datetime(waiver, "modifiedDate", tz, where) or _datetime(waiver, "createdDate", tz, where),
                waiver_id=_optional_id(waiver, "waiverId", where),
            )
        )
    return records


def parse_reporting_waiver(row: Mapping[str, Any]) -> WaiverRecord:
    """A row of `GET /data/waivers`: the waiver's terms, with the age under which one is a minor."""
    row = _object(row, "waiver row")
    return WaiverRecord(
        waiver_id=_required_id(row, "waiverId"),
        name=_text(row, "name"),
        minor_age_limit_years=_int(row, "minorAgeLimitsInYears", default=None),
    )


# --- venue ---------------------------------------------------------------------------------


def parse_venue(payload: Mapping[str, Any]) -> VenueRecord:
    """`GET /venues/me`. The spec's own example puts "(UTC+10:00) Brisbane" in `ianaTimeZone`,
    so the value is kept only when it is a real IANA name."""
    payload = _object(payload, "venue")
    time_zone = _text(payload, "ianaTimeZone")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        time_zone = ""
    return VenueRecord(
        venue_id=_required_id(payload, "id"),
        name=_text(payload, "name"),
        time_zone=time_zone,
        currency=_text(payload, "currency"),
        country_code=_text(payload, "countryCode"),
    )


# --- field readers -------------------------------------------------------------------------


def _name(key: str, where: str) -> str:
    return f"{where}.{key}" if where else key


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PayloadError(f"The {what} is not a JSON object.")
    return value


def _list(payload: Mapping[str, Any], key: str, where: str = "") -> list[Any]:
    """An array, tolerating null/missing (empty) and a single object (ROLLER's spec types
    BookingDetail.items and Items.tickets as one object; the live API sends arrays)."""
    value = payload.get(key)
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [value]
    if not isinstance(value, list):
        raise PayloadError(f"Field '{_name(key, where)}' is not an array.")
    return value


def _id_value(value: Any, key: str, where: str = "") -> str:
    # The common cases first, and the field's name only made for an error: an import parses
    # a few ids on each of a venue's hundreds of thousands of rows.
    if type(value) is str:
        stripped = value.strip()
        if stripped:
            return stripped
    elif isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    elif isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        raise PayloadError(f"Field '{_name(key, where)}' is not an id: {value!r}.")
    raise PayloadError(f"Field '{_name(key, where)}' is not an id.")


def _optional_id(payload: Mapping[str, Any], key: str, where: str = "") -> str | None:
    value = payload.get(key)
    if value is None or value == "":
        return None
    return _id_value(value, key, where)


def _required_id(payload: Mapping[str, Any], key: str, where: str = "") -> str:
    value = _optional_id(payload, key, where)
    if value is None:
        raise PayloadError(f"Required field '{_name(key, where)}' is missing.")
    return value


def _holder_id(payload: Mapping[str, Any], key: str, where: str = "") -> str | None:
    # .NET sends 0 for an unset integer id: no holder, not a guest numbered 0.
    value = _optional_id(payload, key, where)
    return None if value == "0" else value


def _text(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value).strip()


def _bool(payload: Mapping[str, Any], key: str, where: str = "") -> bool | None:
    value = payload.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise PayloadError(f"Field '{_name(key, where)}' is not true or false.")


def _int(payload: Mapping[str, Any], key: str, where: str = "", **kwargs: Any) -> Any:
    value = payload.get(key)
    if value is None or value == "":
        if "default" in kwargs:
            return kwargs["default"]
        raise PayloadError(f"Required field '{_name(key, where)}' is missing.")
    if isinstance(value, bool):
        raise PayloadError(f"Field '{_name(key, where)}' is not a whole number.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise PayloadError(f"Field '{_name(key, where)}' is not a whole number.")


_ZERO = Decimal("0")


def _money(payload: Mapping[str, Any], key: str, where: str = "", default: Decimal | None = _ZERO) -> Any:
    """A decimal amount in venue currency; missing or null gives `default` (0 unless told)."""
    value = payload.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise PayloadError(f"Field '{_name(key, where)}' is not an amount.")
    try:
        # str() first: Decimal(0.1) would carry the float's binary error into the amount.
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise PayloadError(f"Field '{_name(key, where)}' is not an amount.") from exc
    if not amount.is_finite():
        raise PayloadError(f"Field '{_name(key, where)}' is not an amount.")
    return amount


def _date(payload: Mapping[str, Any], key: str, where: str = "") -> dt.date | None:
    """A calendar date (`yyyy-MM-dd`; a `…T00:00:00` value is taken by its date part)."""
    value = payload.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PayloadError(f"Field '{_name(key, where)}' is not a date.")
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError as exc:
        raise PayloadError(f"Field '{_name(key, where)}' is not a date: {value!r}.") from exc


def _datetime(payload: Mapping[str, Any], key: str, tz: ZoneInfo | None, where: str = "") -> dt.datetime | None:
    """An aware datetime: with `Z`/offset it is UTC; without, it is venue-local (`tz`)."""
    value = payload.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PayloadError(f"Field '{_name(key, where)}' is not a date and time.")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise PayloadError(f"Field '{_name(key, where)}' is not a date and time: {value!r}.") from exc
    if parsed.tzinfo is not None:
        try:
            return parsed.astimezone(UTC)
        except OverflowError as exc:  # 9999-12-31T23:59:59-05:00 is past the range in UTC
            raise PayloadError(f"Field '{_name(key, where)}' is out of range: {value!r}.") from exc
    if tz is None:
        raise PayloadError(f"Field '{_name(key, where)}' has no UTC offset and no venue time zone was given.")
    return parsed.replace(tzinfo=tz)
