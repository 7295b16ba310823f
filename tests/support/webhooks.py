"""One way for tests to send ROLLER webhooks, Zulip-style: payloads load by event name from
tests/integrations/roller/fixtures/<event_name>.json, and one helper delivers them.

    event = deliver("booking_created", connection=connection, customerId=guest_id)

stores the fixture's envelope (a fresh message id, data fields changed or dropped) as the
intake stores a delivery, then calls the connector's handler as the worker does: inside a
transaction, so a handler that raises leaves nothing written. The event's status is the
worker's business (tests/integrations/test_worker.py), not the handler's, and is not set here.
"""

import copy
import json
import uuid
from pathlib import Path
from typing import Any

from django.db import transaction

from integrations.models import Connection, WebhookEvent
from integrations.registry import handler_for
from integrations.roller.parsing.payloads import parse_envelope
from integrations.services.events import IncomingEvent, webhook_event_store

FIXTURES = Path(__file__).resolve().parents[1] / "integrations" / "roller" / "fixtures"
# The key a test connection's webhook posts with (x-roller-apikey).
WEBHOOK_KEY = "the-registered-webhook-key-0123456789abcdef"
# A data field given as DROP is removed from the payload.
DROP = object()


def fixture_text(name: str) -> str:
    """The fixture file as ROLLER sent it: `fixture_text("booking_created")`, or a variant in a
    sub-folder, `fixture_text("rules/booking_created_wrapped")`."""
    return (FIXTURES / f"{name}.json").read_text()


def fixture(name: str) -> Any:
    """The fixture file, parsed."""
    return json.loads(fixture_text(name))


def envelope(name: str, *, event_date: str | None = None, **changes: Any) -> dict:
    """The fixture's webhook envelope with a fresh message id (so each is a new delivery), its
    eventDate replaced when given, and its data fields changed (DROP removes one)."""
    message = copy.deepcopy(fixture(name))
    message["id"] = str(uuid.uuid4())
    if event_date:
        message["eventDate"] = event_date
    for key, value in changes.items():
        if value is DROP:
            message["data"].pop(key, None)
        else:
            message["data"][key] = value
    return message


def deliver(
    message: str | dict, *, connection: Connection, event_date: str | None = None, **changes: Any
) -> WebhookEvent:
    """Stores a delivery and handles it; returns the event as the handler left it.

    `message` is a fixture's event name (changed as `envelope` does) or a whole envelope."""
    if isinstance(message, str):
        message = envelope(message, event_date=event_date, **changes)
    elif event_date or changes:
        raise TypeError("changes apply to a fixture by name; change a whole envelope before delivering it")
    stored = _store(connection, json.dumps(message))
    return replay(stored)


def replay(event: WebhookEvent) -> WebhookEvent:
    """The stored event handled (again) as the worker does, on its body as stored now (a
    processed event's body is redacted)."""
    event = WebhookEvent.objects.select_related("connection").get(pk=event.pk)
    handler = handler_for(event.connection.connector_type, event.object_type, event.event_type)
    if handler is None:
        raise LookupError(f"No handler for {event.object_type} {event.event_type}")
    with transaction.atomic():
        handler(event)
    event.refresh_from_db()
    return event


def _store(connection: Connection, body: str) -> WebhookEvent:
    """As integrations.roller.intake stores an authenticated, readable delivery."""
    parsed = parse_envelope(body.encode())
    data = parsed.data if isinstance(parsed.data, dict) else {}
    webhook_event_store(
        incoming=IncomingEvent(
            connection_id=connection.pk,
            message_id=parsed.message_id,
            object_type=parsed.object_type,
            event_type=parsed.event_type,
            event_date=parsed.event_date,
            headers_json="{}",
            body=body,
            subject_reference=str(data.get("bookingReference") or data.get("customerId") or ""),
        )
    )
    return WebhookEvent.objects.get(connection=connection, message_id=parsed.message_id)
