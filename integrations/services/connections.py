"""A connection's lifecycle: activate, pause, resume, needs attention."""

import logging

from django.db import transaction
from django.utils import timezone

from integrations.errors import SyncError
from integrations.models import Connection, WebhookEvent
from integrations.registry import connector_get

logger = logging.getLogger(__name__)


class ActivationError(SyncError):
    """Activation was refused; the connection stays as it was and can be activated again."""


def connection_activate(*, connection: Connection) -> None:
    """Registers the connector's webhook and turns the connection active, all or nothing.

    The connector's `on_activate` (for ROLLER: register the webhook with a new key) runs
    first and stores what it got in its own transaction; only then does the connection turn
    active. When it raises, the connection keeps its status and the error says what to do.

    Turning active also queues the first import (once per connection: activating again to
    register the webhook again imports nothing, but goes on with an import that had failed,
    e.g. on revoked credentials) in the same transaction, its first task published after
    commit; product syncs follow from the products schedule, which picks up every active
    connection with products on.
    """
    from integrations.services.import_runs import first_import_start, import_resume

    spec = connector_get(connection.connector_type)
    if spec is None:
        raise ActivationError(f"No connector of type '{connection.connector_type}' is installed.")
    if spec.on_activate is not None:
        spec.on_activate(connection)
    with transaction.atomic():
        _set_status(connection, Connection.Status.ACTIVE, reason="")
        if connection.activated_at is None:
            connection.activated_at = timezone.now()
            connection.save(update_fields=["activated_at"])
        if not first_import_start(connection=connection):
            import_resume(connection=connection)
    logger.info("connection %s activated", connection.pk)


def connection_webhook_register_again(*, connection: Connection) -> None:
    """The fix for a webhook the source disabled or lost: register it again, under a new key.

    A paused connection stays paused; otherwise it turns active again, since the webhook was
    what needed attention.
    """
    spec = connector_get(connection.connector_type)
    if connection.status == Connection.Status.DRAFT or spec is None or spec.on_activate is None:
        raise ActivationError("This connection has no webhook to register yet: finish setting it up first.")
    if connection.status == Connection.Status.PAUSED:
        spec.on_activate(connection)
    else:
        connection_activate(connection=connection)


def connection_pause(*, connection: Connection) -> None:
    """Webhooks keep being stored (and answered 200); they are processed on resume."""
    _set_status(connection, Connection.Status.PAUSED, reason="")


def connection_resume(*, connection: Connection) -> int:
    """Active again; the events stored while paused go to the workers. Returns how many."""
    from integrations.services.dispatch import webhook_events_enqueue

    with transaction.atomic():
        _set_status(connection, Connection.Status.ACTIVE, reason="")
        waiting = list(
            WebhookEvent.objects.filter(connection=connection, status=WebhookEvent.Status.RECEIVED).values_list(
                "pk", flat=True
            )
        )
        return webhook_events_enqueue(event_ids=waiting)


def connection_mark_needs_attention(*, connection: Connection, reason: str) -> None:
    """Something only a person can fix; `reason` says what and what to do about it."""
    if connection.status == Connection.Status.PAUSED:
        return
    if connection.status == Connection.Status.NEEDS_ATTENTION and connection.status_reason == reason:
        return
    logger.warning("connection %s needs attention: %s", connection.pk, reason)
    _set_status(connection, Connection.Status.NEEDS_ATTENTION, reason=reason)


def connection_credentials_refused(*, connection: Connection, reason: str) -> None:
    """The source refused the stored credentials: needs attention (`reason` says what to do),
    re-checked by itself until it accepts them. A paused connection stays paused."""
    connection_mark_needs_attention(connection=connection, reason=reason)
    if connection.status != Connection.Status.NEEDS_ATTENTION:
        return
    refused_at = connection.credentials_refused_at or timezone.now()
    Connection.objects.filter(pk=connection.pk, credentials_refused_at__isnull=True).update(
        credentials_refused_at=refused_at
    )
    connection.credentials_refused_at = refused_at


def _set_status(connection: Connection, status: str, *, reason: str) -> None:
    connection.status = status
    connection.status_reason = reason
    connection.status_changed_at = timezone.now()
    fields = {"status": status, "status_reason": reason, "status_changed_at": connection.status_changed_at}
    if status != Connection.Status.NEEDS_ATTENTION:
        # Activated, paused or resumed by a person: a refusal found later is news again.
        connection.credentials_refused_at = fields["credentials_refused_at"] = None
    Connection.objects.filter(pk=connection.pk).update(**fields)
