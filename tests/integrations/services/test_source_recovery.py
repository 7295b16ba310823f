"""After the source was down, the updates waiting out their back-off go as soon as it answers
(issue 13: everything answered 200 is processed within 60 s of the service returning)."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from integrations.errors import TransientError
from integrations.models import Connection, WebhookEvent
from integrations.registry import connector_get
from integrations.services.source_recovery import sources_probe
from tests.factories import ConnectionFactory, WebhookEventFactory
from tests.support.fake_source import TYPE

pytestmark = pytest.mark.django_db
Status = WebhookEvent.Status


class Source:
    def __init__(self):
        self.up, self.asked = False, 0

    def recheck(self, connection) -> None:
        self.asked += 1
        if not self.up:
            raise TransientError("The source could not be reached.")


@pytest.fixture
def down(source, monkeypatch) -> Source:
    cache.clear()
    answering = Source()
    monkeypatch.setattr(connector_get(TYPE), "credentials_recheck", answering.recheck)
    return answering


def waiting(connection, *, minutes: float, attempts: int = 4) -> WebhookEvent:
    return WebhookEventFactory(
        connection=connection,
        status=Status.FAILED,
        attempts=attempts,
        next_attempt_at=timezone.now() + dt.timedelta(minutes=minutes),
        last_error="The source could not be reached.",
    )


def test_waiting_updates_are_due_at_once_when_the_source_answers_again(down):
    connection = ConnectionFactory(connector_type=TYPE)
    long_wait, other = waiting(connection, minutes=13), ConnectionFactory(connector_type=TYPE)

    assert sources_probe() == 0  # still down: nothing moves
    down.up = True
    cache.clear()  # a probe a minute later
    assert sources_probe() == 1

    long_wait.refresh_from_db()
    assert long_wait.next_attempt_at <= timezone.now()
    assert long_wait.attempts == 4  # probing never brings an update closer to being set aside
    assert not WebhookEvent.objects.filter(connection=other).exists()


def test_the_source_is_asked_at_most_once_per_probe_interval(down):
    connection = ConnectionFactory(connector_type=TYPE)
    waiting(connection, minutes=5)

    sources_probe()
    sources_probe()

    assert down.asked == 1  # the second sweep within the interval asks nothing


def test_nothing_waiting_asks_nothing(down):
    ConnectionFactory(connector_type=TYPE)
    WebhookEventFactory(status=Status.FAILED, next_attempt_at=None)  # failed for good: no wait

    assert sources_probe() == 0
    assert down.asked == 0


def test_once_the_source_answers_every_waiting_update_of_its_connection_is_due_not_only_the_long_waits(down):
    # The bench (bench/bench_recovery.py) saw the last booking 85-100 s after ROLLER was back: the
    # probe moved the waits over a minute, and left those due within the minute to their back-off.
    connection = ConnectionFactory(connector_type=TYPE)
    long_wait, short_wait = waiting(connection, minutes=5), waiting(connection, minutes=0.75)
    down.up = True

    assert sources_probe() == 2

    for event in (long_wait, short_wait):
        event.refresh_from_db()
        assert event.next_attempt_at <= timezone.now()


def test_a_short_wait_is_worth_asking_for_too(down):
    # Left to its back-off, it would be processed up to a probe interval plus its wait after the
    # source returned: over the 60 s target.
    connection = ConnectionFactory(connector_type=TYPE)
    event = waiting(connection, minutes=0.75)
    down.up = True

    assert sources_probe() == 1
    event.refresh_from_db()
    assert event.next_attempt_at <= timezone.now()


def test_a_paused_or_refused_connection_is_not_probed(down):
    waiting(ConnectionFactory(connector_type=TYPE, status=Connection.Status.PAUSED), minutes=10)
    refused = ConnectionFactory(
        connector_type=TYPE, status=Connection.Status.NEEDS_ATTENTION, status_reason="Key refused.",
        credentials_refused_at=timezone.now(),
    )  # fmt: skip
    waiting(refused, minutes=10)  # integrations.services.credentials asks about those
    down.up = True

    assert sources_probe() == 0
    assert down.asked == 0


def test_a_connection_needing_attention_for_another_reason_is_probed_as_its_updates_still_flow(down):
    # The bench's ROLLER outage lasted past the webhook check, which could not register a
    # missing webhook (503) and set the connection to needs attention: its updates then waited
    # out their back-off, the last 95 s after ROLLER was back.
    webhook_gone = ConnectionFactory(
        connector_type=TYPE, status=Connection.Status.NEEDS_ATTENTION, status_reason="No webhook is registered."
    )
    event = waiting(webhook_gone, minutes=10)
    down.up = True

    assert sources_probe() == 1
    event.refresh_from_db()
    assert event.next_attempt_at <= timezone.now()


def test_the_probe_runs_with_the_events_never_behind_an_imports_windows():
    from connector_site.celery_app import app

    route = app.amqp.router.route({}, "integrations.tasks_monitoring.probe_sources")
    other_monitoring = app.amqp.router.route({}, "integrations.tasks_monitoring.purge_expired_data")

    assert (route["queue"].name, other_monitoring["queue"].name) == ("events", "imports")
