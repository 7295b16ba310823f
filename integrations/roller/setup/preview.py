"""What ROLLER gives the wizard's preview: the last days' bookings, waivers and guests.

It reads the Reporting API's booking items, signed waivers and guests of each day, then
`GET /guests/{id}` for booking holders not among those guests, through the connection's
client, which paces every call inside ROLLER's rate limits. What it read is mapped into the
core's plain records (integrations.roller.mapping, as webhooks and imports do); the core runs
them through the ingest path in a dry run (wizard.preview).
"""

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.utils import timezone

from integrations.errors import SyncError
from integrations.locality import connection_country, connection_currency, connection_zone
from integrations.minors import is_minor, minors_known
from integrations.models import Connection
from integrations.outcomes import Entity, Outcome, Reason
from integrations.records import AgeEvidence, OutcomeData, PreviewRead, RecordBatch
from integrations.roller import mapping
from integrations.roller.client import RollerClient
from integrations.roller.errors import NotFound
from integrations.roller.models import RollerSettings
from integrations.roller.parsing.payloads import (
    group_booking_item_rows,
    parse_booking_item_rows,
    parse_guest,
    parse_reporting_guest,
    parse_signed_waivers,
)
from integrations.roller.parsing.records import BookingRecord, GuestRecord, PayloadError

PREVIEW_DAYS = 7
MAX_BOOKINGS = 300  # "up to a few hundred": enough to show the shape, few calls to ROLLER

Progress = Callable[[int, str], None]


def read_preview(*, connection: Connection, progress: Progress) -> PreviewRead:
    """The last PREVIEW_DAYS venue-local days, newest first, up to MAX_BOOKINGS bookings."""
    try:
        roller = RollerSettings.objects.select_related("connection").get(connection=connection)
    except RollerSettings.DoesNotExist:
        raise SyncError("Enter and check the ROLLER credentials first (step 3).") from None
    client = RollerClient.from_settings(roller)
    tz = connection_zone(connection)
    today = timezone.localdate(timezone=tz)
    days = [today - dt.timedelta(days=n) for n in range(PREVIEW_DAYS)]

    bookings, unreadable, truncated = _bookings(client, days, tz, progress)
    ages = _ages(client, days, tz, progress)
    minimum_age = connection.minimum_age
    guests = _guests(client, days, tz, progress)
    # A known minor's guest record is not even fetched.
    holder_ids = {b.customer_id for b in bookings if b.customer_id}
    minors = {a.source_id for a in ages if a.for_minor or is_minor(a.date_of_birth, minimum_age, today)}
    minors |= minors_known(connection=connection, source_ids=holder_ids)
    guests.update(_holders(client, bookings, guests, minors, progress))
    progress(95, "Running the rules")

    country, currency = connection_country(connection), connection_currency(connection)
    people = {guest_id: mapping.contact_data_from_guest(guest, country=country) for guest_id, guest in guests.items()}
    contacts = list(people.values())
    # A holder ROLLER no longer has is no holder, whatever the store may have linked.
    people |= dict.fromkeys(holder_ids - set(people) - minors)
    batch = RecordBatch(
        ages=ages,
        contacts=contacts,
        orders=[mapping.order_data_from_booking(booking, currency=currency) for booking in bookings],
        people=people,
        failed=[OutcomeData(Entity.ORDER, Outcome.FAILED, Reason.INVALID_PAYLOAD) for _ in range(unreadable)],
    )
    return PreviewRead(
        batch=batch,
        days=PREVIEW_DAYS,
        window_start=days[-1],
        window_end=today,
        orders_read=len(bookings) + unreadable,
        orders_limit=MAX_BOOKINGS,
        truncated=truncated,
        people_read=len(guests),
    )


def _bookings(
    client: RollerClient, days: list[dt.date], tz: ZoneInfo, progress: Progress
) -> tuple[list[BookingRecord], int, bool]:
    """The bookings modified in the last days, newest day first, up to MAX_BOOKINGS."""
    groups: dict[str, list] = {}
    truncated = False
    for n, day in enumerate(days):
        progress(5 + 40 * n // len(days), f"Reading bookings of {day.day} {day:%b}")
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


def _ages(client: RollerClient, days: list[dt.date], tz: ZoneInfo, progress: Progress) -> list[AgeEvidence]:
    """The signed waivers of the last days, as age evidence (kept in memory only)."""
    found: list[AgeEvidence] = []
    for n, day in enumerate(days):
        progress(45 + 10 * n // len(days), f"Reading signed waivers of {day.day} {day:%b}")
        rows = list(client.iter_signed_waivers(day, day + dt.timedelta(days=1)))
        try:
            waivers = parse_signed_waivers(rows, tz=tz) if rows else []
        except PayloadError:
            continue
        found += [AgeEvidence(w.guest_id, w.is_for_minor, w.date_of_birth) for w in waivers if w.guest_id]
    return found


def _guests(client: RollerClient, days: list[dt.date], tz: ZoneInfo, progress: Progress) -> dict[str, GuestRecord]:
    guests: dict[str, GuestRecord] = {}
    for n, day in enumerate(days):
        progress(55 + 15 * n // len(days), f"Reading guests of {day.day} {day:%b}")
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
