"""Step 4: the name (the venue's by default, unique in the account), the venue's time zone
as ROLLER reports it, and the opt-in strategy explained."""

import pytest

from integrations.models import Connection
from tests.factories import ConnectionFactory
from tests.wizard.conftest import assert_moved_to, assert_page, make_draft, step_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(account):
    return make_draft(account, step="credentials", name="New ROLLER connector")


def test_the_name_defaults_to_the_venues_and_the_time_zone_is_rollers(browser_client, draft, headers, htmx):
    html = assert_page(browser_client.get(step_url(draft, "settings"), headers=headers), htmx=htmx)

    assert 'name="name" value="Bounce Around Utrecht"' in html
    assert "Europe/Amsterdam" in html and "as ROLLER reports it" in html
    for label in ("Opt-ins and opt-outs", "Opt-ins only", "Neither"):
        assert label in html
    assert "An opt-out in ROLLER changes nothing here" in html


def test_saving_names_the_connection_and_moves_on(browser_client, draft, headers, htmx):
    form = {"name": "Bounce Utrecht", "opt_in_strategy": "in_only"}

    response = browser_client.post(step_url(draft, "settings"), form, headers=headers)

    assert_moved_to(response, step_url(draft, "products"), htmx=htmx)
    draft.refresh_from_db()
    assert (draft.name, draft.opt_in_strategy, draft.wizard_step) == ("Bounce Utrecht", "in_only", "settings")


def test_once_named_the_name_is_kept(browser_client, account):
    connection = make_draft(account, step="settings", name="My own name")
    html = browser_client.get(step_url(connection, "settings")).content.decode()
    assert 'value="My own name"' in html


def test_a_name_taken_in_the_account_is_an_error(browser_client, account, draft, headers, htmx):
    ConnectionFactory(account=account, name="Bounce Around Utrecht")
    ConnectionFactory(name="Elsewhere")  # another account's names do not count

    response = browser_client.post(
        step_url(draft, "settings"), {"name": "Bounce Around Utrecht", "opt_in_strategy": "in_and_out"}, headers=headers
    )

    html = assert_page(response, htmx=htmx)
    assert "You already have a connector named “Bounce Around Utrecht”" in html
    assert "“Bounce Around Utrecht (2)”" in html
    draft.refresh_from_db()
    assert draft.wizard_step == "credentials"

    ok = browser_client.post(step_url(draft, "settings"), {"name": "Elsewhere", "opt_in_strategy": "in_and_out"})
    assert ok.status_code == 302


def test_an_empty_name_and_an_unknown_strategy_are_errors(browser_client, draft, headers, htmx):
    html = assert_page(
        browser_client.post(step_url(draft, "settings"), {"name": " ", "opt_in_strategy": "all"}, headers=headers),
        htmx=htmx,
    )
    assert "Enter a name for this connector." in html
    assert "Select a valid choice." in html


def test_a_step_not_reached_yet_sends_back_to_the_step_to_finish(browser_client, account, headers, htmx):
    connection = make_draft(account, step="preset")

    response = browser_client.get(step_url(connection, "settings"), headers=headers)

    assert_moved_to(response, step_url(connection, "credentials"), htmx=htmx)
    assert Connection.objects.get(pk=connection.pk).wizard_step == "preset"
