"""Data migrations: stored values are rewritten, nothing else moves."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("integrations", "0006_leaner_store_indexes")]
AFTER = [("integrations", "0007_source_neutral_values")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_state():
    apps = _migrate(BEFORE)
    yield apps
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_source_neutral_values_rewrite_reasons_streams_and_counts(old_state):
    Account = old_state.get_model("integrations", "Account")
    Connection = old_state.get_model("integrations", "Connection")
    account = Account.objects.create(name="Venue group")
    conn = Connection.objects.create(account=account, name="Park", connector_type="roller")
    RecordOutcome = old_state.get_model("integrations", "RecordOutcome")
    RecordOutcome.objects.create(connection=conn, entity="contact", outcome="deleted", reason="deleted_in_roller")
    RecordOutcome.objects.create(connection=conn, entity="order", outcome="failed", reason="roller_error")
    RecordOutcome.objects.create(connection=conn, entity="order", outcome="skipped", reason="no_contact")
    OutcomeDailyCount = old_state.get_model("integrations", "OutcomeDailyCount")
    OutcomeDailyCount.objects.create(
        connection=conn,
        day=dt.date(2026, 5, 1),
        entity="contact",
        outcome="deleted",
        reason="deleted_in_roller",
        count=3,
    )
    WebhookEvent = old_state.get_model("integrations", "WebhookEvent")
    WebhookEvent.objects.create(connection=conn, message_id="m1", status="failed", reason="roller_error")
    SyncRun = old_state.get_model("integrations", "SyncRun")
    SyncRun.objects.create(
        connection=conn,
        stream="waivers",
        kind="first_import",
        counts={"order.failed.roller_error": 2, "contact.created": 5, "waiver.skipped.minor": 1},
    )

    new = _migrate(AFTER)

    reasons = sorted(new.get_model("integrations", "RecordOutcome").objects.values_list("reason", flat=True))
    assert reasons == ["deleted_at_source", "no_contact", "source_error"]
    assert new.get_model("integrations", "OutcomeDailyCount").objects.get().reason == "deleted_at_source"
    assert new.get_model("integrations", "OutcomeDailyCount").objects.get().count == 3
    assert new.get_model("integrations", "WebhookEvent").objects.get().reason == "source_error"
    run = new.get_model("integrations", "SyncRun").objects.get()
    assert run.stream == "ages"
    assert run.counts == {"order.failed.source_error": 2, "contact.created": 5, "waiver.skipped.minor": 1}
