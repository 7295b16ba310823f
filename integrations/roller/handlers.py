"""ROLLER webhook events → the synced store, under the rules every source shares.

The core claims a stored event and calls the handler for its (type, event type) inside a
transaction; the handler parses the body, fetches what the body lacks (a booking carries no
personal data of its holder), maps it to plain records and ingests them as a batch of one
(integrations.services.ingest: the rules, the upserts and an outcome per record), and, last,
redacts the stored body. A ROLLER that is down or rate limiting us
raises a TransientError subclass: the transaction rolls back and the core retries.

Nothing about a minor reaches a log line or an outcome: no name, no guest id.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.utils import timezone

from integrations.errors import RecordError
from integrations.locality import connection_country, connection_currency, connection_zone
from integrations.minors import is_minor, minor_is_known
from integrations.models import Connection, WebhookEvent
from integrations.outcomes import Entity, Outcome, Reason
from integrations.records import AgeEvidence, ContactData, ProductData, RecordBatch
from integrations.roller import mapping, redaction
from integrations.roller.client import RollerClient
from integrations.roller.errors import NotFound, UnexpectedResponse
from integrations.roller.parsing.payloads import (
    parse_booking,
    parse_customer_detail,
    parse_envelope,
    parse_guest,
    parse_products,
    parse_signed_waivers,
)
from integrations.roller.parsing.records import BookingRecord, PayloadError, WebhookEnvelope
from integrations.services.ingest import IngestResult, ingest

logger = logging.getLogger(__name__)

# A booking and its guest's events come in bursts (Customer Created, Booking Created, Booking
# Updated within seconds): one GET /guests/{id} serves them all. Short, so a change in ROLLER
# shows within a minute even when its webhook is lost.
GUEST_CACHE_SECONDS = 60
# ROLLER asks to cache GET /products and call it sparingly.
PRODUCTS_CACHE_SECONDS = 600


@dataclass
class _Event:
    """One event being handled: what every step needs."""

    event: WebhookEvent
    connection: Connection
    envelope: WebhookEnvelope
    tz: ZoneInfo
    version: dt.datetime  # the source version of whatever this event writes

    @property
    def today(self) -> dt.date:
        return timezone.localdate(timezone=self.tz)

    @property
    def country(self) -> str:
        return connection_country(self.connection)

    def ingest(self, batch: RecordBatch) -> IngestResult:
        """The batch through the one ingest path; what ROLLER cached about a minor it revealed
        is forgotten."""
        result = ingest(connection=self.connection, batch=batch, webhook_event=self.event, today=self.today)
        for source_id in result.minors:
            cache.delete(_guest_cache_key(self.connection, source_id))
        return result

    def finish(self, body: str) -> None:
        """Stores the (redacted) body: the last step of every handler."""
        self.event.body = body
        self.event.body_redacted = True
        self.event.save(update_fields=["body", "body_redacted"])


# --- customers ----------------------------------------------------------------------------


def customer_created(event: WebhookEvent) -> None:
    _customer(event, confirm=False)


def customer_updated(event: WebhookEvent) -> None:
    # ROLLER sends a deletion as Updated, with the last known details: only a GET tells.
    _customer(event, confirm=True)


def _customer(event: WebhookEvent, *, confirm: bool) -> None:
    ev = _begin(event)
    guest = _parsed(lambda: parse_customer_detail(ev.envelope.data, modified_at=ev.version))
    # A known minor is not even fetched: nothing about them goes out or comes in again.
    known_minor = minor_is_known(connection=ev.connection, source_id=guest.guest_id)
    if confirm and not known_minor:
        fetched = guest_fetch(connection=ev.connection, guest_id=guest.guest_id, fresh=True)
        if fetched is None:
            # Deleted in ROLLER: the link goes, and the contact with its orders once no other
            # guest links to it. The event's body loses the guest's personal data too.
            ev.ingest(RecordBatch(removed=[guest.guest_id]))
            ev.finish(redaction.guest_body_redact(event.body))
            return
        guest = _parsed(lambda: parse_guest(fetched.payload, guest.guest_id, modified_at=ev.version))
    result = ev.ingest(RecordBatch(contacts=[mapping.contact_data_from_guest(guest, country=ev.country)]))
    ev.finish(redaction.guest_body_redact(event.body) if result.minors else event.body)


# --- bookings -----------------------------------------------------------------------------


def booking_created(event: WebhookEvent) -> None:
    _booking(event, cancelled=False)


def booking_updated(event: WebhookEvent) -> None:
    _booking(event, cancelled=False)


def booking_cancelled(event: WebhookEvent) -> None:
    _booking(event, cancelled=True)


def _booking(event: WebhookEvent, *, cancelled: bool) -> None:
    ev = _begin(event)
    booking = _parsed(lambda: parse_booking(ev.envelope.data, tz=ev.tz, modified_at=ev.version))
    order = mapping.order_data_from_booking(booking, currency=connection_currency(ev.connection), cancelled=cancelled)
    holder_id = booking.customer_id
    people: dict[str, ContactData | None] = {}
    # A booking carries nothing about its holder: fetched, unless a known minor (whose guest
    # record is not even fetched).
    if holder_id and not minor_is_known(connection=ev.connection, source_id=holder_id):
        fetched = guest_fetch(connection=ev.connection, guest_id=holder_id)
        people[holder_id] = None
        if fetched is not None:
            # A cached answer is as old as its fetch: it must not pass for newer than a guest
            # update processed since (an opt-out would be undone).
            version = min(ev.version, fetched.fetched_at)
            guest = _parsed(lambda: parse_guest(fetched.payload, holder_id, modified_at=version))
            people[holder_id] = mapping.contact_data_from_guest(guest, country=ev.country)
    ev.ingest(
        RecordBatch(
            orders=[order],
            people=people,
            products_resolve=lambda external_ids: _products_describe(ev.connection, external_ids, booking=booking),
        )
    )
    ev.finish(redaction.booking_body_redact(event.body))


def _products_describe(connection: Connection, external_ids: list[str], *, booking: BookingRecord) -> list[ProductData]:
    """Products a booking names that the store lacks, as ROLLER's product list describes them
    (with their parents), or made from the booking's line when the list lacks them."""
    listed = {product.product_id: product for product in _products_listed(connection)}
    if any(external_id not in listed for external_id in external_ids):
        # A product new in ROLLER is likely newer than our cached list: ask once more.
        listed = {product.product_id: product for product in _products_listed(connection, fresh=True)}
    wanted: dict[str, ProductData] = {}
    for external_id in external_ids:
        record = listed.get(external_id)
        if record is None:
            line = next(item for item in booking.items if item.product_id == external_id)
            wanted[external_id] = mapping.product_data_from_line(line)
            continue
        wanted[external_id] = mapping.product_data_from_record(record, version=None, created_from_order=True)
        parent = listed.get(record.parent_id or "")
        if parent is not None:  # a parent the store has already is left as it is (no version)
            wanted.setdefault(
                parent.product_id, mapping.product_data_from_record(parent, version=None, created_from_order=True)
            )
    return list(wanted.values())


