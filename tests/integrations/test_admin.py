"""The operators' admin: every action is registered and does what it says; secrets never show."""

import csv
import datetime as dt
import io
import json

import pytest
from django.contrib import admin
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integrations.models import Connection, Order, OrderLine, RecordOutcome, SyncRun, WebhookEvent
from integrations.outcomes import Entity, Outcome, Reason
from integrations.roller.models import RollerSettings
from integrations.roller.services import roller_connection_create
from integrations.services.connection_status import connection_mark_needs_attention
from integrations.services.connections import connection_activate
from integrations.services.outcomes import outcomes_record
from tests.factories import (
    AccountFactory,
    ConnectionFactory,
    ContactFactory,
    OrderFactory,
    ProductFactory,
    RollerSettingsFactory,
    SyncRunFactory,
    WebhookEventFactory,
)

pytestmark = pytest.mark.django_db
Status = WebhookEvent.Status
CLIENT_SECRET = "s3cret-client-secret-never-shown"
WEBHOOK_KEY = "w3bhook-key-never-shown-0123456789abcdef"
ACCESS_TOKEN = "acc3ss-token-never-shown"


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def run_action(client, model, action, objects, **extra):
    data = {"action": action, "_selected_action": [o.pk for o in objects], **extra}
    return client.post(changelist(model), data, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- registration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "actions"),
    [
        (
            Connection,
            {
                "pause",
                "resume",
                "sync_products_now",
                "replay_failed_events",
                "register_webhook_again",
                "check_credentials",
            },
        ),
        (WebhookEvent, {"replay_events"}),
        (RecordOutcome, {"export_csv"}),
    ],
)
def test_each_action_is_registered(rf, admin_user, model, actions):
    request = rf.get("/")
    request.user = admin_user
    assert actions <= set(admin.site._registry[model].get_actions(request))


def test_synced_data_and_events_are_read_only(admin_client):
    order = OrderFactory()
    event = WebhookEventFactory()
    for obj in (order, order.contact, event):
        assert admin_client.get(change(obj)).status_code == 200
        assert admin_client.post(change(obj), {}).status_code == 403


# --- connection actions -------------------------------------------------------------------


def test_pause_pauses_and_says_what_happens_to_updates(admin_client):
    connection = ConnectionFactory(name="Bounce")
    draft = ConnectionFactory(name="Half-done", status=Connection.Status.DRAFT)

    response = run_action(admin_client, Connection, "pause", [connection, draft])

    assert Connection.objects.get(pk=connection.pk).status == Connection.Status.PAUSED
    assert Connection.objects.get(pk=draft.pk).status == Connection.Status.DRAFT
    assert sorted(messages_of(response)) == [
        "Bounce: paused. ROLLER's updates are still received and kept; they are processed on resume.",
        "Half-done: still a draft; finish the setup wizard first.",
    ]


def test_resume_makes_active_and_hands_over_the_waiting_events(admin_client):
    connection = ConnectionFactory(name="Bounce", status=Connection.Status.PAUSED)
    waiting = WebhookEventFactory(connection=connection, status=Status.RECEIVED)

    response = run_action(admin_client, Connection, "resume", [connection])

    assert Connection.objects.get(pk=connection.pk).status == Connection.Status.ACTIVE
    assert WebhookEvent.objects.get(pk=waiting.pk).enqueued_at is not None
    assert messages_of(response) == ["Bounce: active again (was paused); 1 waiting event(s) handed to the workers."]


def test_replay_failed_events_queues_the_failed_and_dead_ones_again(admin_client):
    connection = ConnectionFactory(name="Bounce")
    failed = WebhookEventFactory(connection=connection, status=Status.FAILED, last_error="ROLLER unavailable")
    dead = WebhookEventFactory(connection=connection, status=Status.DEAD, attempts=8)
    done = WebhookEventFactory(connection=connection, status=Status.PROCESSED)

    response = run_action(admin_client, Connection, "replay_failed_events", [connection])

    assert {e.pk: (e.status, e.attempts) for e in WebhookEvent.objects.filter(pk__in=[failed.pk, dead.pk])} == {
        failed.pk: ("received", 0),
        dead.pk: ("received", 0),
    }
    assert WebhookEvent.objects.get(pk=done.pk).status == Status.PROCESSED
    assert messages_of(response) == ["Bounce: 2 failed or dead event(s) queued again."]


