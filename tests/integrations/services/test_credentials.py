"""Credentials the source refused: the connection heals by itself once the source accepts them
again, or at once after a successful check, with its stopped import and kept events going on
(issue 13, "Credentials fixed, connection still broken"). Driven through a source that exists
only in tests, so the core's part is proven without ROLLER."""

from dataclasses import dataclass

import pytest
from django.conf import settings

from integrations.errors import ConnectionBrokenError, TransientError
from integrations.models import Connection, RecordOutcome, SyncRun, WebhookEvent
from integrations.outcomes import Entity, Outcome
from integrations.registry import connector_get
from integrations.services.connection_status import connection_mark_needs_attention
from integrations.services.connections import connection_pause
from integrations.services.credentials import (
    RECHECK_EVERY,
    connection_credentials_confirmed,
    connection_credentials_recheck,
    connections_credentials_recheck,
)
from integrations.services.events import webhook_event_process
from integrations.services.import_runs import first_import_start
from integrations.tasks_monitoring import recheck_refused_credentials
from tests.factories import ConnectionFactory, WebhookEventFactory
from tests.support.fake_source import TYPE

pytestmark = pytest.mark.django_db
Stream, RunStatus = SyncRun.Stream, SyncRun.Status
EventStatus = WebhookEvent.Status
REFUSED = "The source rejected our credentials: enter new ones."


@dataclass
class SourceKey:
    """The source's view of the connection's key: refused until the test says otherwise."""

    accepted: bool = False
    reachable: bool = True
    checks: int = 0

    def recheck(self, connection) -> None:
        self.checks += 1
        if not self.reachable:
            raise TransientError("The source could not be reached.")
        if not self.accepted:
            raise ConnectionBrokenError(REFUSED)

    def booking_created(self, event) -> None:
        if not self.accepted:
            raise ConnectionBrokenError(REFUSED)
        RecordOutcome.objects.create(
            connection=event.connection, entity=Entity.ORDER, source_id="b-1", outcome=Outcome.CREATED,
            webhook_event=event,
        )  # fmt: skip


@pytest.fixture
def key(source, monkeypatch) -> SourceKey:
    key = SourceKey()
    spec = connector_get(TYPE)
    monkeypatch.setattr(spec, "credentials_recheck", key.recheck)
    monkeypatch.setitem(spec.handlers, ("Booking", "Created"), key.booking_created)
    return key


@pytest.fixture
def connection(key) -> Connection:
    return ConnectionFactory(connector_type=TYPE, contacts_lookback_days=3, orders_lookback_days=2)


@pytest.fixture
def refused(connection, source, worker) -> WebhookEvent:
    """The key was revoked: the first import stopped, and a booking's event failed and was kept."""
    source.failures[Stream.CONTACTS] = ConnectionBrokenError(REFUSED)
    worker.call(first_import_start, connection=connection)
    worker.drain()
    event = WebhookEventFactory(connection=connection, status=EventStatus.RECEIVED)
    assert webhook_event_process(event_id=event.pk, task_id="t").status == EventStatus.FAILED
    connection.refresh_from_db()
    return event


def test_a_refused_key_marks_the_connection_as_refused_since_then(connection, refused):
    assert connection.status == Connection.Status.NEEDS_ATTENTION
    assert connection.status_reason == REFUSED
    assert connection.credentials_refused_at is not None
    assert SyncRun.objects.get(stream=Stream.CONTACTS).status == RunStatus.FAILED


def test_it_is_checked_again_by_itself_and_heals_once_the_source_accepts_the_key(
    connection, refused, key, worker, published
):
    assert worker.call(connections_credentials_recheck) == 0
    assert key.checks == 1
    connection.refresh_from_db()
    assert connection.status == Connection.Status.NEEDS_ATTENTION

    key.accepted = True  # e.g. the venue's API add-on switched back on
    assert worker.call(recheck_refused_credentials) == 1

    connection.refresh_from_db()
    assert (connection.status, connection.status_reason, connection.credentials_refused_at) == (
        Connection.Status.ACTIVE,
        "",
        None,
    )
    assert published == [refused.pk]
    assert webhook_event_process(event_id=refused.pk, task_id="replay").status == EventStatus.PROCESSED
    worker.drain()
    assert set(SyncRun.objects.values_list("status", flat=True)) == {RunStatus.SUCCEEDED}


def test_the_beat_checks_again_every_five_minutes_at_most(connection, refused):
    [entry] = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == recheck_refused_credentials.name]
    assert entry["schedule"] == RECHECK_EVERY.total_seconds() == 300


def test_a_successful_check_anywhere_heals_at_once_and_says_what_goes_on(connection, refused, key, worker, published):
    key.accepted = True

    healed = worker.call(connection_credentials_confirmed, connection=connection)

    assert (healed.healed, healed.imports_resumed, healed.events_replayed) == (True, 1, 1)
    assert healed.sentence() == (
        "The connection works again: the stopped import goes on where it stopped "
        "and 1 update kept meanwhile is being processed."
    )
    assert Connection.objects.get(pk=connection.pk).status == Connection.Status.ACTIVE
    assert published == [refused.pk]


def test_an_unreachable_source_says_nothing_about_the_key_and_changes_nothing(connection, refused, key):
    key.reachable = False

    result = connection_credentials_recheck(connection=connection)

    assert result.outcome == "unreachable"
    connection.refresh_from_db()
    assert connection.status == Connection.Status.NEEDS_ATTENTION
    assert connection.credentials_refused_at is not None


def test_a_connection_stopped_for_another_reason_is_neither_checked_nor_healed_by_a_check(connection, key, worker):
    connection_mark_needs_attention(connection=connection, reason="The source disabled the webhook.")

    assert worker.call(connections_credentials_recheck) == 0
    assert key.checks == 0
    assert not connection_credentials_confirmed(connection=connection).healed
    assert Connection.objects.get(pk=connection.pk).status == Connection.Status.NEEDS_ATTENTION


def test_a_paused_connection_is_not_checked_and_a_refusal_is_news_again_after_resuming(connection, refused, key):
    connection_pause(connection=connection)

    assert connections_credentials_recheck() == 0
    assert key.checks == 0
    assert Connection.objects.get(pk=connection.pk).credentials_refused_at is None
