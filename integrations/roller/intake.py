"""Receiving ROLLER webhooks: authenticate, store, answer. Processing happens in a worker.

ROLLER wants an answer within 10 seconds, retries only on 500, 503, 504 and time-outs, and
may disable a webhook that answers anything else. So every authenticated delivery that can
be stored is answered 200, including one we cannot read (stored as failed, with the
reason), and only a database we cannot reach answers 503.
"""

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.outcomes import Reason
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


_receivers: dict[UUID, Receiver] = {}


def _receiver(public_id: UUID, *, fresh: bool = False) -> Receiver | None:
    cached = _receivers.get(public_id)
    if cached and not fresh and time.monotonic() - cached.read_at < KEY_CACHE_SECONDS:
        return cached
    row = (
        RollerSettings.objects.filter(connection__public_id=public_id)
        .values_list("connection_id", "webhook_key", "previous_webhook_key", "previous_webhook_key_valid_until")
        .first()
    )
    if row is None:
        _receivers.pop(public_id, None)
        return None
    connection_id, key, previous_key, previous_until = row
    # The encrypted field decrypts these on read.
    keys = [str(key)] if key else []
    if previous_key and previous_until and previous_until > timezone.now():
        keys.append(str(previous_key))
    receiver = Receiver(connection_id, tuple(keys), time.monotonic())
    _receivers[public_id] = receiver
    return receiver


def _key_matches(receiver: Receiver, presented: str) -> bool:
    # Every key is compared, in constant time, so timing tells nothing about which matched.
    matched = False
    for key in receiver.keys:
        matched |= hmac.compare_digest(key.encode(), presented.encode())
    return matched


@csrf_exempt
@transaction.non_atomic_requests
@require_POST
def roller_webhook(request: HttpRequest, public_id: UUID) -> HttpResponse:
    declared_length = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared_length > MAX_BODY_BYTES:
        return HttpResponse("Body too large.", status=413, content_type="text/plain")
    try:
        receiver = _receiver(public_id)
        if receiver is None:
            return HttpResponse("Unknown webhook address.", status=404, content_type="text/plain")
        presented = request.META.get(API_KEY_HEADER, "")
        if not presented or not _key_matches(receiver, presented):
            receiver = _receiver(public_id, fresh=True)
            if receiver is None or not presented or not _key_matches(receiver, presented):
                logger.warning(
                    "roller webhook refused for connection %s: %s x-roller-apikey (from %s)",
                    public_id,
                    "missing" if not presented else "wrong",
                    request.META.get("REMOTE_ADDR", "?"),
                )
                return HttpResponse("Missing or wrong x-roller-apikey.", status=401, content_type="text/plain")

        body = request.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            return HttpResponse("Body too large.", status=413, content_type="text/plain")
        incoming = _incoming(receiver.connection_id, request, body)
        webhook_event_store(incoming=incoming)
    except DatabaseError:
        logger.exception("roller webhook for connection %s not stored: database unavailable", public_id)
        # 503: ROLLER retries it later.
        return HttpResponse("Temporarily unavailable.", status=503, content_type="text/plain")
    return HttpResponse("OK", content_type="text/plain")


def _incoming(connection_id: int, request: HttpRequest, body: bytes) -> IncomingEvent:
    headers = json.dumps({name: request.META[name] for name in KEPT_HEADERS if name in request.META})
    text = body.decode("utf-8", errors="replace")
    try:
        envelope = parse_envelope(body)
    except PayloadError as exc:
        # Stored as failed with the reason, answered 200: a 4xx could get the webhook disabled.
        # The body's hash stands in for the message id, so a redelivery is still one event.
        return IncomingEvent(
            connection_id=connection_id,
            message_id="unreadable-" + _digest(body),
            object_type="",
            event_type="",
            event_date=None,
            headers_json=headers,
            body=text,
            status="failed",
            reason=Reason.INVALID_PAYLOAD,
            last_error=str(exc),
        )
    data = envelope.data if isinstance(envelope.data, dict) else {}
    return IncomingEvent(
        connection_id=connection_id,
        message_id=envelope.message_id,
        object_type=envelope.object_type,
        event_type=envelope.event_type,
        event_date=envelope.event_date if isinstance(envelope.event_date, datetime) else None,
        headers_json=headers,
        body=text,
        subject_reference=str(data.get("bookingReference") or data.get("customerId") or ""),
    )


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:64]