def _products_listed(connection: Connection, *, fresh: bool = False) -> list:
    key = f"roller:products:{connection.public_id}"
    payload = None if fresh else cache.get(key)
    if payload is None:
        payload = _client(connection).get_products()
        cache.set(key, payload, PRODUCTS_CACHE_SECONDS)
    try:
        return parse_products(payload)
    except PayloadError as exc:
        raise RecordError(f"ROLLER's product list could not be read: {exc}", reason=Reason.SOURCE_ERROR) from exc


# --- signed waivers -----------------------------------------------------------------------


def signed_waiver_created(event: WebhookEvent) -> None:
    """An adult signed a waiver, for themselves and any minors: the minors' guest ids are
    remembered (as keyed hashes) and any contact already stored for one is removed."""
    ev = _begin(event)
    waivers = _parsed(lambda: parse_signed_waivers(ev.envelope.data, tz=ev.tz))
    result = ev.ingest(RecordBatch(ages=[AgeEvidence(w.guest_id, w.is_for_minor, w.date_of_birth) for w in waivers]))
    minors = result.counts[f"{Entity.WAIVER}.{Outcome.SKIPPED}.{Reason.MINOR}"]
    if minors:
        logger.info("Signed waiver event %s: %s minor(s) recognised", event.pk, minors)
    ev.finish(redaction.waiver_body_redact(event.body, minor_guest_ids=result.minors))


