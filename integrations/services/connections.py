"""A connection's lifecycle: activate, pause, resume, needs attention."""

import logging

from django.db import transaction
from django.utils import timezone

from integrations.errors import SyncError
from integrations.models import Connection, WebhookEvent
from integrations.registry import connector_get
from integrations.services.connection_status import connection_status_set
from integrations.services.dispatch import webhook_events_enqueue
from integrations.services.import_runs import first_import_start, import_resume

logger = logging.getLogger(__name__)


class ActivationError(SyncError):
    """Activation was refused; the connection stays as it was and can be activated again."""


def connection_activate(*, connection: Connection) -> None:
    """Registers the connector's webhook and turns the connection active, all or nothing.

    The connector's `on_activate` (registering its webhook with a new key, say) runs
    first and stores what it got in its own transaction; only then does the connection turn
    active. When it raises, the connection keeps its status and the error says what to do.

    Turning active also queues the first import (once per connection: activating again to
    register the webhook again imports nothing, but goes on with an import that had failed,
    e.g. on revoked credentials) in the same transaction, its first task published after
    commit; product syncs follow from the products schedule, which picks up every active
    connection with products on.
    """
    spec = connector_get(connection.connector_type)
    if spec is None:
        raise ActivationError(f"No connector of type '{connection.connector_type}' is installed.")
    if spec.on_activate is not None:
        spec.on_activate(connection)
    with transaction.atomic():
        connection_status_set(connection=connection, status=Connection.Status.ACTIVE, reason="")
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
    connection_status_set(connection=connection, status=Connection.Status.PAUSED, reason="")


def connection_resume(*, connection: Connection) -> int:
    """Active again; the events stored while paused go to the workers. Returns how many."""
    with transaction.atomic():
        connection_status_set(connection=connection, status=Connection.Status.ACTIVE, reason="")
        waiting = list(
            WebhookEvent.objects.filter(connection=connection, status=WebhookEvent.Status.RECEIVED).values_list(
                "pk", flat=True
            )
        )
        return webhook_events_enqueue(event_ids=waiting)
