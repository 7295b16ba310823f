"""The summary's preview: the last days' ROLLER bookings run through the rules, writing nothing.

It reads from ROLLER (the Reporting API's booking items, signed waivers and guests of each
day, then `GET /guests/{id}` for booking holders not among those guests) through the
connection's client, which paces every call inside ROLLER's rate limits. It reads from our
database only what the rules ask ("is this contact known", "is this order known", "is this a
known minor"). It decides with the same functions the webhooks and imports use
(integrations.rules, integrations.roller.mapping), and returns plain counts and examples.

Nothing about a minor enters the result: they are counted, never described.
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from integrations.minors import minors_known
from integrations.models import Connection, Order
from integrations.outcomes import Reason
from integrations.records import ContactData
from integrations.roller import mapping
from integrations.roller.client import RollerClient
from integrations.roller.errors import NotFound
from integrations.roller.parsing.payloads import (
    group_booking_item_rows,
    parse_booking_item_rows,
    parse_guest,
    parse_reporting_guest,
    parse_signed_waivers,
)
from integrations.roller.parsing.records import BookingRecord, GuestRecord, PayloadError
from integrations.rules import Action, contact_decide, contact_prepare, is_minor, order_decide
from integrations.services.contacts import contact_is_known

PREVIEW_DAYS = 7
MAX_BOOKINGS = 300  # "up to a few hundred": enough to show the shape, few calls to ROLLER
EXAMPLES = 5  # per group (created, each reason)

Progress = Callable[[int, str], None]


@dataclass
class Tally:
    """Counts of one kind of record (orders or contacts) and a few examples per group."""

    counts: Counter = field(default_factory=Counter)  # create / update / skip
    reasons: Counter = field(default_factory=Counter)
    examples: dict[str, list[dict]] = field(default_factory=dict)

    def add(self, action: str, reason: str | None, example: dict | None) -> None:
        self.counts[action] += 1
        group = action
        if reason:
            self.reasons[reason] += 1
            group = reason
        if example is not None and reason != Reason.MINOR:
            bucket = self.examples.setdefault(group, [])
            if len(bucket) < EXAMPLES:
                bucket.append(example)

    def as_dict(self) -> dict:
        labels = dict(Reason.choices)
        return {
            "create": self.counts[Action.CREATE],
            "update": self.counts[Action.UPDATE],
            "skip": self.counts[Action.SKIP],
            "reasons": [
                {"reason": reason, "label": labels.get(reason, reason), "count": count}
                for reason, count in self.reasons.most_common()
            ],
            "examples": self.examples,
        }


def preview_collect(*, connection: Connection, client: RollerClient, progress: Progress) -> dict:
    """The preview's result as plain JSON-able data."""
    tz = _zone(connection.time_zone)
    today = timezone.localdate(timezone=tz)
    days = [today - dt.timedelta(days=n) for n in range(PREVIEW_DAYS)]  # newest first

    bookings, unreadable, truncated = _bookings(client, days, tz, progress)
    minors = _minors(client, connection, days, tz, today, bookings, progress)
    guests = _guests(client, days, tz, progress)
    holders = _holders(client, bookings, guests, minors, progress)
    guests.update(holders)

    progress(95, "Running the rules")
    country = connection.country or getattr(getattr(connection, "roller", None), "venue_country", "")
    contacts_tally, prepared, minors_by_age = _decide_contacts(connection, guests, minors, country, today)
    orders_tally = _decide_orders(connection, bookings, prepared, minors | minors_by_age, today)
    for _ in range(unreadable):
        orders_tally.add(Action.SKIP, Reason.INVALID_PAYLOAD, None)
    return {
        "days": PREVIEW_DAYS,
        "window_start": days[-1].isoformat(),
        "window_end": today.isoformat(),
        "bookings_read": len(bookings) + unreadable,
        "bookings_limit": MAX_BOOKINGS,
        "truncated": truncated,
        "guests_read": len(guests),
        "orders": orders_tally.as_dict(),
        "contacts": contacts_tally.as_dict(),
    }


# --- reading from ROLLER ------------------------------------------------------------------