# --- fetching guests ----------------------------------------------------------------------


@dataclass(frozen=True)
class FetchedGuest:
    payload: dict
    fetched_at: dt.datetime  # ROLLER's state at this moment: a cached answer is that old


def guest_fetch(
    *, connection: Connection, guest_id: str, fresh: bool = False, client: RollerClient | None = None
) -> FetchedGuest | None:
    """ROLLER's guest (`GET /guests/{id}`), None when ROLLER no longer has them. Cached for a
    minute unless `fresh`; a minor's details are never cached. An import fetching many passes
    one `client`, so the token is read once, not once a guest."""
    key = _guest_cache_key(connection, guest_id)
    if not fresh:
        cached = cache.get(key)
        if cached is not None:
            return FetchedGuest(cached["payload"], dt.datetime.fromisoformat(cached["fetched_at"]))
    fetched_at = timezone.now()
    try:
        payload = (client or _client(connection)).get_guest(guest_id)
    except NotFound:
        cache.delete(key)
        return None
    except UnexpectedResponse as exc:
        raise RecordError(str(exc), reason=Reason.SOURCE_ERROR) from exc
    if not isinstance(payload, dict):
        raise RecordError("ROLLER's guest is not a JSON object.", reason=Reason.SOURCE_ERROR)
    if not _looks_minor(payload, connection):
        cache.set(key, {"payload": payload, "fetched_at": fetched_at.isoformat()}, GUEST_CACHE_SECONDS)
    return FetchedGuest(payload, fetched_at)


def _looks_minor(payload: dict, connection: Connection) -> bool:
    try:
        guest = parse_guest(payload, "0")
    except PayloadError:
        return True  # unreadable: do not keep it either
    return is_minor(
        guest.date_of_birth, connection.minimum_age, timezone.localdate(timezone=connection_zone(connection))
    )


def _guest_cache_key(connection: Connection, guest_id: str) -> str:
    return f"roller:guest:{connection.public_id}:{guest_id}"


# --- shared -------------------------------------------------------------------------------


def _begin(event: WebhookEvent) -> _Event:
    tz = connection_zone(event.connection)
    envelope = _parsed(lambda: parse_envelope(event.body, tz=tz))
    version = envelope.event_date or event.event_date or envelope.send_date or event.received_at or timezone.now()
    return _Event(event=event, connection=event.connection, envelope=envelope, tz=tz, version=version)


def _parsed(parse):
    """The parsed record; an unreadable payload fails the event for good (no retry helps)."""
    try:
        return parse()
    except PayloadError as exc:
        raise RecordError(str(exc), reason=Reason.INVALID_PAYLOAD) from exc


def _client(connection: Connection) -> RollerClient:
    return RollerClient.from_settings(connection.roller)


HANDLERS = {
    ("Customer", "Created"): customer_created,
    ("Customer", "Updated"): customer_updated,
    ("Booking", "Created"): booking_created,
    ("Booking", "Updated"): booking_updated,
    ("Booking", "Cancelled"): booking_cancelled,
    ("SignedWaiver", "Created"): signed_waiver_created,
}
