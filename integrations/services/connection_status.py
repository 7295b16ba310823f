"""A connection's status as the rest of the core changes it: needs attention, or set outright.

Low on purpose: webhook events, imports, reconciliations and the admin mark a connection as
needing attention; the lifecycle (activate, pause, resume: integrations.services.connections)
builds on this module and never the other way round.
"""

import logging

from django.utils import timezone

from integrations.models import Connection

logger = logging.getLogger(__name__)


def connection_mark_needs_attention(*, connection: Connection, reason: str) -> None:
    """Something only a person can fix; `reason` says what and what to do about it."""
    if connection.status == Connection.Status.PAUSED:
        return
    if connection.status == Connection.Status.NEEDS_ATTENTION and connection.status_reason == reason:
        return
    logger.warning("connection %s needs attention: %s", connection.pk, reason)
    connection_status_set(connection=connection, status=Connection.Status.NEEDS_ATTENTION, reason=reason)


def connection_credentials_refused(*, connection: Connection, reason: str) -> None:
    """The source refused the stored credentials: needs attention (`reason` says what to do),
    re-checked by itself until it accepts them (integrations.services.credentials). A paused
    connection stays paused."""
    connection_mark_needs_attention(connection=connection, reason=reason)
    if connection.status != Connection.Status.NEEDS_ATTENTION:
        return
    refused_at = connection.credentials_refused_at or timezone.now()
    Connection.objects.filter(pk=connection.pk, credentials_refused_at__isnull=True).update(
        credentials_refused_at=refused_at
    )
    connection.credentials_refused_at = refused_at


def connection_status_set(*, connection: Connection, status: str, reason: str) -> None:
    connection.status = status
    connection.status_reason = reason
    connection.status_changed_at = timezone.now()
    fields = {"status": status, "status_reason": reason, "status_changed_at": connection.status_changed_at}
    if status != Connection.Status.NEEDS_ATTENTION:
        # Activated, paused or resumed by a person: a refusal found later is news again.
        connection.credentials_refused_at = fields["credentials_refused_at"] = None
    Connection.objects.filter(pk=connection.pk).update(**fields)
