"""One e-mail digest when a connection needs attention, and again only when something new goes wrong."""

import pytest
from django.conf import settings
from django.core import mail

from integrations.models import AlertState, Connection, WebhookEvent
from integrations.outcomes import Entity, Outcome, Reason
from integrations.services.alerts import alerts_send
from integrations.services.connection_status import connection_mark_needs_attention
from integrations.services.connections import connection_resume
from integrations.services.outcomes import outcomes_record
from tests.factories import ConnectionFactory, UserFactory, WebhookEventFactory

pytestmark = pytest.mark.django_db
REVOKED = "ROLLER rejected the Client ID and Secret: check them in ROLLER under Settings → Integrations → API keys."


@pytest.fixture
def connection():
    connection = ConnectionFactory(name="Bounce Around Utrecht")
    UserFactory(account=connection.account, email="owner@venue.example")
    UserFactory(account=connection.account, email="marketing@venue.example")
    UserFactory(email="someone@else.example")  # another account's user
    return connection


def test_a_connection_that_needs_attention_sends_one_digest_to_the_accounts_users(connection):
    connection_mark_needs_attention(connection=connection, reason=REVOKED)
    WebhookEventFactory.create_batch(3, connection=connection, status=WebhookEvent.Status.DEAD)

    alerts_send()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["marketing@venue.example", "owner@venue.example"]
    assert message.subject == "Bounce Around Utrecht needs attention"
    assert "ROLLER no longer accepts the connection's credentials" in message.body
    assert "check them in ROLLER under Settings → Integrations → API keys" in message.body
    assert "3 updates from ROLLER could not be processed" in message.body
    assert f"/connectors/{connection.public_id}/" in message.body


def test_nothing_new_sends_nothing_however_often_it_runs(connection):
    connection_mark_needs_attention(connection=connection, reason=REVOKED)
    alerts_send()
    WebhookEventFactory(connection=connection, status=WebhookEvent.Status.DEAD)
    alerts_send()
    mail.outbox.clear()

    # More dead events and many more skipped records: the same problems, no new e-mail.
    WebhookEventFactory.create_batch(5, connection=connection, status=WebhookEvent.Status.DEAD)
    outcomes_record(
        connection=connection,
        entity=Entity.ORDER,
        rows=[(str(n), Outcome.SKIPPED, Reason.NO_CONTACT, "") for n in range(50)],
    )
    alerts_send()
    alerts_send()

    assert mail.outbox == []


def test_something_new_sends_a_digest_of_everything_marking_what_is_new(connection):
    connection_mark_needs_attention(connection=connection, reason=REVOKED)
    alerts_send()
    WebhookEventFactory(connection=connection, status=WebhookEvent.Status.DEAD)

    alerts_send()

    assert len(mail.outbox) == 2
    body = mail.outbox[1].body
    assert "[NEW] 1 update from ROLLER could not be processed" in body
    assert "ROLLER no longer accepts the connection's credentials" in body
    assert "[NEW] ROLLER no longer accepts" not in body


def test_a_different_reason_is_something_new(connection):
    connection_mark_needs_attention(connection=connection, reason=REVOKED)
    alerts_send()
    connection_mark_needs_attention(connection=connection, reason="ROLLER disabled the webhook: register it again.")

    alerts_send()

    assert len(mail.outbox) == 2
    assert "ROLLER's updates are not reaching this connection" in mail.outbox[1].body


def test_a_problem_that_was_fixed_and_comes_back_is_news_again(connection):
    connection_mark_needs_attention(connection=connection, reason=REVOKED)
    alerts_send()
    connection_resume(connection=connection)
    alerts_send()  # all well: the memory is cleared, nothing sent
    assert len(mail.outbox) == 1
    assert AlertState.objects.get(connection=connection).problem_keys == []

    connection.refresh_from_db()
    connection_mark_needs_attention(connection=connection, reason=REVOKED)
    alerts_send()

    assert len(mail.outbox) == 2


def test_dead_events_on_an_active_connection_are_alerted(connection):
    WebhookEventFactory(connection=connection, status=WebhookEvent.Status.DEAD)
    alerts_send()
    assert len(mail.outbox) == 1 and "could not be processed" in mail.outbox[0].body


def test_paused_draft_and_healthy_connections_send_nothing(connection):
    paused = ConnectionFactory(status=Connection.Status.PAUSED)
    WebhookEventFactory(connection=paused, status=WebhookEvent.Status.DEAD)
    UserFactory(account=paused.account)
    UserFactory(account=ConnectionFactory(status=Connection.Status.DRAFT).account)
    WebhookEventFactory(connection=connection, status=WebhookEvent.Status.FAILED)  # still being retried

    alerts_send()

    assert mail.outbox == []


def test_without_anyone_to_tell_the_digest_waits_for_a_user(connection):
    lonely = ConnectionFactory()
    connection_mark_needs_attention(connection=lonely, reason=REVOKED)
    alerts_send()
    assert mail.outbox == []

    UserFactory(account=lonely.account, email="new@venue.example")
    alerts_send()
    assert [m.to for m in mail.outbox] == [["new@venue.example"]]


def test_a_failed_send_is_tried_again_next_time(connection, monkeypatch):
    connection_mark_needs_attention(connection=connection, reason=REVOKED)

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("integrations.services.alerts.send_mail", broken)
    alerts_send()
    monkeypatch.undo()
    alerts_send()

    assert len(mail.outbox) == 1


def test_the_digests_go_out_from_a_periodic_task(connection):
    from integrations.tasks_monitoring import send_alert_digests

    assert send_alert_digests.name == "integrations.tasks_monitoring.send_alert_digests"
    assert any(e["task"] == send_alert_digests.name for e in settings.CELERY_BEAT_SCHEDULE.values())
    connection_mark_needs_attention(connection=connection, reason=REVOKED)
    assert send_alert_digests() == 1
    assert send_alert_digests() == 0
