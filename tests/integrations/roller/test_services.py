"""Activation without the wizard: connection_activate and `manage.py roller_connect`
against the ROLLER sandbox over real HTTP (reliability scenario 30)."""

import pytest
from django.core.management import CommandError, call_command

from integrations.models import Account, Connection, WebhookEvent
from integrations.roller.models import RollerSettings
from integrations.roller.services import roller_connection_create, roller_delete
from integrations.services.connections import ActivationError, connection_activate
from tests.factories import AccountFactory


@pytest.fixture
def sandbox_settings(settings, roller_sandbox):
    settings.ROLLER_SANDBOX_URL = roller_sandbox.url
    settings.ROLLER_PACING_ENABLED = False
    return roller_sandbox


def draft(roller_sandbox, **overrides) -> Connection:
    values = {
        "account": AccountFactory(),
        "name": "Bounce",
        "environment": RollerSettings.Environment.SANDBOX,
        "client_id": roller_sandbox.client_id,
        "client_secret": roller_sandbox.client_secret,
        "custom_base_url": roller_sandbox.url,
    }
    return roller_connection_create(**{**values, **overrides})


@pytest.mark.django_db
def test_activation_registers_the_webhook_with_a_new_key_and_turns_the_connection_active(sandbox_settings):
    connection = draft(sandbox_settings)
    connection_activate(connection=connection)

    connection.refresh_from_db()
    assert connection.status == Connection.Status.ACTIVE
    assert connection.activated_at is not None
    roller = connection.roller
    registered = {str(hook["webhookId"]): hook for hook in sandbox_settings.webhooks()}
    assert roller.webhook_id in registered
    configuration = registered[roller.webhook_id]["configuration"]
    assert configuration["url"].endswith(f"/webhooks/roller/{connection.public_id}/")
    assert configuration["enabled"] is True
    assert configuration["authentication"]["apiKey"] == roller.webhook_key
    assert len(roller.webhook_key) >= 40


@pytest.mark.django_db
def test_activation_refused_by_roller_leaves_a_draft_that_can_be_activated_again(sandbox_settings):
    connection = draft(sandbox_settings)
    sandbox_settings.fault("/webhooks", status=409, method="POST")

    with pytest.raises(ActivationError, match="did not register the webhook"):
        connection_activate(connection=connection)
    connection.refresh_from_db()
    assert connection.status == Connection.Status.DRAFT
    assert connection.roller.webhook_id == "" and connection.roller.webhook_key == ""
    assert sandbox_settings.webhooks() == []

    connection_activate(connection=connection)
    connection.refresh_from_db()
    assert connection.status == Connection.Status.ACTIVE
    assert len(sandbox_settings.webhooks()) == 1


@pytest.mark.django_db
def test_an_http_webhook_address_is_refused_for_live_before_asking_roller(settings, roller_sandbox):
    settings.PUBLIC_BASE_URL = "http://connect.example.com"
    connection = draft(roller_sandbox, environment=RollerSettings.Environment.LIVE, custom_base_url="")

    with pytest.raises(ActivationError, match="Set PUBLIC_BASE_URL"):
        connection_activate(connection=connection)
    assert Connection.objects.get(pk=connection.pk).status == Connection.Status.DRAFT


@pytest.mark.django_db
def test_activating_again_rotates_the_key_and_keeps_the_old_one_for_a_grace_period(sandbox_settings):
    connection = draft(sandbox_settings)
    connection_activate(connection=connection)
    first = RollerSettings.objects.get(connection=connection)

    connection_activate(connection=connection)
    second = RollerSettings.objects.get(connection=connection)
    assert second.webhook_id == first.webhook_id
    assert second.webhook_key != first.webhook_key
    assert second.previous_webhook_key == first.webhook_key
    assert second.previous_webhook_key_valid_until is not None
    assert len(sandbox_settings.webhooks()) == 1


@pytest.mark.django_db
def test_deleting_removes_the_webhook_at_roller(sandbox_settings):
    connection = draft(sandbox_settings)
    connection_activate(connection=connection)
    roller_delete(connection)
    assert sandbox_settings.webhooks() == []


@pytest.mark.django_db(transaction=True)
def test_roller_connect_gives_an_active_connection_whose_webhook_the_sandbox_calls(
    settings, sandbox_settings, live_server, capsys
):
    settings.PUBLIC_BASE_URL = live_server.url
    call_command("roller_connect", "--account", "Demo Venues")

    connection = Connection.objects.get(account__name="Demo Venues")
    assert connection.status == Connection.Status.ACTIVE
    assert connection.name == connection.roller.venue_name != ""
    assert connection.time_zone == connection.roller.venue_time_zone != ""
    assert "is active" in capsys.readouterr().out

    sandbox_settings.online_booking()
    deliveries = sandbox_settings.wait_for_deliveries()
    assert deliveries and {d["status"] for d in deliveries} == {200}
    assert WebhookEvent.objects.filter(connection=connection, object_type="Booking").exists()


@pytest.mark.django_db
def test_roller_connect_with_wrong_credentials_says_so_and_keeps_a_draft(sandbox_settings, monkeypatch):
    monkeypatch.setenv("ROLLER_SANDBOX_CLIENT_SECRET", "wrong-secret")
    with pytest.raises(CommandError, match="rejected the Client ID and Secret"):
        call_command("roller_connect", "--account", "Demo Venues")
    assert Account.objects.get(name="Demo Venues").connections.get().status == Connection.Status.DRAFT


@pytest.mark.django_db
def test_roller_connect_again_reuses_the_venues_connection(sandbox_settings, capsys):
    call_command("roller_connect", "--account", "Demo Venues")
    first = Connection.objects.get(account__name="Demo Venues")
    assert first.source_account_id == first.roller.venue_id != ""

    call_command("roller_connect", "--account", "Demo Venues", "--name", "Another name")

    assert list(Connection.objects.filter(account__name="Demo Venues")) == [first]
    assert Connection.objects.get(pk=first.pk).status == Connection.Status.ACTIVE
    assert "(the venue's existing connection, reused) is active" in capsys.readouterr().out
    assert len(sandbox_settings.webhooks()) == 1
