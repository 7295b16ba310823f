"""What ROLLER gives the core's imports, product syncs and reconciliations.

Reading only: the Reporting API's pages (`/data/products`, `/data/signedwaivers`,
`/data/customers`, `/data/bookingitems`) parsed (integrations.roller.parsing) and mapped
(integrations.roller.mapping) into the core's plain records, the same mapping webhooks use.
The core decides and writes (integrations.services.import_windows). Registered in the ConnectorSpec
by integrations.roller.apps.

Pages are streamed and parsed as they come, so raw JSON is held a page at a time; a window's
plain records (a day of one venue) are handed over together.
"""

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

from django.utils import timezone

from integrations.errors import RecordError
from integrations.locality import connection_country, connection_currency, connection_zone
from integrations.models import Connection, SyncRun
from integrations.outcomes import Entity, Outcome, Reason
from integrations.records import AgeEvidence, ContactData, OutcomeData, ProductsRead, RecordBatch
from integrations.roller import mapping, pacing
from integrations.roller.client import RollerClient
from integrations.roller.parsing.payloads import (
    group_booking_item_rows,
    parse_booking_item_rows,
    parse_guest,
    parse_reporting_guest,
    parse_reporting_product,
    parse_signed_waivers,
)
from integrations.roller.parsing.records import PayloadError
from integrations.roller.services import roller_webhook_url
from integrations.roller.webhooks import WEBHOOK_TYPES, WebhookStatus, webhook_status, webhook_update

logger = logging.getLogger(__name__)
Stream = SyncRun.Stream
# The pace of the Reporting API calls (integrations.roller.pacing), for duration estimates.
IMPORT_CALLS_PER_SECOND = pacing.RATES[pacing.REPORTING][0]
REGISTER_AGAIN = "Click 'Register webhook again' on the connection page."


def read_products(connection: Connection) -> ProductsRead:
    """`/data/products`: parents and variations in one flat list, page by page."""
    read = ProductsRead(products=[])
    for row in _client(connection).iter_products():
        try:
            record = parse_reporting_product(row)
        except PayloadError as exc:
            read.failed.append(_unreadable(Entity.PRODUCT, row, "productId", exc))
            continue
        read.products.append(mapping.product_data_from_record(record, version=None))
    return read


def read_window(connection: Connection, stream: str, start: dt.datetime, end: dt.datetime) -> RecordBatch:
    """One window (at most a venue-local day) of a stream."""
    client = _client(connection)
    tz = client.time_zone or connection_zone(connection)
    if stream == Stream.AGES:
        return waivers_read(client.iter_signed_waivers(start, end), tz)
    if stream == Stream.CONTACTS:
        return contacts_read(client.iter_customers(start, end), tz, country=connection_country(connection))
    if stream == Stream.ORDERS:
        return orders_read(client.iter_booking_items(start, end), tz, currency=connection_currency(connection))
    raise ValueError(f"ROLLER has no window of {stream}.")


def read_people(connection: Connection, source_ids: list[str]) -> dict[str, ContactData | None]:
    """Booking holders the store does not know, from `GET /guests/{id}` as a webhook would
    fetch them (cached a minute). Their version is the moment of the fetch: ROLLER's REST guest
    has no modified date, and the answer is as new as that."""
    from integrations.roller.handlers import guest_fetch

    people: dict[str, ContactData | None] = {}
    country, client = connection_country(connection), _client(connection)
    for source_id in source_ids:
        # A rate limit, an outage or revoked credentials propagate (the window is retried or
        # stops); a guest ROLLER no longer has, or cannot describe, is no holder.
        try:
            fetched = guest_fetch(connection=connection, guest_id=source_id, client=client)
            guest = parse_guest(fetched.payload, source_id, modified_at=fetched.fetched_at) if fetched else None
        except (PayloadError, RecordError):
            guest = None
        people[source_id] = mapping.contact_data_from_guest(guest, country=country) if guest else None
    return people


