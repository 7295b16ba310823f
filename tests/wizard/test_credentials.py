"""Step 3: the environment and API key, checked against the ROLLER sandbox over HTTP.

Scenario 28: wrong credentials give a clear error on this step and no progress; ROLLER
unreachable gives a clear error, and the step can be retried.
"""

import pytest

from integrations.models import Connection
from integrations.roller.models import RollerSettings
from tests.factories import ConnectionFactory, RollerSettingsFactory
from tests.wizard.conftest import assert_moved_to, assert_page, make_draft, step_url

pytestmark = pytest.mark.django_db

SECRET_SHOWN = 'value="sandbox-demo-secret"'


def sandbox_form(sandbox, **overrides) -> dict:
    return {
        "environment": "sandbox",
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
    } | overrides


@pytest.fixture
def draft(account):
    return make_draft(account, step="preset")


def test_the_step_offers_the_environments_and_says_where_to_find_the_key(browser_client, draft, sandbox, headers, htmx):
    response = browser_client.get(step_url(draft, "credentials"), headers=headers)

    html = assert_page(response, htmx=htmx)
    for label in ("Live", "Playground", "Your venue&#x27;s own domain", "Local sandbox"):
        assert label in html
    assert "Settings → Integrations → API keys" in html
    assert 'type="password" name="client_secret"' in html
    assert '<label for="id_client_id">Client ID</label>' in html


def test_the_sandbox_is_offered_only_when_configured(browser_client, draft, settings):
    settings.ROLLER_SANDBOX_URL = ""
    assert "Local sandbox" not in browser_client.get(step_url(draft, "credentials")).content.decode()


def test_good_credentials_are_checked_stored_and_name_the_venue(browser_client, draft, sandbox, headers, htmx):
    response = browser_client.post(step_url(draft, "credentials"), sandbox_form(sandbox), headers=headers)

    assert_moved_to(response, step_url(draft, "settings"), htmx=htmx)
    draft.refresh_from_db()
    roller = draft.roller
    assert draft.wizard_step == "credentials"
    assert (roller.environment, roller.custom_base_url, roller.client_id) == ("sandbox", sandbox.url, sandbox.client_id)
    assert roller.client_secret == sandbox.client_secret
    assert roller.venue_name == "Bounce Around Utrecht"
    assert draft.time_zone == roller.venue_time_zone == "Europe/Amsterdam"
    page = browser_client.get(step_url(draft, "settings")).content.decode()
    assert "connected to “Bounce Around Utrecht”" in page


def test_wrong_credentials_are_a_clear_error_and_no_progress(browser_client, draft, sandbox, headers, htmx):
    response = browser_client.post(
        step_url(draft, "credentials"), sandbox_form(sandbox, client_secret="not-the-secret"), headers=headers
    )

    html = assert_page(response, htmx=htmx)
    assert "ROLLER rejected the Client ID and Client Secret" in html
    assert "Settings → Integrations → API keys" in html
    assert "not-the-secret" not in html
    draft.refresh_from_db()
    assert draft.wizard_step == "preset"
    assert not RollerSettings.objects.filter(connection=draft).exists()


def test_a_venue_without_api_access_is_told_apart(browser_client, draft, sandbox, headers, htmx):
    form = sandbox_form(sandbox, client_id=sandbox.noaccess_client_id, client_secret=sandbox.noaccess_client_secret)

    html = assert_page(browser_client.post(step_url(draft, "credentials"), form, headers=headers), htmx=htmx)

    assert "The venue has no access to ROLLER&#x27;s API" in html
    assert "API access" in html and "rejected" not in html
    draft.refresh_from_db()
    assert draft.wizard_step == "preset"


def test_roller_unreachable_is_told_apart_and_can_be_retried(browser_client, draft, sandbox, headers, htmx):
    sandbox.fault("/token", status=503, count=3)  # every attempt the client makes

    response = browser_client.post(step_url(draft, "credentials"), sandbox_form(sandbox), headers=headers)

    html = assert_page(response, htmx=htmx)
    assert "ROLLER could not be reached" in html
    assert "Your Client ID and Secret were not checked yet, and nothing was saved." in html
    assert "Try again" in html
    assert SECRET_SHOWN not in html
    draft.refresh_from_db()
    assert draft.wizard_step == "preset"  # no progress yet
    # The page says nothing is saved before the check: nothing was.
    assert not RollerSettings.objects.filter(connection=draft).exists()
    # What was typed comes back; the secret stays in the browser's field (htmx keeps it).
    assert f'value="{sandbox.client_id}"' in html
    assert 'hx-preserve="true"' in html and 'name="client_secret"' in html

    # Try again, with the secret the field kept: now ROLLER answers.
    retry = browser_client.post(step_url(draft, "credentials"), sandbox_form(sandbox), headers=headers)

    assert_moved_to(retry, step_url(draft, "settings"), htmx=htmx)
    draft.refresh_from_db()
    assert draft.wizard_step == "credentials"
    assert draft.roller.venue_name == "Bounce Around Utrecht"


