"""Step 8: activation through connection_activate, against the sandbox; the result page.

Scenario 30: activation fails half-way (webhook registration refused): no half-active
connection; the error is shown and activation can be tried again.
"""

import pytest

from integrations.models import Connection
from integrations.roller.models import RollerSettings
from tests.wizard.conftest import assert_moved_to, assert_page, make_draft, step_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(account, sandbox):
    return make_draft(account, step="summary", url=sandbox.url, name="Bounce Utrecht")


def done_url(connection) -> str:
    return f"/connectors/{connection.public_id}/setup/done/"


def test_the_step_says_what_activating_does(browser_client, draft, headers, htmx):
    html = assert_page(browser_client.get(step_url(draft, "activate"), headers=headers), htmx=htmx)

    assert f"http://testserver/webhooks/roller/{draft.public_id}/" in html
    assert "Bookings: created, updated and cancelled" in html
    assert "Signed waivers" in html
    assert ">Activate<" in html


def test_activating_registers_the_webhook_and_turns_the_connection_active(
    browser_client, draft, sandbox, headers, htmx
):
    response = browser_client.post(step_url(draft, "activate"), headers=headers)

    assert_moved_to(response, done_url(draft), htmx=htmx)
    draft.refresh_from_db()
    roller = RollerSettings.objects.get(connection=draft)
    assert draft.status == Connection.Status.ACTIVE and draft.wizard_step == "activate"
    [webhook] = sandbox.webhooks()
    assert str(webhook["webhookId"]) == roller.webhook_id
    assert webhook["url"] == f"http://testserver/webhooks/roller/{draft.public_id}/"


def test_roller_refusing_the_webhook_leaves_a_draft_and_can_be_retried(browser_client, draft, sandbox, headers, htmx):
    sandbox.fault("/webhooks", status=500, method="POST")

    response = browser_client.post(step_url(draft, "activate"), headers=headers)

    html = assert_page(response, htmx=htmx)
    assert "The connector was not activated" in html
    assert "ROLLER did not register the webhook" in html
    assert "It is still a draft" in html and "Try again" in html
    draft.refresh_from_db()
    assert draft.status == Connection.Status.DRAFT and draft.activated_at is None
    assert draft.wizard_step == "summary"
    assert RollerSettings.objects.get(connection=draft).webhook_id == ""
    assert sandbox.webhooks() == []

    retry = browser_client.post(step_url(draft, "activate"), headers=headers)

    assert_moved_to(retry, done_url(draft), htmx=htmx)
    draft.refresh_from_db()
    assert draft.status == Connection.Status.ACTIVE
    assert len(sandbox.webhooks()) == 1


def test_a_webhook_address_roller_would_refuse_is_named_before_and_on_activation(
    browser_client, account, headers, htmx
):
    connection = make_draft(account, step="summary")
    RollerSettings.objects.filter(connection=connection).update(environment="live", custom_base_url="")

    page = browser_client.get(step_url(connection, "activate"), headers=headers).content.decode()
    assert "ROLLER would refuse the webhook address" in page and "PUBLIC_BASE_URL" in page

    html = assert_page(browser_client.post(step_url(connection, "activate"), headers=headers), htmx=htmx)

    assert "The connector was not activated" in html
    assert "Set PUBLIC_BASE_URL to this site&#x27;s public https:// address" in html
    connection.refresh_from_db()
    assert connection.status == Connection.Status.DRAFT


def test_the_result_page_says_what_is_syncing_and_links_to_the_connection(browser_client, draft):
    browser_client.post(step_url(draft, "activate"))

    html = browser_client.get(done_url(draft)).content.decode()

    assert "“Bounce Utrecht” is active" in html
    assert "Real-time changes" in html and "Products" in html and "First import" in html
    assert f'href="/connectors/{draft.public_id}/"' in html  # the connection's page


def test_the_result_page_of_a_draft_goes_back_to_activation(browser_client, draft):
    response = browser_client.get(done_url(draft))
    assert response.status_code == 302 and response["Location"] == step_url(draft, "activate")


def test_activation_waits_for_the_summary(browser_client, account):
    connection = make_draft(account, step="products")

    response = browser_client.post(step_url(connection, "activate"))

    assert response.status_code == 302 and response["Location"] == step_url(connection, "contacts")
    connection.refresh_from_db()
    assert connection.status == Connection.Status.DRAFT