def check_webhook(connection: Connection) -> str | None:
    """Why our webhook at ROLLER is not working, with what to do; None when it is."""
    roller = connection.roller
    if not roller.webhook_id:
        return f"No ROLLER webhook is registered for this connection, so changes do not arrive. {REGISTER_AGAIN}"
    status = webhook_status(client=RollerClient.from_settings(roller), webhook_id=roller.webhook_id)
    type(roller).objects.filter(pk=roller.pk).update(webhook_checked_at=timezone.now())
    if not status.exists:
        return (
            "ROLLER no longer has our webhook (it was deleted at ROLLER), so bookings and guest changes do not "
            f"arrive; the daily reconciliation fills in what it can until then. {REGISTER_AGAIN}"
        )
    if not status.enabled:
        return (
            "ROLLER has disabled our webhook (it does so after deliveries keep failing), so bookings and guest "
            f"changes do not arrive; the daily reconciliation fills in what it can until then. {REGISTER_AGAIN}"
        )
    expected = roller_webhook_url(connection=connection)
    if status.url and status.url != expected:
        return f"ROLLER posts our webhook to {status.url}, not to this site ({expected}). {REGISTER_AGAIN}"
    webhook_subscriptions_update(connection=connection, status=status)
    return None


def webhook_subscriptions_update(*, connection: Connection, status: WebhookStatus) -> bool:
    """A webhook registered before we subscribed to bulk exports is updated in place (ROLLER's
    Update webhook, same address and key): every active connection gets it within one round of
    the beat's webhook check, and one that has it is left alone. True when it was updated."""
    missing = set(WEBHOOK_TYPES) - set(status.subscribed)
    if not missing:
        return False
    roller = connection.roller
    webhook_update(
        client=_client(connection), webhook_id=roller.webhook_id, url=status.url or roller_webhook_url(connection=connection),
        api_key=str(roller.webhook_key),
    )  # fmt: skip
    logger.info("connection %s: ROLLER webhook %s now also subscribes to %s", connection.pk, roller.webhook_id,
                ", ".join(sorted(missing)))  # fmt: skip
    return True


# --- rows of a stream (a window's pages, a bulk file's batch) ------------------------------------------------------------------


def waivers_read(rows: Iterable[Mapping], tz: ZoneInfo) -> RecordBatch:
    records = RecordBatch()
    for row in rows:
        records.records_seen += 1
        try:
            [waiver] = parse_signed_waivers(row, tz=tz)
        except PayloadError as exc:
            records.failed.append(_unreadable(Entity.WAIVER, row, "signedWaiverId", exc))
            continue
        records.ages.append(AgeEvidence(waiver.guest_id, waiver.is_for_minor, waiver.date_of_birth))
    return records


def contacts_read(rows: Iterable[Mapping], tz: ZoneInfo, *, country: str) -> RecordBatch:
    records = RecordBatch()
    for row in rows:
        records.records_seen += 1
        try:
            guest = parse_reporting_guest(row, tz=tz)
        except PayloadError as exc:
            records.failed.append(_unreadable(Entity.CONTACT, row, "customerId", exc))
            continue
        records.contacts.append(mapping.contact_data_from_guest(guest, country=country))
    return records


def orders_read(rows: Iterable[Mapping], tz: ZoneInfo, *, currency: str) -> RecordBatch:
    """Rows are one per booking item: grouped by booking over the whole window, since a
    booking's rows may straddle pages."""
    records = RecordBatch()
    for unique_id, group in group_booking_item_rows(rows).items():
        records.records_seen += 1
        try:
            booking = parse_booking_item_rows(group, tz=tz)
        except PayloadError as exc:
            records.failed.append(_failed(Entity.ORDER, unique_id, exc))
            continue
        records.orders.append(mapping.order_data_from_booking(booking, currency=currency))
        for item in booking.items:
            records.line_products.setdefault(item.product_id, mapping.product_data_from_line(item))
    return records


# --- shared ---------------------------------------------------------------------------------


def _unreadable(entity: str, row: object, id_key: str, exc: Exception) -> OutcomeData:
    source_id = row.get(id_key) if isinstance(row, Mapping) else None
    return _failed(entity, str(source_id) if source_id not in (None, "") else "", exc)


def _failed(entity: str, source_id: str, exc: Exception) -> OutcomeData:
    return OutcomeData(entity, Outcome.FAILED, Reason.INVALID_PAYLOAD, source_id[:64], str(exc)[:300])


def _client(connection: Connection) -> RollerClient:
    return RollerClient.from_settings(connection.roller)