def test_an_unreachable_address_is_said_plainly_and_suggests_checking_it(browser_client, draft, settings):
    settings.ROLLER_HTTP_BACKOFF_SECONDS = 0.01
    form = {"environment": "custom", "custom_base_url": "https://127.0.0.1:9", "client_id": "id", "client_secret": "s"}

    html = browser_client.post(step_url(draft, "credentials"), form).content.decode()

    assert "We got no answer from 127.0.0.1:9. Check that the address is right" in html
    for internal in ("POST /token", "attempt(s)", "try again later"):
        assert internal not in html
    assert 'value="https://127.0.0.1:9"' in html  # the address typed, to correct
    assert not RollerSettings.objects.filter(connection=draft).exists()


def test_a_refused_address_has_one_error_not_two(browser_client, draft):
    form = {"environment": "custom", "custom_base_url": "http://api.venue.example", "client_id": "x"}

    html = browser_client.post(step_url(draft, "credentials"), form).content.decode()

    assert "only reached over HTTPS" in html
    assert "Enter your venue&#x27;s API address" not in html


def test_every_error_links_to_its_field(browser_client, draft):
    html = browser_client.post(step_url(draft, "credentials"), {}).content.decode()

    assert 'href="#"' not in html
    assert '<a href="#id_environment_0">Environment:' in html  # a choice: its first option
    assert '<a href="#id_client_id">Client ID:' in html


def test_a_roller_that_does_not_answer_at_all_is_unreachable(browser_client, draft, settings):
    settings.ROLLER_HTTP_BACKOFF_SECONDS = 0.01
    form = {"environment": "custom", "custom_base_url": "https://127.0.0.1:9", "client_id": "id", "client_secret": "s"}

    html = browser_client.post(step_url(draft, "credentials"), form).content.decode()

    assert "ROLLER could not be reached" in html


@pytest.mark.parametrize(
    ("form", "errors"),
    [
        ({}, ["Choose where your venue&#x27;s ROLLER is.", "Enter the Client ID.", "Enter the Client Secret."]),
        ({"environment": "custom", "client_id": "x", "client_secret": "y"}, ["Enter your venue&#x27;s API address"]),
        (
            {
                "environment": "custom",
                "custom_base_url": "http://api.venue.example",
                "client_id": "x",
                "client_secret": "y",
            },
            ["only reached over HTTPS"],
        ),
    ],
    ids=["empty", "custom-without-address", "custom-not-https"],
)
def test_missing_or_wrong_entries_are_errors_at_their_fields(browser_client, draft, headers, htmx, form, errors):
    html = assert_page(browser_client.post(step_url(draft, "credentials"), form, headers=headers), htmx=htmx)

    assert "There is a problem" in html or "There are problems" in html
    for error in errors:
        assert error in html
    assert 'aria-invalid="true"' in html


def test_the_secret_is_never_shown_and_left_empty_keeps_it(browser_client, account, sandbox, headers, htmx):
    connection = make_draft(account, step="credentials", url=sandbox.url)
    stored = connection.roller.client_secret

    html = browser_client.get(step_url(connection, "credentials"), headers=headers).content.decode()
    assert stored not in html
    assert "A secret is stored. Leave this empty to keep it." in html

    response = browser_client.post(
        step_url(connection, "credentials"), sandbox_form(sandbox, client_secret=""), headers=headers
    )
    assert_moved_to(response, step_url(connection, "settings"), htmx=htmx)
    connection.roller.refresh_from_db()
    assert connection.roller.client_secret == stored


def test_a_new_client_id_needs_its_own_secret(browser_client, account, sandbox):
    connection = make_draft(account, step="credentials", url=sandbox.url)

    html = browser_client.post(
        step_url(connection, "credentials"), sandbox_form(sandbox, client_id="another-id", client_secret="")
    ).content.decode()

    assert "Enter the Client Secret that belongs to this new Client ID." in html