def _bookings(
    client: RollerClient, days: list[dt.date], tz: ZoneInfo, progress: Progress
) -> tuple[list[BookingRecord], int, bool]:
    """The bookings modified in the last days, newest day first, up to MAX_BOOKINGS."""
    groups: dict[str, list] = {}
    truncated = False
    for n, day in enumerate(days):
        progress(5 + 40 * n // len(days), f"Reading bookings of {day:%d %b}")
        for unique_id, rows in group_booking_item_rows(
            client.iter_booking_items(day, day + dt.timedelta(days=1))
        ).items():
            groups.setdefault(unique_id, []).extend(rows)
        if len(groups) >= MAX_BOOKINGS:
            truncated = len(groups) > MAX_BOOKINGS or n < len(days) - 1
            break
    bookings, unreadable = [], 0
    for rows in list(groups.values())[:MAX_BOOKINGS]:
        try:
            bookings.append(parse_booking_item_rows(rows, tz=tz))
        except PayloadError:
            unreadable += 1
    return bookings, unreadable, truncated


def _minors(
    client: RollerClient,
    connection: Connection,
    days: list[dt.date],
    tz: ZoneInfo,
    today: dt.date,
    bookings: list[BookingRecord],
    progress: Progress,
) -> set[str]:
    """Guest ids known to be minors: already known to us, or signed for on a waiver lately.
    Kept in memory for the preview only."""
    found: set[str] = set()
    for n, day in enumerate(days):
        progress(45 + 10 * n // len(days), f"Reading signed waivers of {day:%d %b}")
        rows = list(client.iter_signed_waivers(day, day + dt.timedelta(days=1)))
        try:
            waivers = parse_signed_waivers(rows, tz=tz) if rows else []
        except PayloadError:
            continue
        found |= {
            w.guest_id
            for w in waivers
            if w.guest_id and (w.is_for_minor or is_minor(w.date_of_birth, connection.minimum_age, today))
        }
    holder_ids = {b.customer_id for b in bookings if b.customer_id}
    return found | minors_known(connection=connection, source_ids=holder_ids)


def _guests(client: RollerClient, days: list[dt.date], tz: ZoneInfo, progress: Progress) -> dict[str, GuestRecord]:
    guests: dict[str, GuestRecord] = {}
    for n, day in enumerate(days):
        progress(55 + 15 * n // len(days), f"Reading guests of {day:%d %b}")
        for row in client.iter_customers(day, day + dt.timedelta(days=1)):
            try:
                guest = parse_reporting_guest(row, tz=tz)
            except PayloadError:
                continue
            guests[guest.guest_id] = guest
    return guests


def _holders(
    client: RollerClient,
    bookings: list[BookingRecord],
    guests: dict[str, GuestRecord],
    minors: set[str],
    progress: Progress,
) -> dict[str, GuestRecord]:
    """Booking holders not among the recent guests, one `GET /guests/{id}` each. A minor's
    record is not even fetched; a holder ROLLER no longer has is left out (no contact)."""
    wanted = sorted({b.customer_id for b in bookings if b.customer_id} - set(guests) - minors)
    holders: dict[str, GuestRecord] = {}
    for n, guest_id in enumerate(wanted):
        if n % 10 == 0:
            progress(70 + 25 * n // max(1, len(wanted)), f"Looking up booking holders ({n} of {len(wanted)})")
        try:
            holders[guest_id] = parse_guest(client.get_guest(guest_id), guest_id)
        except (NotFound, PayloadError):
            continue
    return holders


# --- deciding -----------------------------------------------------------------------------


def _decide_contacts(
    connection: Connection, guests: dict[str, GuestRecord], minors: set[str], country: str, today: dt.date
) -> tuple[Tally, dict[str, ContactData], set[str]]:
    """Each guest once; two guests with one matching value are one contact. Also returns the
    guests found to be minors by their date of birth (their bookings are skipped too)."""
    tally, prepared, seen, minors_by_age = Tally(), {}, set(), set()
    for guest_id, guest in guests.items():
        contact = contact_prepare(mapping.contact_data_from_guest(guest, country=country), connection=connection)
        known_minor = guest_id in minors
        known = bool(contact.match_value) and (
            contact.match_value in seen
            or contact_is_known(connection=connection, source_id=guest_id, match_value=contact.match_value)
        )
        decision = contact_decide(
            contact, connection=connection, is_known_minor=known_minor, contact_known=known, today=today
        )
        if decision.reason == Reason.MINOR:
            minors_by_age.add(guest_id)
            tally.add(Action.SKIP, Reason.MINOR, None)
            continue
        prepared[guest_id] = contact
        if decision.writes and contact.match_value in seen:
            continue  # the same contact as a guest counted before
        if decision.writes:
            seen.add(contact.match_value)
        tally.add(decision.action, decision.reason, _contact_example(contact))
    return tally, prepared, minors_by_age


def _decide_orders(
    connection: Connection,
    bookings: list[BookingRecord],
    contacts: dict[str, ContactData],
    minors: set[str],
    today: dt.date,
) -> Tally:
    tally = Tally()
    currency = connection.currency or getattr(getattr(connection, "roller", None), "venue_currency", "")
    known_orders = set(
        Order.objects.filter(connection=connection, external_id__in=[b.unique_id for b in bookings]).values_list(
            "external_id", flat=True
        )
    )
    for booking in bookings:
        order = mapping.order_data_from_booking(booking, currency=currency)
        holder_id = booking.customer_id
        known_minor = bool(holder_id) and holder_id in minors
        holder = None if known_minor else contacts.get(holder_id or "")
        decision = order_decide(
            order,
            holder=holder,
            holder_is_known_minor=known_minor,
            connection=connection,
            contact_known=holder is not None
            and contact_is_known(connection=connection, source_id=holder.source_id, match_value=holder.match_value),
            order_known=order.external_id in known_orders,
            today=today,
        )
        example = None
        if decision.reason != Reason.MINOR:
            example = {
                "reference": order.reference,
                "visit_date": order.visit_date.isoformat() if order.visit_date else "",
                "channel": order.source_channel or order.channel,
                "total": f"{order.total:.2f}",
                "currency": order.currency,
                "contact": _contact_example(holder)["name"] if holder is not None else "",
            }
        tally.add(decision.action, decision.reason, example)
    return tally


def _contact_example(contact: ContactData) -> dict:
    """An adult's contact, shown masked: enough to recognise, not to copy."""
    name = " ".join(
        part for part in (contact.first_name, contact.last_name[:1] + "." if contact.last_name else "") if part
    )
    return {"name": name or "(no name)", "email": _mask_email(contact.email), "phone": _mask_phone(contact.phone)}


def _mask_email(email: str) -> str:
    if "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}•••@{domain}"


def _mask_phone(phone: str) -> str:
    return f"{phone[:3]}•••{phone[-2:]}" if len(phone) > 6 else ""


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