def test_reimport_asks_for_the_days_then_queues_them_for_each_connection(admin_client):
    connection = ConnectionFactory(name="Bounce")
    draft = ConnectionFactory(name="Draft", status=Connection.Status.DRAFT)
    today = timezone.localdate()
    days = {"start": (today - dt.timedelta(days=3)).isoformat(), "end": (today - dt.timedelta(days=1)).isoformat()}

    asked = run_action(admin_client, Connection, "reimport_days", [connection, draft])
    assert b"Re-import these days" in asked.content and not SyncRun.objects.exists()

    response = run_action(admin_client, Connection, "reimport_days", [connection, draft], apply="1", **days)

    runs = SyncRun.objects.filter(connection=connection)
    assert sorted(runs.values_list("stream", flat=True)) == ["ages", "contacts", "orders"]
    assert set(runs.values_list("kind", flat=True)) == {"manual"}
    assert not SyncRun.objects.filter(connection=draft).exists()
    assert sorted(messages_of(response)) == [
        "Bounce: Re-importing 3 days from "
        f"{today - dt.timedelta(days=3):%-d %b %Y}: age checks, contacts, then orders, after any import that is running.",
        "Draft: Finish setting up the connection first.",
    ]


def test_reimport_refuses_a_range_that_ends_before_it_starts(admin_client):
    connection = ConnectionFactory()
    today = timezone.localdate()

    response = run_action(
        admin_client, Connection, "reimport_days", [connection], apply="1", start=today.isoformat(),
        end=(today - dt.timedelta(days=2)).isoformat(),
    )  # fmt: skip

    assert b"The last day comes before the first." in response.content
    assert not SyncRun.objects.exists()


def test_sync_products_now_queues_a_manual_product_sync(admin_client):
    connection = ConnectionFactory(name="Bounce")
    off = ConnectionFactory(name="No products", products_enabled=False)

    response = run_action(admin_client, Connection, "sync_products_now", [connection, off])

    run = SyncRun.objects.get(connection=connection)
    assert (run.stream, run.kind, run.status) == ("products", "manual", "queued")
    assert not SyncRun.objects.filter(connection=off).exists()
    assert sorted(messages_of(response)) == [
        "Bounce: product sync started; see Sync runs for its progress.",
        "No products: products are switched off for this connection; switch them on first.",
    ]


@pytest.fixture
def sandbox_connection(settings, roller_sandbox):
    settings.ROLLER_SANDBOX_URL = roller_sandbox.url
    settings.ROLLER_PACING_ENABLED = False
    connection = roller_connection_create(
        account=AccountFactory(),
        name="Bounce",
        environment=RollerSettings.Environment.SANDBOX,
        client_id=roller_sandbox.client_id,
        client_secret=roller_sandbox.client_secret,
        custom_base_url=roller_sandbox.url,
    )
    connection_activate(connection=connection)
    return connection


def test_register_the_webhook_again_re_enables_it_with_a_new_key(admin_client, sandbox_connection, roller_sandbox):
    before = RollerSettings.objects.get(connection=sandbox_connection)
    roller_sandbox.disable_webhook(int(before.webhook_id))
    connection_mark_needs_attention(connection=sandbox_connection, reason="ROLLER disabled the webhook.")

    response = run_action(admin_client, Connection, "register_webhook_again", [sandbox_connection])

    after = RollerSettings.objects.get(connection=sandbox_connection)
    hook = {str(h["webhookId"]): h for h in roller_sandbox.webhooks()}[after.webhook_id]
    assert hook["enabled"] is True
    assert hook["configuration"]["authentication"]["apiKey"] == after.webhook_key != before.webhook_key
    assert Connection.objects.get(pk=sandbox_connection.pk).status == Connection.Status.ACTIVE
    assert messages_of(response) == ["Bounce: webhook registered again with a new key; the connection is active."]


