"""Step 2: the preset. Choosing it for a new connector creates the draft."""

import pytest

from integrations.models import Connection
from integrations.presets import DEFAULT_PRESET
from tests.wizard.conftest import assert_moved_to, assert_page, make_draft, step_url

pytestmark = pytest.mark.django_db


def test_the_preset_step_explains_the_default(browser_client, headers, htmx):
    response = browser_client.get("/connectors/new/roller/", headers=headers)

    html = assert_page(response, htmx=htmx)
    assert "Default (recommended)" in html and "Manual" in html
    assert "Products every hour" in html and "nothing about guests under 18" in html
    assert 'name="preset" value="default"' in html and "checked" in html


def test_choosing_default_creates_a_draft_with_the_recommended_values(browser_client, account, headers, htmx):
    response = browser_client.post("/connectors/new/roller/", {"preset": "default"}, headers=headers)

    connection = Connection.objects.get(account=account)
    assert connection.status == Connection.Status.DRAFT
    assert connection.wizard_step == "preset"
    assert connection.preset == "default"
    assert connection.minimum_age == DEFAULT_PRESET.minimum_age
    assert connection.name == "New ROLLER connector"
    assert_moved_to(response, step_url(connection, "credentials"), htmx=htmx)


def test_a_second_draft_gets_a_name_of_its_own(browser_client, account):
    browser_client.post("/connectors/new/roller/", {"preset": "default"})
    browser_client.post("/connectors/new/roller/", {"preset": "manual"})

    names = sorted(Connection.objects.filter(account=account).values_list("name", flat=True))
    assert names == ["New ROLLER connector", "New ROLLER connector (2)"]


def test_no_choice_is_an_error_and_creates_nothing(browser_client, account, headers, htmx):
    response = browser_client.post("/connectors/new/roller/", {}, headers=headers)

    html = assert_page(response, htmx=htmx)
    assert "There is a problem" in html and "Choose Default or Manual." in html
    assert not Connection.objects.filter(account=account).exists()


def test_an_unknown_connector_is_404(browser_client):
    assert browser_client.get("/connectors/new/nosuch/").status_code == 404


def test_choosing_default_later_fills_the_later_steps_again(browser_client, account, headers, htmx):
    connection = make_draft(account, step="contacts", preset="manual", minimum_age=21, matching_key="phone")

    response = browser_client.post(step_url(connection, "preset"), {"preset": "default"}, headers=headers)

    connection.refresh_from_db()
    assert (connection.preset, connection.minimum_age, connection.matching_key) == ("default", 18, "email")
    assert connection.wizard_step == "contacts"  # going back never loses progress
    assert_moved_to(response, step_url(connection, "credentials"), htmx=htmx)


def test_manual_keeps_the_values_chosen(browser_client, account):
    connection = make_draft(account, step="preset", minimum_age=21)

    browser_client.post(step_url(connection, "preset"), {"preset": "manual"})

    connection.refresh_from_db()
    assert (connection.preset, connection.minimum_age) == ("manual", 21)


@pytest.fixture
def no_broker(monkeypatch):
    from wizard.tasks import preview_run

    sent = []
    monkeypatch.setattr(preview_run, "apply_async", lambda args, **kwargs: sent.append(args[0]))
    return sent


SETTINGS = {"name": "Bounce Utrecht", "opt_in_strategy": "in_and_out"}


def test_default_asks_for_a_name_then_goes_straight_to_the_summary(
    browser_client, account, headers, htmx, no_broker, django_capture_on_commit_callbacks
):
    draft = make_draft(account, step="credentials", preset="default")

    with django_capture_on_commit_callbacks(execute=True):
        response = browser_client.post(step_url(draft, "settings"), SETTINGS, headers=headers)

    assert_moved_to(response, step_url(draft, "summary"), htmx=htmx)
    draft.refresh_from_db()
    assert draft.wizard_step == "contacts"  # products and contacts: filled in by the preset
    assert len(no_broker) == 1  # the summary's preview started, as the contacts step starts it
    # Every step is still one click away, and saving one comes back to the summary.
    summary = browser_client.get(step_url(draft, "summary")).content.decode()
    for key in ("products", "contacts"):
        assert f'href="{step_url(draft, key)}"' in summary  # the step indicator
    response = browser_client.post(
        step_url(draft, "products"), {"products_enabled": "on", "products_frequency_minutes": "15"}, headers=headers
    )
    assert_moved_to(response, step_url(draft, "summary"), htmx=htmx)


def test_manual_walks_through_each_step(browser_client, account, headers, htmx, no_broker):
    draft = make_draft(account, step="credentials", preset="manual")

    response = browser_client.post(step_url(draft, "settings"), SETTINGS, headers=headers)

    assert_moved_to(response, step_url(draft, "products"), htmx=htmx)
    draft.refresh_from_db()
    assert draft.wizard_step == "settings"
    assert no_broker == []


def test_the_two_choices_say_what_each_does(browser_client):
    html = browser_client.get("/connectors/new/roller/").content.decode()
    assert "you go straight to the summary" in html
    assert "Walk through every step" in html
