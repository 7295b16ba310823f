"""Purging what is kept only for a while: raw webhook bodies and record outcomes.

Raw bodies are blanked, not deleted with their event: the event row (message id, type,
status, booking reference, times) is small and holds nothing personal, and it is what
recognises a message the source delivers again (at least once, in no set order), so a very late
redelivery is still answered "already have it" instead of being processed a second time.
Bodies of failed and dead events are kept: a replay needs them, and the admin shows them
until someone has dealt with them (redacted before the first failure was recorded). The
unreadable ones (failed as invalid_payload) keep no body at all: nothing can be parsed out of
them, so nothing can be redacted either (a child's name on a ticket may be in one), and they
are blanked when their failure is recorded, their size and SHA-256 kept with the reason
(integrations.payloads.unreadable_note). Any stored before that rule are blanked here after
the same period, with the reason and the event row kept.

Record outcomes are deleted; OutcomeDailyCount keeps their numbers per day and reason, so the
connection page's chart and "skipped by reason" survive the purge.

Both work in batches, each its own short transaction, so a purge of millions of rows never
holds a long lock against the webhook intake.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from integrations.models import RecordOutcome, WebhookEvent
from integrations.outcomes import Reason

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
# Events whose processing is over: their body is not needed again.
FINISHED_STATUSES = (WebhookEvent.Status.PROCESSED, WebhookEvent.Status.SKIPPED)


@dataclass(frozen=True)
class PurgeResult:
    bodies_blanked: int
    outcomes_deleted: int


def retention_purge(
    *, now: dt.datetime | None = None, days: int | None = None, batch_size: int = BATCH_SIZE
) -> PurgeResult:
    """Blanks finished events' bodies and deletes outcomes older than RETENTION_DAYS."""
    days = settings.RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    result = PurgeResult(
        bodies_blanked=webhook_bodies_purge(before=cutoff, batch_size=batch_size),
        outcomes_deleted=record_outcomes_purge(before=cutoff, batch_size=batch_size),
    )
    logger.info(
        "retention purge (older than %s days): %s webhook bodies blanked, %s record outcomes deleted",
        days,
        result.bodies_blanked,
        result.outcomes_deleted,
    )
    return result


def webhook_bodies_purge(*, before: dt.datetime, batch_size: int = BATCH_SIZE) -> int:
    done = Q(status__in=FINISHED_STATUSES) | Q(status=WebhookEvent.Status.FAILED, reason=Reason.INVALID_PAYLOAD)
    expired = WebhookEvent.objects.filter(done, received_at__lt=before).exclude(body="", raw_body__isnull=True)
    total = 0
    while ids := list(expired.order_by("pk").values_list("pk", flat=True)[:batch_size]):
        # The status is checked again: a replay may have picked the event up meanwhile.
        total += WebhookEvent.objects.filter(done, pk__in=ids).update(body="", raw_body=None)
        if len(ids) < batch_size:
            break
    return total


def record_outcomes_purge(*, before: dt.datetime, batch_size: int = BATCH_SIZE) -> int:
    expired = RecordOutcome.objects.filter(created_at__lt=before)
    total = 0
    while ids := list(expired.order_by("pk").values_list("pk", flat=True)[:batch_size]):
        deleted, _ = RecordOutcome.objects.filter(pk__in=ids).delete()
        total += deleted
        if len(ids) < batch_size:
            break
    return total