def test_register_the_webhook_again_says_what_roller_answered_when_it_refuses(
    admin_client, sandbox_connection, roller_sandbox
):
    roller_sandbox.fault("/webhooks", status=500, count=10)

    response = run_action(admin_client, Connection, "register_webhook_again", [sandbox_connection])

    [message] = messages_of(response)
    assert message.startswith("Bounce: ROLLER did not register the webhook:")
    assert "Traceback" not in response.content.decode()


def test_check_the_credentials_reports_the_venue(admin_client, sandbox_connection):
    response = run_action(admin_client, Connection, "check_credentials", [sandbox_connection])

    venue = RollerSettings.objects.get(connection=sandbox_connection).venue_name
    assert messages_of(response) == [f"Bounce: ROLLER accepted the credentials (venue {venue})."]


def test_check_the_credentials_marks_revoked_ones_and_says_what_to_do(admin_client, settings, roller_sandbox):
    settings.ROLLER_PACING_ENABLED = False
    connection = roller_connection_create(
        account=AccountFactory(),
        name="Revoked",
        environment=RollerSettings.Environment.SANDBOX,
        client_id=roller_sandbox.client_id,
        client_secret=CLIENT_SECRET,  # not what ROLLER has
        custom_base_url=roller_sandbox.url,
    )
    Connection.objects.filter(pk=connection.pk).update(status=Connection.Status.ACTIVE)

    response = run_action(admin_client, Connection, "check_credentials", [connection])

    [message] = messages_of(response)
    assert message.startswith("Revoked: ROLLER rejected the Client ID and Secret: check them in ROLLER")
    connection.refresh_from_db()
    assert connection.status == Connection.Status.NEEDS_ATTENTION
    assert "rejected the Client ID and Secret" in connection.status_reason
    assert CLIENT_SECRET not in response.content.decode()


def test_check_the_credentials_heals_a_connection_whose_credentials_roller_had_refused(
    admin_client, sandbox_connection
):
    from integrations.services.connection_status import connection_credentials_refused

    connection_credentials_refused(connection=sandbox_connection, reason="ROLLER rejected the Client ID and Secret.")

    response = run_action(admin_client, Connection, "check_credentials", [sandbox_connection])

    [message] = messages_of(response)
    assert message.endswith("The connection works again.")
    sandbox_connection.refresh_from_db()
    assert (sandbox_connection.status, sandbox_connection.credentials_refused_at) == (Connection.Status.ACTIVE, None)


# --- connection list and page -------------------------------------------------------------


def test_the_connection_list_shows_status_counts_and_skipped_reasons(admin_client):
    connection = ConnectionFactory(name="Bounce")
    connection_mark_needs_attention(connection=connection, reason="ROLLER disabled the webhook.")
    OrderFactory(contact=ContactFactory(connection=connection))
    ProductFactory(connection=connection)
    WebhookEventFactory(connection=connection, status=Status.DEAD)
    outcomes_record(
        connection=connection,
        entity=Entity.ORDER,
        rows=[("u-1", Outcome.SKIPPED, Reason.NO_CONTACT, ""), ("u-2", Outcome.SKIPPED, Reason.NO_CONTACT, "")],
    )

    html = admin_client.get(changelist(Connection)).content.decode()

    assert '<strong>Needs attention</strong><br><span title="ROLLER disabled the webhook.">' in html
    assert f"?connection__id__exact={connection.pk}&amp;status=dead" in html
    assert (
        'title="The booking has no booking holder, so there is no contact to link it to">no_contact</span>: 2 / 2'
        in html
    )
    assert "2 / 2" in html


def test_the_connection_list_costs_the_same_queries_for_one_or_many_connections(admin_client):
    def queries() -> int:
        with CaptureQueriesContext(db) as captured:
            assert admin_client.get(changelist(Connection)).status_code == 200
        return len(captured)

    first = ConnectionFactory()
    outcomes_record(connection=first, entity=Entity.ORDER, rows=[("1", Outcome.SKIPPED, Reason.NO_CONTACT, "")])
    one = queries()
    for _ in range(5):
        connection = ConnectionFactory()
        OrderFactory(contact=ContactFactory(connection=connection))
        WebhookEventFactory(connection=connection, status=Status.FAILED)
        outcomes_record(connection=connection, entity=Entity.ORDER, rows=[("1", Outcome.SKIPPED, Reason.MINOR, "")])
    assert queries() == one