def test_an_active_connection_keeps_its_venue(browser_client, account, sandbox, headers, htmx):
    connection = ConnectionFactory(account=account, status=Connection.Status.ACTIVE, wizard_step="activate")
    RollerSettingsFactory(connection=connection, custom_base_url=sandbox.url, venue_id="9999", venue_name="Old Venue")

    html = assert_page(
        browser_client.post(step_url(connection, "credentials"), sandbox_form(sandbox), headers=headers), htmx=htmx
    )

    assert "These credentials are for another venue" in html
    assert "“Old Venue”" in html
    connection.roller.refresh_from_db()
    assert connection.roller.venue_id == "9999"


def test_an_active_connection_saves_new_credentials_and_returns_to_its_settings(
    browser_client, account, sandbox, headers, htmx
):
    connection = ConnectionFactory(account=account, status=Connection.Status.ACTIVE, wizard_step="activate")
    RollerSettingsFactory(
        connection=connection, custom_base_url=sandbox.url, client_secret="old-secret", venue_id="20981"
    )

    response = browser_client.post(step_url(connection, "credentials"), sandbox_form(sandbox), headers=headers)

    assert_moved_to(response, step_url(connection, "summary"), htmx=htmx)
    connection.roller.refresh_from_db()
    assert connection.roller.client_secret == sandbox.client_secret


# --- one venue, one connection; credentials fixed heal the connection (issue 13) -------------


def sandbox_venue_id(sandbox) -> str:
    from integrations.roller.setup.credentials import credentials_verify

    return credentials_verify(
        base_url=sandbox.url, client_id=sandbox.client_id, client_secret=sandbox.client_secret
    ).venue_id


@pytest.mark.parametrize(
    ("status", "link_name"),
    [(Connection.Status.ACTIVE, "wizard:connection_detail"), (Connection.Status.DRAFT, "wizard:setup_resume")],
)
def test_a_venue_the_account_has_connected_already_is_refused_naming_and_linking_it(
    browser_client, account, draft, sandbox, headers, htmx, status, link_name
):
    from django.urls import reverse

    existing = ConnectionFactory(
        account=account, name="Bounce Utrecht", status=status, source_account_id=sandbox_venue_id(sandbox)
    )

    html = assert_page(
        browser_client.post(step_url(draft, "credentials"), sandbox_form(sandbox), headers=headers), htmx=htmx
    )

    assert "This venue is connected already" in html
    assert "“Bounce Utrecht”" in html
    assert f'href="{reverse(link_name, kwargs={"public_id": existing.public_id})}"' in html
    draft.refresh_from_db()
    assert (draft.wizard_step, draft.source_account_id) == ("preset", "")


def test_the_same_venue_in_another_account_is_no_obstacle(browser_client, draft, sandbox):
    ConnectionFactory(source_account_id=sandbox_venue_id(sandbox))  # another account's

    response = browser_client.post(step_url(draft, "credentials"), sandbox_form(sandbox))

    assert_moved_to(response, step_url(draft, "settings"), htmx=False)
    draft.refresh_from_db()
    assert draft.source_account_id == sandbox_venue_id(sandbox)


def test_credentials_fixed_in_the_wizard_heal_a_refused_connection_at_once(browser_client, account, sandbox):
    from django.utils import timezone

    from integrations.models import WebhookEvent
    from integrations.outcomes import Reason
    from tests.factories import WebhookEventFactory

    connection = ConnectionFactory(
        account=account,
        status=Connection.Status.NEEDS_ATTENTION,
        status_reason="ROLLER rejected the Client ID and Secret: check them in ROLLER.",
        credentials_refused_at=timezone.now(),
        wizard_step="activate",
    )
    RollerSettingsFactory(
        connection=connection, custom_base_url=sandbox.url, client_secret="revoked", venue_id=sandbox_venue_id(sandbox)
    )
    kept = WebhookEventFactory(connection=connection, status=WebhookEvent.Status.FAILED, reason=Reason.SOURCE_ERROR)

    response = browser_client.post(step_url(connection, "credentials"), sandbox_form(sandbox), follow=True)

    assert "The connection works again: 1 update kept meanwhile is being processed." in response.content.decode()
    connection.refresh_from_db()
    assert (connection.status, connection.credentials_refused_at) == (Connection.Status.ACTIVE, None)
    assert WebhookEvent.objects.get(pk=kept.pk).status == WebhookEvent.Status.RECEIVED
