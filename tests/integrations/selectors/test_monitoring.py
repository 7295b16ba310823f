"""The connection page's and the admin's numbers, against known data."""

import datetime as dt

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.models import Connection, OutcomeDailyCount, RecordOutcome, SyncRun, WebhookEvent
from integrations.outcomes import Entity, Outcome, Reason
from integrations.selectors.health import connection_health
from integrations.selectors.monitoring import (
    connection_counts,
    connections_annotate_counts,
    outcomes_by_day,
    recent_outcomes,
    skipped_by_reason,
    skipped_by_reason_for_connections,
    venue_today,
)
from integrations.selectors.progress import ImportProgressView, first_import_progress
from tests.factories import (
    ConnectionFactory,
    ContactFactory,
    OrderFactory,
    ProductFactory,
    SyncRunFactory,
    WebhookEventFactory,
)

pytestmark = pytest.mark.django_db
Status = WebhookEvent.Status


def outcome(connection, outcome, reason="", *, ago=dt.timedelta(0), entity=Entity.ORDER, source_id="", detail=""):
    row = RecordOutcome.objects.create(
        connection=connection, entity=entity, outcome=outcome, reason=reason, source_id=source_id, detail=detail
    )
    RecordOutcome.objects.filter(pk=row.pk).update(created_at=timezone.now() - ago)
    return row


def daily(connection, day, outcome, count, reason="", entity=Entity.ORDER):
    OutcomeDailyCount.objects.create(
        connection=connection, day=day, entity=entity, outcome=outcome, reason=reason, count=count
    )


@pytest.fixture
def connection():
    return ConnectionFactory(time_zone="Europe/Amsterdam")


def test_counters_count_this_connections_records_and_events(connection):
    contacts = [ContactFactory(connection=connection) for _ in range(3)]
    OrderFactory(contact=contacts[0])
    OrderFactory(contact=contacts[1])
    ProductFactory(connection=connection)
    WebhookEventFactory(connection=connection, status=Status.RECEIVED)
    WebhookEventFactory(connection=connection, status=Status.FAILED, next_attempt_at=timezone.now())
    WebhookEventFactory(connection=connection, status=Status.FAILED)  # stopped: waits for a person
    WebhookEventFactory(connection=connection, status=Status.DEAD)
    latest = WebhookEventFactory(connection=connection, status=Status.PROCESSED)
    OrderFactory()  # another connection's, with its contact
    WebhookEventFactory(status=Status.DEAD)
    daily(connection, venue_today(connection), Outcome.CREATED, 4)
    daily(connection, venue_today(connection), Outcome.SKIPPED, 2, Reason.NO_CONTACT)
    daily(connection, venue_today(connection) - dt.timedelta(days=1), Outcome.CREATED, 50)

    counts = connection_counts(connection=connection)

    assert (counts.contacts, counts.orders, counts.products) == (3, 2, 1)
    assert (counts.events_waiting, counts.events_retrying, counts.events_failed, counts.events_dead) == (1, 1, 2, 1)
    assert counts.last_webhook_at == WebhookEvent.objects.get(pk=latest.pk).received_at
    assert counts.today["created"] == 4 and counts.today["skipped"] == 2 and counts.today["failed"] == 0


def test_the_chart_has_seven_venue_days_oldest_first_with_gaps_as_zero(connection):
    today = dt.date(2026, 3, 10)
    daily(connection, today, Outcome.CREATED, 3)
    daily(connection, today, Outcome.CREATED, 2, entity=Entity.CONTACT)
    daily(connection, today - dt.timedelta(days=6), Outcome.SKIPPED, 4, Reason.MINOR)
    daily(connection, today - dt.timedelta(days=7), Outcome.CREATED, 99)  # eight days ago: not shown
    daily(ConnectionFactory(), today, Outcome.CREATED, 77)

    days = outcomes_by_day(connection=connection, today=today)

    assert [d.day for d in days] == [today - dt.timedelta(days=n) for n in range(6, -1, -1)]
    assert days[-1].counts["created"] == 5
    assert days[0].counts["skipped"] == 4
    assert [d.total for d in days] == [4, 0, 0, 0, 0, 0, 5]


def test_skipped_by_reason_counts_from_the_daily_counts_with_the_latest_examples(connection):
    today = venue_today(connection)
    daily(connection, today, Outcome.SKIPPED, 7, Reason.ONSITE_WITHOUT_CONTACT)
    daily(connection, today - dt.timedelta(days=2), Outcome.SKIPPED, 2, Reason.MINOR, entity=Entity.CONTACT)
    daily(connection, today - dt.timedelta(days=10), Outcome.SKIPPED, 50, Reason.NO_CONTACT)  # too old
    for n in range(7):
        outcome(connection, Outcome.SKIPPED, Reason.ONSITE_WITHOUT_CONTACT, ago=dt.timedelta(minutes=n), detail=f"B{n}")
    outcome(connection, Outcome.SKIPPED, Reason.MINOR, entity=Entity.CONTACT)

    reasons = skipped_by_reason(connection=connection)

    assert [(r.reason, r.count) for r in reasons] == [("onsite_without_contact", 7), ("minor", 2)]
    assert reasons[0].label == "On-site sale without an identified customer"
    assert [e.detail for e in reasons[0].examples] == ["B0", "B1", "B2", "B3", "B4"]  # the latest five
    assert reasons[1].about_minors
    assert all(e.source_id == "" and e.detail == "" for e in reasons[1].examples)


def test_the_feed_is_the_latest_outcomes_of_this_connection(connection):
    outcome(connection, Outcome.CREATED, detail="old", ago=dt.timedelta(hours=1))
    outcome(connection, Outcome.UPDATED, detail="new")
    outcome(ConnectionFactory(), Outcome.CREATED, detail="theirs")

    assert [o.detail for o in recent_outcomes(connection=connection, limit=5)] == ["new", "old"]


