"""Receiving ROLLER webhooks: authenticate, store, answer. Processing happens in a worker.

ROLLER wants an answer within 10 seconds, retries only on 500, 503, 504 and time-outs, and
may disable a webhook that answers anything else. So every authenticated delivery that can
be stored is answered 200, and only a database we cannot reach answers 503. A readable one is
stored byte for byte; one we cannot read is stored as failed with the reason, its size and its
SHA-256, but not its body: what cannot be read cannot be cleared of a minor's name.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from uuid import UUID

from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.http_bodies import (
    BodyIncomplete,
    BodyNotReadable,
    BodyTooLarge,
    RequestBody,
    declared_length,
    request_body_read,
)
from integrations.locality import zone_named
from integrations.outcomes import Reason
from integrations.payloads import UnreadableDocument, body_text, json_document_read, printable, unreadable_note
from integrations.roller.models import RollerSettings
from integrations.roller.parsing.payloads import parse_envelope
from integrations.roller.parsing.records import PayloadError
from integrations.services.events import IncomingEvent, webhook_event_store

logger = logging.getLogger(__name__)

API_KEY_HEADER = "HTTP_X_ROLLER_APIKEY"
# ROLLER's largest booking (4,000 tickets) is well under 2 MB; anything over this is not ROLLER.
MAX_BODY_BYTES = 8 * 1024 * 1024
# Headers kept with the event, for support. Never the key.
KEPT_HEADERS = ("CONTENT_TYPE", "HTTP_USER_AGENT", "HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
# The connection's keys are read at most this often per process; a key that does not match
# triggers a fresh read, so a rotation is never refused.
KEY_CACHE_SECONDS = 10.0


@dataclass(frozen=True)
class Receiver:
    connection_id: int
    keys: tuple[str, ...]
    read_at: float
    # The venue's zone, for dates ROLLER writes without an offset.
    tz: dt.tzinfo = dt.UTC


_receivers: dict[UUID, Receiver] = {}


def _receiver(public_id: UUID, *, fresh: bool = False) -> Receiver | None:
    cached = _receivers.get(public_id)
    if cached and not fresh and time.monotonic() - cached.read_at < KEY_CACHE_SECONDS:
        return cached
    row = (
        RollerSettings.objects.filter(connection__public_id=public_id)
        .values_list(
            "connection_id",
            "webhook_key",
            "previous_webhook_key",
            "previous_webhook_key_valid_until",
            "connection__time_zone",
        )
        .first()
    )
    if row is None:
        _receivers.pop(public_id, None)
        return None
    connection_id, key, previous_key, previous_until, time_zone = row
    # The encrypted field decrypts these on read.
    keys = [str(key)] if key else []
    if previous_key and previous_until and previous_until > timezone.now():
        keys.append(str(previous_key))
    receiver = Receiver(connection_id, tuple(keys), time.monotonic(), zone_named(time_zone))
    _receivers[public_id] = receiver
    return receiver


def _key_matches(receiver: Receiver, presented: str) -> bool:
    # Every key is compared, in constant time, so timing tells nothing about which matched.
    # "surrogatepass": a header the test client or a proxy hands over as any str never raises.
    matched = False
    for key in receiver.keys:
        matched |= hmac.compare_digest(key.encode(), presented.encode("utf-8", "surrogatepass"))
    return matched


@csrf_exempt
@transaction.non_atomic_requests
@require_POST
def roller_webhook(request: HttpRequest, public_id: UUID) -> HttpResponse:
    declared = declared_length(request)
    if declared is not None and declared > MAX_BODY_BYTES:
        return HttpResponse("Body too large.", status=413, content_type="text/plain")
    try:
        receiver = _receiver(public_id)
        if receiver is None:
            return HttpResponse("Unknown webhook address.", status=404, content_type="text/plain")
        presented = str(request.META.get(API_KEY_HEADER, ""))
        if not presented or not _key_matches(receiver, presented):
            receiver = _receiver(public_id, fresh=True)
            if receiver is None or not presented or not _key_matches(receiver, presented):
                logger.warning(
                    "roller webhook refused for connection %s: %s x-roller-apikey (from %s)",
                    public_id,
                    "missing" if not presented else "wrong",
                    printable(request.META.get("REMOTE_ADDR", "?"), limit=60),
                )
                return HttpResponse("Missing or wrong x-roller-apikey.", status=401, content_type="text/plain")

        try:
            body = request_body_read(request, limit=MAX_BODY_BYTES)
        except BodyTooLarge:
            return HttpResponse("Body too large.", status=413, content_type="text/plain")
        except BodyIncomplete as exc:
            logger.warning(
                "roller webhook for connection %s: the body did not arrive in time (%s), answered 503", public_id, exc
            )
            response = HttpResponse("Request body incomplete; send it again.", status=503, content_type="text/plain")
            response._has_been_logged = True  # the line above says it all: no second ERROR line from Django
            return response
        except BodyNotReadable:
            # Only behind a server that cannot decode chunked bodies (gunicorn can): we could
            # keep nothing, and a 200 for data we did not keep is the one answer never to give.
            logger.error("roller webhook for connection %s: chunked body the server did not decode", public_id)
            return HttpResponse("Send a Content-Length.", status=411, content_type="text/plain")
        _store(_incoming(receiver, request, body))
    except (OperationalError, InterfaceError):
        logger.exception("roller webhook for connection %s not stored: database unavailable", public_id)
        # 503: ROLLER retries it later. Only for a database we cannot reach.
        return HttpResponse("Temporarily unavailable.", status=503, content_type="text/plain")
    return HttpResponse("OK", content_type="text/plain")


def _store(incoming: IncomingEvent) -> None:
    try:
        webhook_event_store(incoming=incoming)
    except (OperationalError, InterfaceError):
        raise
    except DatabaseError as exc:
        # The database is there but refused a value we did not foresee: keep the bytes, as
        # failed with the reason, rather than answer 503 for a body ROLLER will send again.
        logger.exception("roller webhook for connection %s refused by the database", incoming.connection_id)
        webhook_event_store(
            incoming=_unreadable(
                incoming.connection_id, "{}", incoming.delivered, f"The database refused it: {exc.__class__.__name__}."
            )
        )


def _incoming(receiver: Receiver, request: HttpRequest, body: RequestBody) -> IncomingEvent:
    headers = _headers_json(request)
    if body.error:
        return _unreadable(receiver.connection_id, headers, body.data, body.error)
    try:
        return _readable(receiver, headers, body.data)
    except (UnreadableDocument, PayloadError) as exc:
        # Stored as failed with the reason, answered 200: a 4xx could get the webhook disabled.
        return _unreadable(receiver.connection_id, headers, body.data, str(exc))
    except Exception as exc:  # any failure to read an authenticated body is its reason, never a 500
        logger.exception("roller webhook for connection %s: body not readable", receiver.connection_id)
        return _unreadable(
            receiver.connection_id, headers, body.data, f"The body could not be read: {exc.__class__.__name__}."
        )


def _readable(receiver: Receiver, headers: str, body: bytes) -> IncomingEvent:
    document = json_document_read(body)
    stored = body_text(body)
    try:
        # An eventDate without an offset is venue-local, as ROLLER writes it: read it in the
        # connection's zone, as the handler does, rather than fail the webhook for its format.
        envelope = parse_envelope(document, tz=receiver.tz)
        event_date = envelope.event_date.astimezone(dt.UTC) if isinstance(envelope.event_date, dt.datetime) else None
    except OverflowError as exc:
        # 9999-12-31T23:59:59-05:00 is past the end of the range once it is UTC.
        raise UnreadableDocument("A date in the envelope is out of range once it is UTC.") from exc
    data = envelope.data if isinstance(envelope.data, dict) else {}
    return IncomingEvent(
        connection_id=receiver.connection_id,
        message_id=envelope.message_id,
        object_type=envelope.object_type,
        event_type=envelope.event_type,
        event_date=event_date,
        headers_json=headers,
        body=stored.text,
        raw_body=stored.raw,
        subject_reference=_reference(data.get("bookingReference") or data.get("customerId")),
    )


def _unreadable(connection_id: int, headers: str, body: bytes, error: str) -> IncomingEvent:
    """Failed with its reason, and without its body: what cannot be read cannot be cleared of a
    child's name either, and a failed body is kept with no time limit. Its size and SHA-256 stay
    with the reason, for diagnosis; the body's hash stands in for the message id, so a
    redelivery is still one event."""
    return IncomingEvent(
        connection_id=connection_id,
        message_id="unreadable-" + _digest(body),
        object_type="",
        event_type="",
        event_date=None,
        headers_json=headers,
        body="",
        body_redacted=True,
        status="failed",
        reason=Reason.INVALID_PAYLOAD,
        last_error=f"{printable(error, limit=800)} {unreadable_note(body)}",
    )


def _headers_json(request: HttpRequest) -> str:
    return json.dumps({name: printable(request.META[name]) for name in KEPT_HEADERS if name in request.META})


def _reference(value: object) -> str:
    return value if isinstance(value, str) else str(value) if isinstance(value, int) else ""


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:64]