def test_the_connection_page_in_the_admin_shows_the_monitoring_numbers(admin_client):
    roller = RollerSettingsFactory(client_secret=CLIENT_SECRET, webhook_key=WEBHOOK_KEY)
    outcomes_record(
        connection=roller.connection, entity=Entity.ORDER, rows=[("u-1", Outcome.SKIPPED, Reason.NO_CONTACT, "")]
    )

    html = admin_client.get(change(roller.connection)).content.decode()

    assert "Monitoring" in html
    assert (
        "<tr><td>The booking has no booking holder, so there is no contact to link it to</td><td>1</td><td>1</td></tr>"
        in html
    )
    assert "set (hidden)" in html


def test_secrets_never_appear_on_admin_pages(admin_client):
    roller = RollerSettingsFactory(client_secret=CLIENT_SECRET, webhook_key=WEBHOOK_KEY, access_token=ACCESS_TOKEN)
    RollerSettings.objects.filter(pk=roller.pk).update(previous_webhook_key=WEBHOOK_KEY + "-old")
    WebhookEventFactory(connection=roller.connection)

    pages = [
        changelist(Connection),
        change(roller.connection),
        changelist(RollerSettings),
        change(roller),
        changelist(WebhookEvent),
        change(WebhookEvent.objects.get()),
    ]
    for url in pages:
        html = admin_client.get(url).content.decode()
        assert CLIENT_SECRET not in html and WEBHOOK_KEY not in html and ACCESS_TOKEN not in html, url
    # And the ROLLER settings form has no inputs for them at all.
    html = admin_client.get(change(roller)).content.decode()
    assert 'name="client_secret"' not in html and 'name="webhook_key"' not in html


# --- webhook events -----------------------------------------------------------------------


def test_events_are_found_by_message_id_and_booking_reference(admin_client):
    wanted = WebhookEventFactory(message_id="3f7c0c1e-msg", subject_reference="5032443")
    WebhookEventFactory(message_id="other-msg", subject_reference="5039999")

    by_id = admin_client.get(changelist(WebhookEvent), {"q": "3f7c0c1e-msg"}).context["cl"].result_list
    by_reference = admin_client.get(changelist(WebhookEvent), {"q": "5032443"}).context["cl"].result_list

    assert list(by_id) == [wanted] and list(by_reference) == [wanted]


def test_events_filter_by_connection_type_status_reason_and_date(admin_client):
    connection = ConnectionFactory()
    wanted = WebhookEventFactory(
        connection=connection, object_type="Customer", status=Status.FAILED, reason=Reason.INVALID_PAYLOAD
    )
    WebhookEventFactory(connection=connection, object_type="Booking", status=Status.FAILED)
    WebhookEventFactory(object_type="Customer", status=Status.FAILED, reason=Reason.INVALID_PAYLOAD)

    response = admin_client.get(
        changelist(WebhookEvent),
        {
            "connection__id__exact": connection.pk,
            "object_type": "Customer",
            "status__exact": "failed",
            "reason__exact": "invalid_payload",
            "received_at__gte": "2000-01-01 00:00:00+00:00",
        },
    )
    assert list(response.context["cl"].result_list) == [wanted]
    filters = {spec.title for spec in response.context["cl"].filter_specs}
    assert {"connection", "object type", "event type", "status", "reason", "received at"} <= filters


def test_an_event_shows_its_raw_body_as_formatted_json(admin_client):
    event = WebhookEventFactory(body=json.dumps({"type": "Booking", "data": {"bookingReference": "5032443"}}))
    html = admin_client.get(change(event)).content.decode()
    assert "&quot;data&quot;: {\n    &quot;bookingReference&quot;: &quot;5032443&quot;\n  }" in html


