"""ROLLER webhook events → the synced store, under the rules every source shares.

The core claims a stored event and calls the handler for its (type, event type) inside a
transaction; the handler parses the body, fetches what the body lacks (a booking carries no
personal data of its holder), lets integrations.rules decide, upserts, records an outcome
per record and, last, redacts the stored body. A ROLLER that is down or rate limiting us
raises a TransientError subclass: the transaction rolls back and the core retries.

Nothing about a minor reaches a log line or an outcome: no name, no guest id.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.cache import cache
from django.utils import timezone

from integrations.errors import RecordError
from integrations.minors import minor_is_known, minor_remember
from integrations.models import Connection, Order, Product, WebhookEvent
from integrations.outcomes import Entity, Outcome, Reason
from integrations.records import ContactData, OrderData, OutcomeData, ProductData
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
from integrations.rules import contact_decide, contact_prepare, is_minor, order_decide
from integrations.services.contacts import Removal, contact_guest_delete, contact_is_known, contact_minor_forget
from integrations.services.outcomes import outcomes_record
from integrations.services.upserts import ProductsMissing, contacts_upsert, orders_upsert, products_upsert

logger = logging.getLogger(__name__)

# A booking and its guest's events come in bursts (Customer Created, Booking Created, Booking
# Updated within seconds): one GET /guests/{id} serves them all. Short, so a change in ROLLER
# shows within a minute even when its webhook is lost.
GUEST_CACHE_SECONDS = 60
# ROLLER asks to cache GET /products and call it sparingly.
PRODUCTS_CACHE_SECONDS = 600


@dataclass
class _Event:
    """One event being handled: what every step needs, and the outcomes so far."""

    event: WebhookEvent
    connection: Connection
    envelope: WebhookEnvelope
    tz: ZoneInfo
    version: dt.datetime  # the source version of whatever this event writes
    outcomes: list[OutcomeData] = field(default_factory=list)

    @property
    def today(self) -> dt.date:
        return timezone.localdate(timezone=self.tz)

    @property
    def country(self) -> str:
        roller = getattr(self.connection, "roller", None)
        return self.connection.country or (roller.venue_country if roller else "")

    def outcome(self, entity: str, outcome: str, *, reason: str = "", source_id: str = "", detail: str = "") -> None:
        self.outcomes.append(OutcomeData(entity, outcome, reason, source_id, detail))

    def finish(self, body: str) -> None:
        """Records the outcomes and stores the redacted body: the last step of every handler."""
        outcomes_record(connection=self.connection, outcomes=self.outcomes, webhook_event=self.event)
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
            _guest_deleted(ev, guest.guest_id)
            return
        guest = _parsed(lambda: parse_guest(fetched.payload, guest.guest_id, modified_at=ev.version))
    contact = contact_prepare(mapping.contact_data_from_guest(guest, country=ev.country), connection=ev.connection)
    decision = contact_decide(
        contact,
        connection=ev.connection,
        is_known_minor=known_minor,
        contact_known=contact_is_known(
            connection=ev.connection, source_id=contact.source_id, match_value=contact.match_value
        ),
        today=ev.today,
    )
    if decision.reason == Reason.MINOR:
        _minor_forget(ev, guest.guest_id)
        ev.outcome(Entity.CONTACT, Outcome.SKIPPED, reason=Reason.MINOR)
        ev.finish(redaction.guest_body_redact(event.body))
        return
    if decision.writes:
        [written] = contacts_upsert(connection=ev.connection, contacts=[contact])
        ev.outcome(Entity.CONTACT, written.outcome, source_id=guest.guest_id)
    else:
        ev.outcome(Entity.CONTACT, Outcome.SKIPPED, reason=decision.reason, source_id=guest.guest_id)
    ev.finish(event.body)


def _guest_deleted(ev: _Event, guest_id: str) -> None:
    """Deleted in ROLLER: the link goes, and the contact with its orders once no other guest
    links to it. The event's body loses the guest's personal data too."""
    removal = contact_guest_delete(connection=ev.connection, source_id=guest_id)
    detail = {
        Removal.NOT_LINKED: "No contact was linked to this guest.",
        Removal.UNLINKED: "The guest's link was removed; the contact stays, other guests link to it.",
        Removal.CONTACT_DELETED: "The contact and its orders were removed.",
    }[removal]
    ev.outcome(Entity.CONTACT, Outcome.DELETED, reason=Reason.DELETED_AT_SOURCE, source_id=guest_id, detail=detail)
    ev.finish(redaction.guest_body_redact(ev.event.body))


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
    order = mapping.order_data_from_booking(booking, currency=_currency(ev.connection), cancelled=cancelled)
    holder_id = booking.customer_id
    known_minor = minor_is_known(connection=ev.connection, source_id=holder_id)
    holder = None
    if holder_id and not known_minor:  # a known minor's guest record is not even fetched
        fetched = guest_fetch(connection=ev.connection, guest_id=holder_id)
        if fetched is not None:
            # A cached answer is as old as its fetch: it must not pass for newer than a guest
            # update processed since (an opt-out would be undone).
            version = min(ev.version, fetched.fetched_at)
            guest = _parsed(lambda: parse_guest(fetched.payload, holder_id, modified_at=version))
            holder = contact_prepare(
                mapping.contact_data_from_guest(guest, country=ev.country), connection=ev.connection
            )
    decision = order_decide(
        order,
        holder=holder,
        holder_is_known_minor=known_minor,
        connection=ev.connection,
        contact_known=holder is not None
        and contact_is_known(connection=ev.connection, source_id=holder.source_id, match_value=holder.match_value),
        order_known=Order.objects.filter(connection=ev.connection, external_id=order.external_id).exists(),
        today=ev.today,
    )
    if decision.reason == Reason.MINOR:
        if holder_id:  # stored before anyone knew (no date of birth then, say): it goes now
            _minor_forget(ev, holder_id)
        ev.outcome(Entity.ORDER, Outcome.SKIPPED, reason=Reason.MINOR)
    elif not decision.writes:
        ev.outcome(
            Entity.ORDER,
            Outcome.SKIPPED,
            reason=decision.reason,
            source_id=order.external_id,
            detail=f"Booking {order.reference}",
        )
    else:
        _order_write(ev, order, holder=holder, booking=booking)
    ev.finish(redaction.booking_body_redact(event.body))


def _order_write(ev: _Event, order: OrderData, *, holder: ContactData, booking: BookingRecord) -> None:
    [contact] = contacts_upsert(connection=ev.connection, contacts=[holder])
    ev.outcome(Entity.CONTACT, contact.outcome, source_id=holder.source_id)
    order = replace(order, contact_id=contact.id)
    try:
        [written] = orders_upsert(connection=ev.connection, orders=[order])
    except ProductsMissing as missing:
        # The store does not know a product yet (a new product sold before the next product
        # sync): make it from ROLLER's product list, or from the line, and process again.
        _products_create(ev, missing.external_ids, booking=booking)
        [written] = orders_upsert(connection=ev.connection, orders=[order])
    ev.outcome(Entity.ORDER, written.outcome, source_id=order.external_id, detail=f"Booking {order.reference}")


def _products_create(ev: _Event, external_ids: list[str], *, booking: BookingRecord) -> None:
    listed = {product.product_id: product for product in _products_listed(ev.connection)}
    if any(external_id not in listed for external_id in external_ids):
        # A product new in ROLLER is likely newer than our cached list: ask once more.
        listed = {product.product_id: product for product in _products_listed(ev.connection, fresh=True)}
    parent_ids = {listed[i].parent_id for i in external_ids if i in listed and listed[i].parent_id}
    known = set(
        Product.objects.filter(connection=ev.connection, external_id__in=parent_ids).values_list(
            "external_id", flat=True
        )
    )
    wanted: dict[str, ProductData] = {}
    for external_id in external_ids:
        record = listed.get(external_id)
        if record is None:
            line = next(item for item in booking.items if item.product_id == external_id)
            wanted[external_id] = mapping.product_data_from_line(line)
            continue
        wanted[external_id] = mapping.product_data_from_record(record, version=None, created_from_order=True)
        parent = listed.get(record.parent_id or "")
        if parent is not None and parent.product_id not in known:
            wanted[parent.product_id] = mapping.product_data_from_record(parent, version=None, created_from_order=True)
    for product in products_upsert(connection=ev.connection, products=list(wanted.values())):
        if product.outcome == Outcome.CREATED:
            detail = f"Created from booking {booking.reference}"
            ev.outcome(Entity.PRODUCT, Outcome.CREATED, source_id=product.key, detail=detail)


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
    minimum_age = ev.connection.minimum_age
    minors = [w for w in waivers if w.is_for_minor or is_minor(w.date_of_birth, minimum_age, ev.today)]
    minor_ids = [w.guest_id for w in minors if w.guest_id]
    minor_remember(connection=ev.connection, source_ids=minor_ids)
    for guest_id in minor_ids:
        if _minor_forget(ev, guest_id) != Removal.NOT_LINKED:
            ev.outcome(Entity.CONTACT, Outcome.DELETED, reason=Reason.MINOR)
    for _minor in minors:
        ev.outcome(Entity.WAIVER, Outcome.SKIPPED, reason=Reason.MINOR)
    if minors:
        logger.info("Signed waiver event %s: %s minor(s) recognised", event.pk, len(minors))
    ev.finish(redaction.waiver_body_redact(event.body, minor_guest_ids=set(minor_ids)))


def _minor_forget(ev: _Event, guest_id: str) -> Removal:
    cache.delete(_guest_cache_key(ev.connection, guest_id))
    return contact_minor_forget(connection=ev.connection, source_id=guest_id)


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
    return is_minor(guest.date_of_birth, connection.minimum_age, timezone.localdate(timezone=_zone(connection)))


def _guest_cache_key(connection: Connection, guest_id: str) -> str:
    return f"roller:guest:{connection.public_id}:{guest_id}"


# --- shared -------------------------------------------------------------------------------


def _begin(event: WebhookEvent) -> _Event:
    tz = _zone(event.connection)
    envelope = _parsed(lambda: parse_envelope(event.body, tz=tz))
    version = envelope.event_date or event.event_date or envelope.send_date or event.received_at or timezone.now()
    return _Event(event=event, connection=event.connection, envelope=envelope, tz=tz, version=version)


def _parsed(parse):
    """The parsed record; an unreadable payload fails the event for good (no retry helps)."""
    try:
        return parse()
    except PayloadError as exc:
        raise RecordError(str(exc), reason=Reason.INVALID_PAYLOAD) from exc


def _zone(connection: Connection) -> ZoneInfo:
    try:
        return ZoneInfo(connection.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _currency(connection: Connection) -> str:
    roller = getattr(connection, "roller", None)
    return connection.currency or (roller.venue_currency if roller else "")


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
