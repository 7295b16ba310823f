"""Removing minors' personal data from stored webhook bodies, processed or failed.

A stored body is kept for support and replay, so it keeps every id and everything the
connector reads, and loses what it must not keep: the names on tickets (often children's,
never stored anywhere), and the personal fields of a minor or of a guest deleted in ROLLER.
A replay parses the redacted body as it would the original.

The handlers redact as their last step, on success; `event_body_redact` is what the core
asks for (`ConnectorSpec.body_redact`) before it records a failure, since a failed or dead
body is kept for replay with no time limit.
"""

import json
from collections.abc import Callable, Collection
from typing import Any

from django.utils import timezone

from integrations.locality import connection_zone
from integrations.minors import is_minor, minor_is_known, minor_remember
from integrations.models import WebhookEvent
from integrations.roller.bulk_files import presigned_url_display
from integrations.roller.parsing.payloads import parse_customer_detail
from integrations.roller.parsing.records import PayloadError

# Names, dates of birth, contact details, address, and the free text ROLLER attaches to a
# person (flags: "allergic to…").
PERSONAL_FIELDS = frozenset(
    {
        "firstName",
        "lastName",
        "name",
        "dateOfBirth",
        "email",
        "phone",
        "contactNumber",
        "address",
        "postcode",
        "country",
        "gender",
        "flags",
        "customerFlags",
        "taxIdentificationNumber",
        "signature",
    }
)
TICKET_NAMES = frozenset({"ticketHolderName", "name"})


def booking_body_redact(body: str) -> str:
    """Ticket holder names go from every booking body, and so does the booking's `name`
    (free text, usually the holder's name, sometimes a child's party): the connector reads
    neither, so neither is kept."""

    def redact(data: Any) -> None:
        for booking in _objects(data):
            booking.pop("name", None)
            for item in _as_list(booking.get("items")):
                for ticket in _as_list(item.get("tickets") if isinstance(item, dict) else None):
                    if isinstance(ticket, dict):
                        for key in TICKET_NAMES:
                            ticket.pop(key, None)

    return _rewrite(body, redact)


def guest_body_redact(body: str) -> str:
    """For a Customer event about a minor or a deleted guest: only ids and consent remain."""

    def redact(data: Any) -> None:
        for guest in _objects(data):
            _drop_personal(guest)

    return _rewrite(body, redact)


def waiver_body_redact(body: str, *, minor_guest_ids: Collection[str] = ()) -> str:
    """For a SignedWaiver event: the records of minors lose their personal fields (the
    signing adult's record stays as it is)."""

    def redact(data: Any) -> None:
        for waiver in _objects(data):
            guest_id = waiver.get("guestId", waiver.get("customerId"))
            is_minor = (
                waiver.get("isForMinor") is True
                or waiver.get("parentSignedWaiverId") not in (None, "", 0)
                or (guest_id is not None and str(guest_id) in minor_guest_ids)
            )
            if is_minor:
                _drop_personal(waiver)

    return _rewrite(body, redact)


def bulk_body_redact(body: str) -> str:
    """A bulk export's body without the presigned URLs' queries: whoever has a URL has the file."""

    def redact(data: Any) -> None:
        if isinstance(data, dict) and isinstance(data.get("preSignedUrls"), list):
            data["preSignedUrls"] = [
                presigned_url_display(u) if isinstance(u, str) else u for u in data["preSignedUrls"]
            ]

    redacted = _rewrite(body, redact)
    return redacted if "X-Amz-" not in redacted else ""


def event_body_redact(event: WebhookEvent) -> str:
    """The body a failed event keeps: a booking's without ticket names, a waiver's without its
    minors' records, a guest's without personal data when they are a minor (or unreadable). A
    minor recognised here is remembered (as a keyed hash), so the replay of the redacted body
    still leaves them out."""
    kind = event.object_type.lower()
    if kind == "booking":
        return booking_body_redact(event.body)
    if kind == "signedwaiver":
        return waiver_body_redact(event.body)
    if kind == "bulkexport":
        return bulk_body_redact(event.body)
    if kind == "customer":
        minor_id = _minor_guest(event)
        if minor_id is None:
            return event.body
        if minor_id:
            minor_remember(connection=event.connection, source_ids=[minor_id])
        return guest_body_redact(event.body)
    return event.body


def _minor_guest(event: WebhookEvent) -> str | None:
    """The guest id of a Customer event about a minor ("" when the body cannot be read, so
    cannot tell: no replay reads it either), or None for a guest not known to be one."""
    try:
        data = json.loads(event.body)["data"]
        guest = parse_customer_detail(data)
    except (TypeError, ValueError, KeyError, RecursionError, PayloadError):
        return ""
    connection = event.connection
    if is_minor(guest.date_of_birth, connection.minimum_age, timezone.localdate(timezone=connection_zone(connection))):
        return guest.guest_id
    return guest.guest_id if minor_is_known(connection=connection, source_id=guest.guest_id) else None


def _drop_personal(record: dict) -> None:
    for key in [key for key in record if key in PERSONAL_FIELDS]:
        del record[key]


def _rewrite(body: str, redact: Callable[[Any], None]) -> str:
    """Applies `redact` to the payload under `data` (or under a wrapper such as data.booking)."""
    try:
        envelope = json.loads(body)
    except (TypeError, ValueError, RecursionError):
        return body  # nothing we could read, nothing we processed
    if not isinstance(envelope, dict) or "data" not in envelope:
        return body
    redact(envelope["data"])
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def _objects(data: Any) -> list[dict]:
    """The payload's records: the data itself, the items of a list, and the contents of a
    wrapper (`data.booking`, `data.customer`, `data.signedWaivers`…) whatever the case."""
    found: list[dict] = []
    for value in _as_list(data):
        if not isinstance(value, dict):
            continue
        wrapped = [v for k, v in value.items() if k.lower() in _WRAPPERS and isinstance(v, dict | list)]
        if wrapped:
            for inner in wrapped:
                found += _objects(inner)
        else:
            found.append(value)
    return found


_WRAPPERS = frozenset({"booking", "customer", "guest", "signedwaivers", "signedwaiver"})


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
