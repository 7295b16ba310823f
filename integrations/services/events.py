"""Webhook events: store first, claim, process exactly once, retry, give up, replay.

The stored WebhookEvent is the outbox. A task claims its event with a conditional update
before doing anything, so a redelivered message, the sweeper and a replay can never
process one event twice; the handler's writes and the "processed" mark share one
transaction, so a worker killed half-way leaves nothing behind.
"""

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from django.db import connection as db
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations.errors import ConnectionBrokenError, EventSkipped, RecordError, TransientError
from integrations.models import DISPATCHABLE_STATUSES, Connection, WebhookEvent
from integrations.outcomes import Entity, Outcome, Reason
from integrations.registry import connector_get, handler_for
from integrations.services import claims
from integrations.services.connection_status import connection_credentials_refused
from integrations.services.dispatch import webhook_events_enqueue
from integrations.services.outcomes import outcomes_record

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# The longest a retry waits in the broker (back-off with its jitter, or a source's Retry-After).
# The broker's visibility time-out must stay above it, or a waiting retry is delivered twice
# (integrations.checks says so at start-up).
MAX_RETRY_WAIT_SECONDS = 45 * 60
Status = WebhookEvent.Status


# --- storing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncomingEvent:
    connection_id: int
    message_id: str
    object_type: str
    event_type: str
    event_date: datetime | None
    headers_json: str
    body: str
    subject_reference: str = ""
    status: str = Status.RECEIVED
    reason: str = ""
    last_error: str = ""
    # The delivery's bytes when `body` cannot hold them exactly (see WebhookEvent.raw_body).
    raw_body: bytes | None = None

    @property
    def delivered(self) -> bytes:
        return self.raw_body if self.raw_body is not None else self.body.encode()


def webhook_event_store(*, incoming: IncomingEvent) -> bool:
    """Inserts the delivery unless (connection, message id) is already stored.

    Returns True when it was new. One statement, no ORM: this runs on the request path of
    every webhook, and a duplicate is decided by the unique constraint, not by a read first.
    (No NOTIFY for the dispatcher: it takes a lock every commit waits on, which cost more
    than a third of the intake's throughput; the dispatcher polls instead.)
    """
    params = [
        incoming.connection_id,
        incoming.message_id[:100],
        incoming.object_type[:40],
        incoming.event_type[:40],
        incoming.event_date,
        timezone.now(),
        incoming.headers_json,
        incoming.body,
        False,
        incoming.status,
        incoming.reason,
        incoming.last_error,
        incoming.subject_reference[:64],
        incoming.raw_body,
    ]
    if db.vendor == "postgresql":
        return _insert_prepared(_store_statement(), params)
    with db.cursor() as cursor:
        cursor.execute(_store_statement(), params)
        return cursor.fetchone() is not None


def _store_statement() -> str:
    table = db.ops.quote_name(WebhookEvent._meta.db_table)
    columns = (
        "connection_id, message_id, object_type, event_type, event_date, received_at, headers, body, "
        "body_redacted, status, attempts, reason, last_error, subject_reference, claimed_by, raw_body"
    )
    headers_placeholder = "%s::jsonb" if db.vendor == "postgresql" else "%s"
    values = f"%s, %s, %s, %s, %s, %s, {headers_placeholder}, %s, %s, %s, 0, %s, %s, %s, '', %s"
    return (
        f"INSERT INTO {table} ({columns}) VALUES ({values}) "  # noqa: S608 - identifiers are ours
        "ON CONFLICT (connection_id, message_id) DO NOTHING RETURNING id"
    )


def _insert_prepared(statement: str, params: list) -> bool:
    # Django's psycopg cursors bind parameters on the client: quoting the fourteen values was
    # about a sixth of the view's Python time, and PostgreSQL parsed and planned the statement
    # anew for every delivery. A server-bound statement, prepared once per connection, does
    # neither. Errors are still Django's (wrap_database_errors), so the view answers 503 the
    # same way and the broken connection is replaced after the request.
    db.ensure_connection()
    with db.wrap_database_errors, psycopg.Cursor(db.connection) as cursor:
        cursor.execute(statement, params, prepare=True)
        return cursor.fetchone() is not None


