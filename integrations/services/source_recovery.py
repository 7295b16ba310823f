"""Updates waiting out a back-off because the source was down go as soon as it answers again.

A webhook whose handler could not reach the source (down, a time-out) waits 10 s, 30 s, 90 s
… before its next attempt (integrations.services.events.retry_delay), so after a long outage
the last of them would wait many minutes more once the source is back. While any update of a
connection waits (one whose updates are processed, its credentials not refused), the beat asks the source once (the connector's cheap check,
ConnectorSpec.credentials_recheck: one token request, say) every PROBE_EVERY; when it answers,
every waiting update of the connection is due and published at once. Their attempts are
untouched: probing never brings an update closer to being set aside.

So the last update goes within PROBE_EVERY (30 s) of the source's return, plus its processing.
(Asking only while a wait was over a minute, and making only those due, left the others to
their back-off: the bench saw the last booking 85-100 s after the source was back.)
"""

import datetime as dt
import logging

from django.core.cache import cache
from django.utils import timezone

from integrations.errors import SyncError
from integrations.models import DISPATCHABLE_STATUSES, Connection, WebhookEvent
from integrations.registry import connector_get
from integrations.services.dispatch import webhook_events_enqueue

logger = logging.getLogger(__name__)

PROBE_EVERY = dt.timedelta(seconds=30)  # beat's interval (CELERY_BEAT_SCHEDULE "probe-sources")
# Shorter than the interval, so beat's next tick (a little early, or late) always gets through:
# the guard is against probes running twice, not against beat.
PROBE_GUARD_SECONDS = PROBE_EVERY.total_seconds() - 5


def sources_probe(*, now: dt.datetime | None = None) -> int:
    """Asks the sources of connections with long-waiting updates whether they answer again;
    returns how many updates were made due."""
    now = now or timezone.now()
    waiting = WebhookEvent.objects.filter(status=WebhookEvent.Status.FAILED, next_attempt_at__gt=now)
    connection_ids = set(waiting.values_list("connection_id", flat=True).distinct())
    made_due = 0
    # Any connection whose updates are processed (one needing attention for its webhook, say),
    # except one whose credentials were refused: integrations.services.credentials asks for it.
    probed = Connection.objects.filter(
        pk__in=connection_ids, status__in=DISPATCHABLE_STATUSES, credentials_refused_at__isnull=True
    )
    for connection in probed:
        if source_answers(connection=connection):
            # Every one, the short waits too: each second of a back-off left to run is a second
            # more after the source is back.
            ids = list(waiting.filter(connection=connection).values_list("pk", flat=True))
            made_due += WebhookEvent.objects.filter(pk__in=ids).update(next_attempt_at=now)
            webhook_events_enqueue(event_ids=ids)  # the sweeper would take them within a minute anyway
    if made_due:
        logger.info("sources answer again: %s waiting update(s) are due now", made_due)
    return made_due


def source_answers(*, connection: Connection) -> bool:
    """Whether the connection's source answers (at most one question per probe, shared by every
    worker through the cache)."""
    spec = connector_get(connection.connector_type)
    if spec is None or spec.credentials_recheck is None:
        return False
    if not cache.add(f"integrations:source-probe:{connection.pk}", 1, timeout=PROBE_GUARD_SECONDS):
        return False
    try:
        spec.credentials_recheck(connection)
    except SyncError:
        # Still down, or refusing the key (integrations.services.credentials handles that).
        return False
    return True
