"""A connection heals its own webhook: missing or disabled at ROLLER, it is registered again
within one check (one GET /webhooks), a reconciliation fills the gap, the connection says so."""

import pytest

from integrations.models import Connection, SyncRun
from integrations.roller.client import RollerClient
from integrations.roller.models import RollerSettings
from integrations.roller.services import roller_connection_create, roller_venue_refresh
from integrations.services.connections import connection_activate
from integrations.services.reconciliation import webhook_heal, webhooks_check_dispatch
from integrations.tasks_sync import check_webhook
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection(sandbox, worker) -> Connection:
    connection = roller_connection_create(
        account=AccountFactory(), name="Bounce", environment=RollerSettings.Environment.SANDBOX,
        client_id=sandbox.client_id, client_secret=sandbox.client_secret, custom_base_url=sandbox.url,
    )  # fmt: skip
    roller_venue_refresh(roller_settings=connection.roller)
    Connection.objects.filter(pk=connection.pk).update(contacts_lookback_days=1, orders_lookback_days=1)
    connection.refresh_from_db()
    worker.call(connection_activate, connection=connection)
    worker.drain()
    return connection


def our_hook(sandbox, connection: Connection) -> dict | None:
    webhook_id = RollerSettings.objects.get(connection=connection).webhook_id
    return next((h for h in sandbox.webhooks() if str(h["webhookId"]) == webhook_id), None)


def reconciliations(connection: Connection) -> int:
    return SyncRun.objects.filter(connection=connection, kind=SyncRun.Kind.RECONCILIATION).count()


def test_a_webhook_deleted_at_roller_is_registered_again_and_the_gap_reconciled(sandbox, connection, worker):
    RollerClient.from_settings(connection.roller).delete_webhook(connection.roller.webhook_id)

    problem = worker.call(webhook_heal, connection=connection)

    assert "ROLLER no longer has our webhook" in problem
    hook = our_hook(sandbox, connection)
    assert hook is not None and hook["enabled"] is True
    assert reconciliations(connection) == 3  # waivers, contacts, orders
    connection.refresh_from_db()
    assert connection.status == Connection.Status.ACTIVE
    assert "registered again by itself" in connection.status_reason
    assert "reconciliation is filling in" in connection.status_reason


def test_a_webhook_roller_disabled_is_enabled_again_under_the_same_id(sandbox, connection, worker):
    webhook_id = connection.roller.webhook_id
    sandbox.disable_webhook(int(webhook_id))

    assert "ROLLER has disabled our webhook" in worker.call(webhook_heal, connection=connection)

    assert RollerSettings.objects.get(connection=connection).webhook_id == webhook_id
    assert our_hook(sandbox, connection)["enabled"] is True
    assert Connection.objects.get(pk=connection.pk).status == Connection.Status.ACTIVE


def test_a_working_webhook_costs_one_look_and_changes_nothing(sandbox, connection, worker):
    before = reconciliations(connection)

    assert worker.call(webhook_heal, connection=connection) is None

    assert reconciliations(connection) == before
    assert Connection.objects.get(pk=connection.pk).status_reason == ""


def test_every_working_connection_gets_a_check_at_each_tick(connection, worker):
    worker.queue.clear()

    assert webhooks_check_dispatch() == 1

    assert worker.queue == [(check_webhook.name, connection.pk, 0)]
