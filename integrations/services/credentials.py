"""Credentials the source refused, and the connection healing by itself once it accepts them.

When the source refuses the stored credentials (a ConnectionBrokenError: key revoked, API
access switched off) the connection needs attention and `credentials_refused_at` says since
when (integrations.services.connection_status.connection_credentials_refused). From then on:

- a successful check anywhere (the wizard's credentials step, the admin's action, "Retry now"
  on the connection page) heals it at once: active again, stopped imports resumed, and the
  events kept for replay processed;
- the beat re-checks it by itself every RECHECK_EVERY through the connector's cheap
  `ConnectorSpec.credentials_recheck`, so the connection heals within that time of the source
  accepting the key again, with no person involved.

The core schedules and heals; only the connector knows how to ask its source.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from integrations.errors import ConnectionBrokenError, TransientError
from integrations.models import Connection, WebhookEvent
from integrations.outcomes import Reason
from integrations.registry import connector_get
from integrations.services.connection_status import connection_credentials_refused
from integrations.services.events import webhook_events_replay
from integrations.services.import_runs import import_resume

logger = logging.getLogger(__name__)

# The beat's interval (connector_site.settings.celery): at most one check per connection in
# this time, so a revoked key costs the source one token request every five minutes.
RECHECK_EVERY = timedelta(minutes=5)
Status = Connection.Status


@dataclass(frozen=True)
class Healed:
    """What a successful check set going again (all zero: nothing needed healing)."""

    healed: bool = False
    imports_resumed: int = 0
    events_replayed: int = 0

    def sentence(self) -> str:
        """What a person is told after the check, or "" when nothing needed healing."""
        if not self.healed:
            return ""
        going_on = []
        if self.imports_resumed:
            going_on.append("the stopped import goes on where it stopped")
        if self.events_replayed:
            count = self.events_replayed
            going_on.append(
                f"{count} update{'s' if count != 1 else ''} kept meanwhile {'are' if count != 1 else 'is'} being processed"
            )
        return "The connection works again" + (": " + " and ".join(going_on) if going_on else "") + "."


def connection_credentials_confirmed(*, connection: Connection) -> Healed:
    """The source accepted the credentials: a connection it had refused is active again, its
    stopped imports go on from their cursor and the events that failed meanwhile are processed.
    Nothing happens to a connection that was not refused (a paused one stays paused)."""
    now = timezone.now()
    with transaction.atomic():
        healed = Connection.objects.filter(
            pk=connection.pk, status=Status.NEEDS_ATTENTION, credentials_refused_at__isnull=False
        ).update(status=Status.ACTIVE, status_reason="", status_changed_at=now, credentials_refused_at=None)
        if not healed:
            Connection.objects.filter(pk=connection.pk).exclude(credentials_refused_at=None).update(
                credentials_refused_at=None
            )
            connection.credentials_refused_at = None
            return Healed()
        connection.status, connection.status_reason, connection.status_changed_at = Status.ACTIVE, "", now
        connection.credentials_refused_at = None
        resumed = import_resume(connection=connection)
    replayed = webhook_events_replay(connection=connection, event_ids=_kept_for_replay(connection))
    logger.info(
        "connection %s healed: %s import run(s) resumed, %s event(s) replayed", connection.pk, resumed, replayed
    )
    return Healed(healed=True, imports_resumed=resumed, events_replayed=replayed)


def _kept_for_replay(connection: Connection) -> list[int]:
    """The events that failed for good while the source refused us (no retry is due); an
    unreadable one stays failed, as it would fail again."""
    failed = WebhookEvent.objects.filter(
        connection=connection, status=WebhookEvent.Status.FAILED, next_attempt_at__isnull=True
    )
    return list(failed.exclude(reason=Reason.INVALID_PAYLOAD).values_list("pk", flat=True))


@dataclass(frozen=True)
class Recheck:
    outcome: str  # "accepted", "refused", "unreachable" or "not_supported"
    message: str = ""
    healed: Healed = Healed()


def connection_credentials_recheck(*, connection: Connection) -> Recheck:
    """Asks the source whether it accepts the stored credentials (the connector's cheap check)
    and heals or keeps the connection as the answer says. Call it outside a transaction: the
    check is an HTTP call."""
    spec = connector_get(connection.connector_type)
    if spec is None or spec.credentials_recheck is None:
        return Recheck("not_supported", "This connector cannot check its credentials by itself.")
    try:
        spec.credentials_recheck(connection)
    except ConnectionBrokenError as exc:
        connection_credentials_refused(connection=connection, reason=str(exc))
        return Recheck("refused", str(exc))
    except TransientError as exc:
        # Says nothing about the credentials: the state stays as it is, the next check asks again.
        return Recheck("unreachable", str(exc))
    return Recheck("accepted", healed=connection_credentials_confirmed(connection=connection))


def connections_credentials_recheck() -> int:
    """The beat's pass: every connection needing attention for refused credentials is checked
    once. Returns how many healed."""
    refused = Connection.objects.filter(status=Status.NEEDS_ATTENTION, credentials_refused_at__isnull=False)
    healed = 0
    for connection in refused.order_by("pk"):
        try:
            result = connection_credentials_recheck(connection=connection)
        except Exception:  # one connection's surprise must not stop the others' checks
            logger.exception("credentials re-check of connection %s failed; tried again next time", connection.pk)
            continue
        healed += result.healed.healed
    return healed