def test_the_admin_counts_skipped_per_reason_over_the_last_day_and_week(connection):
    outcome(connection, Outcome.SKIPPED, Reason.NO_CONTACT, ago=dt.timedelta(hours=2))
    outcome(connection, Outcome.SKIPPED, Reason.NO_CONTACT, ago=dt.timedelta(days=3))
    outcome(connection, Outcome.SKIPPED, Reason.MINOR, ago=dt.timedelta(days=6))
    outcome(connection, Outcome.SKIPPED, Reason.MINOR, ago=dt.timedelta(days=8))  # outside the week
    outcome(connection, Outcome.CREATED)
    quiet = ConnectionFactory()

    rows = skipped_by_reason_for_connections(connection_ids=[connection.pk, quiet.pk])

    assert [(reason, day, week) for reason, _label, day, week in rows[connection.pk]] == [
        ("no_contact", 1, 2),
        ("minor", 0, 1),
    ]
    assert rows[quiet.pk] == []
    annotated = connections_annotate_counts(Connection.objects.filter(pk=connection.pk)).get()
    assert (annotated.skipped_day_count, annotated.skipped_week_count) == (1, 3)


def test_the_admin_counts_take_one_query_however_many_connections():
    def queries_for_list():
        with CaptureQueriesContext(db) as captured:
            list(connections_annotate_counts(Connection.objects.all()))
        return len(captured)

    ConnectionFactory()
    one = queries_for_list()
    for _ in range(4):
        OrderFactory(contact=ContactFactory(connection=ConnectionFactory()))
    assert queries_for_list() == one == 1


def test_a_healthy_connection_is_connected(connection):
    assert connection_health(connection=connection).state == "connected"
    assert connection_health(connection=connection).problems == []


@pytest.mark.parametrize(
    ("reason", "title"),
    [
        (
            "ROLLER rejected the Client ID and Secret: check them in ROLLER under Settings → Integrations → API keys.",
            "ROLLER no longer accepts the connection's credentials",
        ),
        (
            "ROLLER disabled the webhook after failed deliveries: register it again.",
            "ROLLER's updates are not reaching this connection",
        ),
        ("Something else entirely.", "The connection has stopped"),
    ],
)
def test_needs_attention_names_the_problem_and_what_to_do(connection, reason, title):
    Connection.objects.filter(pk=connection.pk).update(status=Connection.Status.NEEDS_ATTENTION, status_reason=reason)
    connection.refresh_from_db()

    health = connection_health(connection=connection)

    assert health.state == "needs_attention"
    assert [(p.title, p.what_to_do) for p in health.problems] == [(title, reason)]


def test_dead_events_need_attention_even_on_an_active_connection(connection):
    WebhookEventFactory(connection=connection, status=Status.DEAD)
    WebhookEventFactory(connection=connection, status=Status.DEAD)

    health = connection_health(connection=connection)

    assert health.state == "needs_attention"
    assert health.problems[0].key == "events:dead"
    assert health.problems[0].title == "2 updates from ROLLER could not be processed"


def test_a_paused_connection_is_paused_and_a_draft_is_not_set_up(connection):
    paused = ConnectionFactory(status=Connection.Status.PAUSED)
    draft = ConnectionFactory(status=Connection.Status.DRAFT)
    assert connection_health(connection=paused).state == "paused"
    assert connection_health(connection=draft).state == "draft"


def test_the_problem_key_changes_only_when_the_reason_does(connection):
    Connection.objects.filter(pk=connection.pk).update(status="needs_attention", status_reason="Reason one.")
    connection.refresh_from_db()
    first = connection_health(connection=connection).problems[0].key
    assert connection_health(connection=connection).problems[0].key == first
    connection.status_reason = "Reason two."
    assert connection_health(connection=connection).problems[0].key != first


def test_the_first_import_progress_adds_up_the_first_import_runs(connection):
    now = timezone.now()
    SyncRunFactory(connection=connection, kind=SyncRun.Kind.FIRST_IMPORT, stream=SyncRun.Stream.ORDERS,
                   status=SyncRun.Status.SUCCEEDED, windows_done=7, windows_total=7, records_seen=30,
                   started_at=now - dt.timedelta(minutes=8))  # fmt: skip
    SyncRunFactory(connection=connection, kind=SyncRun.Kind.FIRST_IMPORT, stream=SyncRun.Stream.CONTACTS,
                   status=SyncRun.Status.RUNNING, windows_done=1, windows_total=3, records_seen=12,
                   started_at=now - dt.timedelta(minutes=2))  # fmt: skip
    SyncRunFactory(connection=connection, kind=SyncRun.Kind.SCHEDULED, windows_done=0, windows_total=50)

    progress = first_import_progress(connection=connection)

    assert (progress.windows_done, progress.windows_total, progress.records, progress.percent) == (8, 10, 42, 80)
    assert progress.status == "running" and not progress.finished
    assert progress.time_left.endswith("to go")


def test_without_a_first_import_there_is_no_progress_bar(connection):
    SyncRunFactory(connection=connection, kind=SyncRun.Kind.SCHEDULED, windows_total=3)
    assert first_import_progress(connection=connection) is None


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(20, "less than a minute to go"), (60, "about 1 minute to go"), (600, "about 10 minutes to go"),
     (4 * 3600, "about 4 hours to go"), (None, "")],
)  # fmt: skip
def test_the_time_left_is_said_in_words(seconds, text):
    assert ImportProgressView(1, 4, 10, seconds, "running").time_left == text