def test_replay_of_selected_events_takes_only_failed_and_dead_ones(admin_client):
    failed = WebhookEventFactory(status=Status.FAILED)
    processed = WebhookEventFactory(status=Status.PROCESSED)

    response = run_action(admin_client, WebhookEvent, "replay_events", [failed, processed])

    assert WebhookEvent.objects.get(pk=failed.pk).status == Status.RECEIVED
    assert WebhookEvent.objects.get(pk=processed.pk).status == Status.PROCESSED
    assert messages_of(response) == [
        "1 event(s) queued again. 1 left as they were: only failed or dead events are replayed."
    ]


# --- runs, outcomes, the store ------------------------------------------------------------


def test_sync_runs_show_their_progress_and_counts(admin_client):
    run = SyncRunFactory(windows_done=3, windows_total=12, records_seen=420, counts={"created": 400, "skipped": 20})
    assert "3 / 12 days (25%)" in admin_client.get(changelist(SyncRun)).content.decode()
    assert "&quot;created&quot;: 400" in admin_client.get(change(run)).content.decode()


def test_outcomes_export_as_csv_with_the_reason_in_words(admin_client):
    connection = ConnectionFactory(name="Bounce")
    outcomes_record(
        connection=connection,
        entity=Entity.ORDER,
        rows=[
            ("u-1", Outcome.SKIPPED, Reason.ONSITE_WITHOUT_CONTACT, "Booking 5032001"),
            ("u-2", Outcome.CREATED, "", '=HYPERLINK("http://evil")'),
        ],
    )
    outcomes_record(
        connection=connection, entity=Entity.CONTACT, rows=[("27718001", Outcome.SKIPPED, Reason.MINOR, "Mia")]
    )
    outcomes_record(connection=ConnectionFactory(), entity=Entity.ORDER, rows=[("x", Outcome.CREATED, "", "")])
    mine = RecordOutcome.objects.filter(connection=connection)

    response = run_action(admin_client, RecordOutcome, "export_csv", list(mine))

    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].startswith('attachment; filename="record-outcomes-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["entity"], r["outcome"], r["reason"], r["source_id"], r["detail"]) for r in rows] == [
        ("order", "skipped", "onsite_without_contact", "u-1", "Booking 5032001"),
        ("order", "created", "", "u-2", '\'=HYPERLINK("http://evil")'),  # no formula for a spreadsheet
        ("contact", "skipped", "minor", "", ""),  # nothing about a minor, ever
    ]
    assert rows[0]["reason_label"] == "On-site sale without an identified customer"
    assert {r["connection"] for r in rows} == {"Bounce"}


def test_outcomes_filter_by_reason(admin_client):
    connection = ConnectionFactory()
    outcomes_record(
        connection=connection,
        entity=Entity.ORDER,
        rows=[("1", Outcome.SKIPPED, Reason.NO_CONTACT, ""), ("2", Outcome.SKIPPED, Reason.MINOR, "")],
    )
    response = admin_client.get(changelist(RecordOutcome), {"reason__exact": "no_contact"})
    assert [o.source_id for o in response.context["cl"].result_list] == ["1"]


def test_contacts_orders_and_products_are_searchable(admin_client):
    contact = ContactFactory(email="mia@example.com", match_value="mia@example.com")
    order = OrderFactory(contact=contact, reference="5032443")
    product = ProductFactory(connection=contact.connection, name="Toddler Time")
    OrderLine.objects.create(order=order, external_id="L1", product=product, quantity=2, unit_price="9.50")

    assert list(admin_client.get(changelist(type(contact)), {"q": "mia@"}).context["cl"].result_list) == [contact]
    assert list(admin_client.get(changelist(Order), {"q": "5032443"}).context["cl"].result_list) == [order]
    assert list(admin_client.get(changelist(type(product)), {"q": "Toddler"}).context["cl"].result_list) == [product]
    assert "Toddler Time" in admin_client.get(change(order)).content.decode()  # its lines, inline


def test_connections_are_deleted_in_the_wizard_not_here(admin_client):
    # The wizard's delete removes the webhook at the source first; the admin's would not.
    connection = ConnectionFactory()
    url = reverse("admin:integrations_connection_delete", args=[connection.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Connection.objects.filter(pk=connection.pk).exists()
