"""The connection page of an account's users: with and without htmx, scoped to the account."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.models import Connection, OutcomeDailyCount, SyncRun, WebhookEvent
from integrations.outcomes import Entity, Outcome, Reason
from integrations.records import OutcomeData
from integrations.selectors.monitoring import venue_today
from integrations.services.outcomes import outcomes_record
from tests.factories import (
    ConnectionFactory,
    ContactFactory,
    OrderFactory,
    SyncRunFactory,
    UserFactory,
    WebhookEventFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
BOOSTED = {"HTTP_HX_REQUEST": "true", "HTTP_HX_BOOSTED": "true"}


@pytest.fixture
def connection():
    connection = ConnectionFactory(name="Bounce Around Utrecht")
    contact = ContactFactory(connection=connection)
    OrderFactory(contact=contact, reference="5032001")
    outcomes_record(
        connection=connection,
        outcomes=[
            OutcomeData(Entity.CONTACT, Outcome.CREATED, source_id="27718001"),
            OutcomeData(Entity.ORDER, Outcome.CREATED, source_id="u-1", detail="Booking 5032001"),
            OutcomeData(Entity.ORDER, Outcome.SKIPPED, Reason.ONSITE_WITHOUT_CONTACT, "u-2", "Booking 5032002"),
            OutcomeData(Entity.CONTACT, Outcome.SKIPPED, Reason.MINOR),
        ],
    )
    return connection


@pytest.fixture
def user_client(client, connection):
    client.force_login(UserFactory(account=connection.account))
    return client


def page_url(connection, name="wizard:connection_detail"):
    return reverse(name, kwargs={"public_id": connection.public_id})


def test_the_page_shows_health_counters_feed_chart_and_reasons(user_client, connection):
    response = user_client.get(page_url(connection))

    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    html = response.content.decode()
    assert "<html" in html and "Bounce Around Utrecht" in html
    assert "Connected" in html
    assert 'hx-trigger="every 5s"' in html
    assert "Booking 5032001" in html  # the feed
    assert "On-site sale without an identified customer" in html  # skipped, in plain words
    assert "Nothing about minors is kept" in html
    assert "<svg" in html and "cp-seg-created" in html  # the chart
    assert "htmx.min.js" in html and "cdn" not in html.lower()


def test_an_htmx_request_for_the_page_gets_its_content_without_the_frame(user_client, connection):
    response = user_client.get(page_url(connection), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Bounce Around Utrecht" in html and 'id="live"' in html


def test_a_boosted_navigation_gets_the_whole_page(user_client, connection):
    html = user_client.get(page_url(connection), **BOOSTED).content.decode()
    assert "<html" in html


def test_the_polled_part_is_a_fragment_that_keeps_polling(user_client, connection):
    response = user_client.get(page_url(connection, "wizard:connection_live"), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    assert html.lstrip().startswith('<div id="live"')
    assert 'hx-trigger="every 5s"' in html
    assert "Booking 5032001" in html
    assert "<html" not in html
    # The chart and the reasons come with it, out of band (issue 13: they lagged the feed).
    assert '<section id="cp-chart" class="card cp-chart" hx-swap-oob="true">' in html
    assert '<section id="cp-reasons" class="card cp-reasons" hx-swap-oob="true">' in html


def test_the_chart_and_the_reasons_follow_the_feed_without_a_reload(user_client):
    connection = ConnectionFactory()
    client = user_client
    client.force_login(UserFactory(account=connection.account))
    first = client.get(page_url(connection, "wizard:connection_live"), **HTMX).content.decode()
    assert "No records in the last 7 days yet" in first and "Nothing was skipped in the last 7 days" in first

    outcomes_record(
        connection=connection,
        entity=Entity.ORDER,
        rows=[("u-1", Outcome.CREATED, "", "Booking 1"), ("u-2", Outcome.SKIPPED, Reason.NO_CONTACT, "Booking 2")],
    )
    html = client.get(page_url(connection, "wizard:connection_live"), **HTMX).content.decode()

    assert "No records in the last 7 days yet" not in html
    assert "Created <strong>1</strong>" in html and "Skipped <strong>1</strong>" in html  # the chart's legend
    assert Reason.NO_CONTACT.label in html  # why skipped


def test_the_polled_part_without_htmx_sends_the_browser_to_the_page(user_client, connection):
    response = user_client.get(page_url(connection, "wizard:connection_live"))
    assert response.status_code == 302
    assert response["Location"] == page_url(connection)


def test_the_live_part_shows_new_records_as_they_arrive(user_client, connection):
    outcomes_record(connection=connection, entity=Entity.ORDER, rows=[("u-9", Outcome.CREATED, "", "Booking 5039999")])
    html = user_client.get(page_url(connection, "wizard:connection_live"), **HTMX).content.decode()
    assert "Booking 5039999" in html


@pytest.mark.parametrize(
    "name",
    [
        "wizard:connection_detail",
        "wizard:connection_live",
        "wizard:connection_sync_products",
        "wizard:connection_replay",
    ],
)
def test_another_accounts_connection_is_not_found(client, connection, name):
    client.force_login(UserFactory())  # another account
    method = client.post if name.endswith(("products", "replay")) else client.get
    assert method(page_url(connection, name), **HTMX).status_code == 404
    assert method(page_url(connection, name)).status_code == 404


def test_the_page_needs_a_login(client, connection):
    response = client.get(page_url(connection))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_needs_attention_says_what_is_wrong_and_what_to_do(user_client, connection):
    Connection.objects.filter(pk=connection.pk).update(
        status=Connection.Status.NEEDS_ATTENTION,
        status_reason="ROLLER rejected the Client ID and Secret: check them in ROLLER under Settings → Integrations → API keys.",
    )
    WebhookEventFactory(connection=connection, status=WebhookEvent.Status.DEAD)

    html = user_client.get(page_url(connection, "wizard:connection_live"), **HTMX).content.decode()
    assert "Needs attention" in html
    assert "ROLLER no longer accepts the connection&#x27;s credentials" in html
    assert "check them in ROLLER under Settings → Integrations → API keys" in html
    assert "1 update from ROLLER could not be processed" in html


def test_the_counters_show_the_numbers_of_the_connection(user_client, connection):
    ContactFactory(connection=connection)
    ContactFactory()  # another connection's

    html = user_client.get(page_url(connection, "wizard:connection_live"), **HTMX).content.decode()
    numbers = dict(
        (what, int(num)) for num, what in re.findall(r'cp-num">(\d+)</span><span class="cp-what">(\w+)<', html)
    )
    assert numbers == {"Contacts": 2, "Orders": 1, "Products": 0}
    assert "2 created" in html and "2 skipped" in html


def test_the_chart_reads_the_daily_counts_of_the_last_seven_days(user_client, connection):
    today = venue_today(connection)
    OutcomeDailyCount.objects.create(
        connection=connection, day=today - dt.timedelta(days=3), entity="order", outcome="updated", count=40
    )
    OutcomeDailyCount.objects.create(
        connection=connection, day=today - dt.timedelta(days=9), entity="order", outcome="updated", count=999
    )
    html = user_client.get(page_url(connection)).content.decode()
    assert ": 40 updated</title>" in html
    assert "999" not in html


def test_replay_puts_failed_events_back_and_comes_back_to_the_page(user_client, connection):
    failed = WebhookEventFactory(connection=connection, status=WebhookEvent.Status.FAILED)
    dead = WebhookEventFactory(connection=connection, status=WebhookEvent.Status.DEAD)
    theirs = WebhookEventFactory(status=WebhookEvent.Status.DEAD)

    response = user_client.post(page_url(connection, "wizard:connection_replay"))

    assert response.status_code == 303 and response["Location"] == page_url(connection)
    replayed = WebhookEvent.objects.filter(pk__in=[failed.pk, dead.pk])
    assert {(e.status, e.enqueued_at is not None) for e in replayed} == {("received", True)}  # handed to the workers
    assert WebhookEvent.objects.get(pk=theirs.pk).status == "dead"
    page = user_client.get(response["Location"]).content.decode()
    assert "2 failed update(s) are being processed again." in page


def test_replay_with_a_boosted_form_follows_to_the_page(user_client, connection):
    response = user_client.post(page_url(connection, "wizard:connection_replay"), follow=True, **BOOSTED)
    assert response.status_code == 200
    assert "There are no failed updates to process again." in response.content.decode()


def test_the_buttons_are_post_forms_with_a_csrf_token(connection):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(account=connection.account))
    html = client.get(page_url(connection)).content.decode()

    for name in ("wizard:connection_sync_products", "wizard:connection_replay"):
        assert f'<form method="post" action="{page_url(connection, name)}">' in html
    assert client.post(page_url(connection, "wizard:connection_replay")).status_code == 403  # no token
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = client.post(page_url(connection, "wizard:connection_replay"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 303


def test_the_buttons_only_take_posts(user_client, connection):
    assert user_client.get(page_url(connection, "wizard:connection_replay")).status_code == 405
    assert user_client.get(page_url(connection, "wizard:connection_sync_products")).status_code == 405


def test_sync_products_now_queues_a_manual_product_sync(user_client, connection):
    response = user_client.post(page_url(connection, "wizard:connection_sync_products"), follow=True)

    run = SyncRun.objects.get(connection=connection)
    assert (run.stream, run.kind, run.status) == ("products", "manual", "queued")
    assert "Product sync started" in response.content.decode()


def test_sync_products_now_says_so_when_products_are_switched_off(user_client, connection):
    Connection.objects.filter(pk=connection.pk).update(products_enabled=False)
    response = user_client.post(page_url(connection, "wizard:connection_sync_products"), follow=True)
    assert "Products are switched off" in response.content.decode()
    assert not SyncRun.objects.exists()


def test_the_first_import_shows_as_a_progress_bar(user_client, connection):
    SyncRunFactory(connection=connection, kind=SyncRun.Kind.FIRST_IMPORT, status=SyncRun.Status.RUNNING,
                   windows_done=3, windows_total=12, records_seen=420)  # fmt: skip
    html = user_client.get(page_url(connection, "wizard:connection_live"), **HTMX).content.decode()
    assert 'aria-valuenow="25"' in html and "width: 25%" in html
    assert "25% · 420 records so far" in html  # records, never days


def test_the_feed_never_shows_anything_about_a_minor(user_client, connection):
    html = user_client.get(page_url(connection, "wizard:connection_live"), **HTMX).content.decode()
    assert "A contact — The guest is a minor" in html


def test_a_connection_with_nothing_yet_shows_empty_states(client):
    connection = ConnectionFactory(status=Connection.Status.PAUSED)
    client.force_login(UserFactory(account=connection.account))
    html = client.get(page_url(connection)).content.decode()
    assert "Paused" in html
    assert "Nothing yet" in html
    assert "No records in the last 7 days yet." in html
    assert "Nothing was skipped in the last 7 days." in html
    assert timezone.now()  # the page rendered without any data


@pytest.fixture
def sandbox_connection(settings, roller_sandbox):
    from integrations.roller.models import RollerSettings
    from integrations.roller.services import roller_connection_create
    from integrations.services.connections import connection_activate

    settings.ROLLER_SANDBOX_URL = roller_sandbox.url
    settings.ROLLER_PACING_ENABLED = False
    connection = roller_connection_create(
        account=UserFactory().membership.account,
        name="Bounce",
        environment=RollerSettings.Environment.SANDBOX,
        client_id=roller_sandbox.client_id,
        client_secret=roller_sandbox.client_secret,
        custom_base_url=roller_sandbox.url,
    )
    connection_activate(connection=connection)
    return Connection.objects.get(pk=connection.pk)  # fresh, with the registered webhook


def test_a_webhook_roller_disabled_can_be_registered_again_from_the_page(client, sandbox_connection, roller_sandbox):
    from integrations.services.reconciliation import webhook_check

    client.force_login(sandbox_connection.account.memberships.get().user)
    roller_sandbox.disable_webhook(int(sandbox_connection.roller.webhook_id))
    assert webhook_check(connection=sandbox_connection)  # the reconciliation's check finds it

    html = client.get(page_url(sandbox_connection)).content.decode()
    assert "ROLLER&#x27;s updates are not reaching this connection" in html
    assert "ROLLER has disabled our webhook" in html
    assert f'action="{page_url(sandbox_connection, "wizard:connection_register_webhook")}"' in html

    response = client.post(page_url(sandbox_connection, "wizard:connection_register_webhook"), follow=True, **BOOSTED)

    assert "The webhook is registered again" in response.content.decode()
    assert [hook["enabled"] for hook in roller_sandbox.webhooks()] == [True]
    assert Connection.objects.get(pk=sandbox_connection.pk).status == Connection.Status.ACTIVE
    assert "Register webhook again" not in response.content.decode()


def test_registering_the_webhook_again_is_only_for_the_accounts_users(client, connection):
    client.force_login(UserFactory())
    assert client.post(page_url(connection, "wizard:connection_register_webhook")).status_code == 404


def test_the_page_offers_pause_or_resume_back_to_itself(user_client, connection):
    html = user_client.get(page_url(connection)).content.decode()
    assert f'action="{reverse("wizard:connection_pause", kwargs={"public_id": connection.public_id})}"' in html
    assert f'name="next" value="{page_url(connection)}"' in html

    response = user_client.post(
        reverse("wizard:connection_pause", kwargs={"public_id": connection.public_id}),
        {"next": page_url(connection)},
        follow=True,
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == page_url(connection)
    assert "Paused" in html
    assert f'action="{reverse("wizard:connection_resume", kwargs={"public_id": connection.public_id})}"' in html


# --- credentials the source refused (issue 13) ----------------------------------------------


def refuse_credentials(connection) -> None:
    from integrations.services.connection_status import connection_credentials_refused

    connection_credentials_refused(
        connection=connection, reason="ROLLER rejected the Client ID and Secret: check them in ROLLER."
    )


def test_refused_credentials_link_to_their_fix_and_offer_retry_now(user_client, connection):
    refuse_credentials(connection)

    html = user_client.get(page_url(connection, "wizard:connection_live"), **HTMX).content.decode()

    assert "ROLLER no longer accepts the connection&#x27;s credentials" in html
    fix = reverse("wizard:step_credentials", kwargs={"public_id": connection.public_id})
    assert re.search(rf'<a [^>]*href="{re.escape(fix)}"[^>]*>Fix credentials</a>', html)
    assert f'action="{page_url(connection, "wizard:connection_retry_credentials")}"' in html
    assert "Retry now" in html


def test_retry_now_says_roller_still_refuses_then_heals_once_it_accepts(client, sandbox_connection, roller_sandbox):
    client.force_login(sandbox_connection.account.memberships.get().user)
    refuse_credentials(sandbox_connection)
    roller_sandbox.fault("/token", status=401, count=100)
    retry = page_url(sandbox_connection, "wizard:connection_retry_credentials")

    html = client.post(retry, follow=True).content.decode()
    assert "ROLLER still refuses the credentials" in html
    assert Connection.objects.get(pk=sandbox_connection.pk).status == Connection.Status.NEEDS_ATTENTION

    roller_sandbox.clear_faults()
    html = client.post(retry, follow=True, **BOOSTED).content.decode()

    assert "ROLLER accepted the credentials. The connection works again." in html
    assert Connection.objects.get(pk=sandbox_connection.pk).status == Connection.Status.ACTIVE
    assert "Fix credentials" not in html


def test_retry_now_is_only_for_the_accounts_users(client, connection):
    client.force_login(UserFactory())
    assert client.post(page_url(connection, "wizard:connection_retry_credentials")).status_code == 404


def test_a_range_of_days_is_read_again_from_the_page(user_client, connection):
    today = venue_today(connection)
    days = {"start": (today - dt.timedelta(days=1)).isoformat(), "end": today.isoformat()}

    response = user_client.post(page_url(connection, "wizard:connection_reimport"), days, follow=True)

    runs = SyncRun.objects.filter(connection=connection, kind=SyncRun.Kind.MANUAL)
    assert sorted(runs.values_list("stream", flat=True)) == ["ages", "contacts", "orders"]
    assert "Re-importing 2 days from" in response.content.decode()


def test_a_range_in_the_future_is_refused_with_the_reason(user_client, connection):
    tomorrow = venue_today(connection) + dt.timedelta(days=1)
    days = {"start": tomorrow.isoformat(), "end": tomorrow.isoformat()}

    response = user_client.post(page_url(connection, "wizard:connection_reimport"), days, follow=True)

    assert not SyncRun.objects.exists()
    assert "nothing has happened there yet" in response.content.decode()


def test_the_page_offers_to_read_a_range_again(user_client, connection):
    response = user_client.get(page_url(connection))

    assert page_url(connection, "wizard:connection_reimport") in response.content.decode()