# --- claiming and processing --------------------------------------------------------------


@dataclass(frozen=True)
class ProcessResult:
    status: str
    retry_in: float | None = None


def webhook_event_claim(*, event_id: int, task_id: str) -> WebhookEvent | None:
    """Takes the event for this task, or None when someone else has it or it is done."""
    now = timezone.now()
    # A claim whose heartbeat stopped (see integrations.services.claims) belongs to a dead worker.
    claimable = Q(status__in=[Status.RECEIVED, Status.FAILED]) | Q(
        Q(claimed_by=task_id) | Q(claimed_at__lt=now - claims.STALE_CLAIM), status=Status.PROCESSING
    )
    claimed = (
        WebhookEvent.objects.filter(claimable, pk=event_id)
        .exclude(status=Status.FAILED, reason=Reason.INVALID_PAYLOAD)
        .update(status=Status.PROCESSING, claimed_at=now, claimed_by=task_id, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return WebhookEvent.objects.select_related("connection").get(pk=event_id)


def webhook_event_process(*, event_id: int, task_id: str) -> ProcessResult:
    event = webhook_event_claim(event_id=event_id, task_id=task_id)
    if event is None:
        return ProcessResult("not_claimed")
    with claims.heartbeat.held(event_id=event.pk, task_id=task_id):
        return _process(event)


class ClaimLostError(Exception):
    """Another task took the event (this worker's heartbeat stopped): its writes are undone."""


def _process(event: WebhookEvent) -> ProcessResult:
    connection = event.connection
    if connection.status not in DISPATCHABLE_STATUSES:
        # A paused connection's events wait, untouched, for connection_resume.
        _finish(event, status=Status.RECEIVED, enqueued_at=None, attempts=F("attempts") - 1)
        return ProcessResult("deferred")

    handler = handler_for(connection.connector_type, event.object_type, event.event_type)
    if handler is None:
        with transaction.atomic():
            _outcome(event, Outcome.SKIPPED, Reason.UNKNOWN_EVENT, f"{event.object_type} {event.event_type}")
            _finish(event, status=Status.SKIPPED, reason=Reason.UNKNOWN_EVENT, processed_at=timezone.now())
        return ProcessResult(Status.SKIPPED)

    try:
        with transaction.atomic():
            handler(event)
            # The delivered bytes go once processed: the (redacted) text is what is kept.
            finished = _finish(
                event, status=Status.PROCESSED, reason="", last_error="", processed_at=timezone.now(), raw_body=None
            )
            if not finished:
                # Exactly once: the handler's writes commit only with this task's claim.
                raise ClaimLostError
        return ProcessResult(Status.PROCESSED)
    except EventSkipped as exc:
        # Stored and left alone with its reason; its body as the connector redacts it.
        kept = _body_kept(event)
        with transaction.atomic():
            _outcome(event, Outcome.SKIPPED, exc.reason, str(exc))
            _finish(
                event, status=Status.SKIPPED, reason=exc.reason, last_error=str(exc), processed_at=timezone.now(),
                raw_body=None, **kept,
            )  # fmt: skip
        return ProcessResult(Status.SKIPPED)
    except ClaimLostError:
        logger.warning("webhook event %s was taken over by another task; this one's writes are undone", event.pk)
        return ProcessResult("not_claimed")
    except RecordError as exc:
        kept = _body_kept(event)
        with transaction.atomic():
            _outcome(event, Outcome.FAILED, exc.reason, str(exc))
            _finish(event, status=Status.FAILED, reason=exc.reason, last_error=str(exc), next_attempt_at=None, **kept)
        return ProcessResult(Status.FAILED)
    except ConnectionBrokenError as exc:
        # Nothing will work until the source accepts our credentials again: keep the event for a
        # replay, no retries (integrations.services.credentials replays it once it does).
        connection_credentials_refused(connection=connection, reason=str(exc))
        kept = _body_kept(event)
        _finish(
            event, status=Status.FAILED, reason=Reason.SOURCE_ERROR, last_error=str(exc), next_attempt_at=None, **kept
        )
        return ProcessResult(Status.FAILED)
    except TransientError as exc:
        return _retry_or_bury(event, error=str(exc), retry_after=exc.retry_after)
    except Exception as exc:
        logger.exception("webhook event %s failed unexpectedly", event.pk)
        return _retry_or_bury(event, error=f"{exc.__class__.__name__}: {exc}", retry_after=None)


def retry_delay(attempt: int) -> float:
    """10 s, 30 s, 90 s … up to MAX_RETRY_WAIT_SECONDS, with jitter so retries of a burst spread out."""
    base = min(10 * 3 ** max(attempt - 1, 0), 3600)
    return min(base * random.uniform(0.8, 1.2), MAX_RETRY_WAIT_SECONDS)


def _retry_or_bury(event: WebhookEvent, *, error: str, retry_after: float | None) -> ProcessResult:
    attempts = WebhookEvent.objects.values_list("attempts", flat=True).get(pk=event.pk)
    if attempts >= MAX_ATTEMPTS:
        logger.error("webhook event %s is dead after %s attempts: %s", event.pk, attempts, error)
        _finish(event, status=Status.DEAD, last_error=error, next_attempt_at=None, **_body_kept(event))
        return ProcessResult(Status.DEAD)
    delay = min(retry_after + random.uniform(0, 5), MAX_RETRY_WAIT_SECONDS) if retry_after else retry_delay(attempts)
    logger.warning("webhook event %s attempt %s failed, retry in %.0f s: %s", event.pk, attempts, delay, error)
    next_attempt_at = timezone.now() + timedelta(seconds=delay)
    _finish(event, status=Status.FAILED, last_error=error, next_attempt_at=next_attempt_at, **_body_kept(event))
    return ProcessResult(Status.FAILED, retry_in=delay)


def _body_kept(event: WebhookEvent) -> dict:
    """The body a failed event keeps, for the fields of its failure: redacted by its connector
    before the first failure is recorded. Retention keeps failed and dead bodies for replay
    with no time limit, and a child's name on a ticket must not stay with them; the handler's
    own redaction runs only on success (its transaction rolled back)."""
    spec = connector_get(event.connection.connector_type)
    if spec is None or spec.body_redact is None:
        return {}
    try:
        body = spec.body_redact(event)
    except Exception:
        # The body is kept for replay as it is rather than the failure go unrecorded.
        logger.exception("webhook event %s: its body could not be redacted", event.pk)
        return {}
    return {"body": body, "body_redacted": True}


def _finish(event: WebhookEvent, **fields) -> bool:
    # Only while this task still holds the claim.
    return bool(WebhookEvent.objects.filter(pk=event.pk, claimed_by=event.claimed_by).update(**fields))


def _outcome(event: WebhookEvent, outcome: str, reason: str, detail: str) -> None:
    outcomes_record(
        connection=event.connection,
        entity=Entity.EVENT,
        rows=[(event.message_id[:64], outcome, reason, detail[:300])],
        webhook_event=event,
    )


# --- replay -------------------------------------------------------------------------------


def webhook_events_replay(
    *,
    connection: Connection | None = None,
    object_type: str | None = None,
    event_ids: list[int] | None = None,
    received_from: datetime | None = None,
    received_until: datetime | None = None,
    statuses: tuple[str, ...] = (Status.FAILED, Status.DEAD),
) -> int:
    """Puts failed or dead events back in the queue, from scratch; returns how many."""
    events = WebhookEvent.objects.filter(status__in=statuses)
    if connection is not None:
        events = events.filter(connection=connection)
    if object_type:
        events = events.filter(object_type__iexact=object_type)
    if event_ids:
        events = events.filter(pk__in=event_ids)
    if received_from:
        events = events.filter(received_at__gte=received_from)
    if received_until:
        events = events.filter(received_at__lt=received_until)
    with transaction.atomic():
        ids = list(events.values_list("pk", flat=True))
        WebhookEvent.objects.filter(pk__in=ids).update(
            status=Status.RECEIVED,
            attempts=0,
            next_attempt_at=None,
            enqueued_at=None,
            claimed_by="",
            claimed_at=None,
            reason="",
            last_error="",
        )
    webhook_events_enqueue(event_ids=ids)
    return len(ids)
