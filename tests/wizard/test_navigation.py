"""Scenario 29: reload, the back button and two tabs on two drafts keep the wizard's place; it
works without JavaScript and with htmx. Also: login, account isolation, CSRF."""

import pytest
from django.test import Client

from integrations.models import Connection
from tests.factories import ConnectionFactory, UserFactory
from tests.wizard.conftest import HTMX, assert_moved_to, make_draft, step_url
from wizard import steps

pytestmark = pytest.mark.django_db

STEP_KEYS = [step.key for step in steps.STEPS if step.url_name]


def test_two_tabs_on_two_drafts_each_keep_their_place(browser_client, account, headers, htmx):
    first = make_draft(account, step="credentials", name="Draft one")
    second = make_draft(account, step="settings", name="Draft two")

    # Tab 1 saves its settings step while tab 2 saves its products step, interleaved.
    one = browser_client.post(
        step_url(first, "settings"), {"name": "Utrecht", "opt_in_strategy": "none"}, headers=headers
    )
    two = browser_client.post(
        step_url(second, "products"), {"products_enabled": "on", "products_frequency_minutes": "360"}, headers=headers
    )

    assert_moved_to(one, step_url(first, "products"), htmx=htmx)
    assert_moved_to(two, step_url(second, "contacts"), htmx=htmx)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.wizard_step, first.opt_in_strategy, first.products_frequency_minutes) == ("settings", "none", 60)
    assert (second.wizard_step, second.opt_in_strategy, second.products_frequency_minutes) == (
        "products",
        "in_and_out",
        360,
    )
    assert browser_client.get(f"/connectors/{first.public_id}/setup/")["Location"] == step_url(first, "products")
    assert browser_client.get(f"/connectors/{second.public_id}/setup/")["Location"] == step_url(second, "contacts")


def test_reload_shows_the_same_step_with_what_was_saved(browser_client, account, headers):
    draft = make_draft(account, step="products", products_frequency_minutes=15)

    first = browser_client.get(step_url(draft, "products"), headers=headers).content.decode()
    again = browser_client.get(step_url(draft, "products"), headers=headers).content.decode()

    assert 'value="15" selected' in first
    assert first.replace(_csrf(first), "") == again.replace(_csrf(again), "")


def test_back_to_an_earlier_step_shows_its_saved_values_and_resubmitting_keeps_the_progress(
    browser_client, account, headers
):
    draft = make_draft(account, step="contacts", name="Bounce Utrecht", opt_in_strategy="in_only")

    back = browser_client.get(step_url(draft, "settings"), headers=headers).content.decode()
    assert 'value="Bounce Utrecht"' in back
    assert 'value="in_only" id="id_opt_in_strategy_1" required checked' in back

    browser_client.post(
        step_url(draft, "settings"), {"name": "Bounce Utrecht", "opt_in_strategy": "in_only"}, headers=headers
    )

    draft.refresh_from_db()
    assert draft.wizard_step == "contacts"


def test_the_place_lives_in_the_database_not_the_session(browser_client, account, user):
    draft = make_draft(account, step="credentials")
    browser_client.post(step_url(draft, "settings"), {"name": "Utrecht", "opt_in_strategy": "in_and_out"})

    assert set(browser_client.session.keys()) <= {"_auth_user_id", "_auth_user_backend", "_auth_user_hash", "_messages"}
    elsewhere = Client()  # another browser, logged in afresh
    elsewhere.force_login(user)
    assert elsewhere.get(f"/connectors/{draft.public_id}/setup/")["Location"] == step_url(draft, "products")


def test_the_step_indicator_marks_done_current_and_reachable_steps(browser_client, account):
    draft = make_draft(account, step="settings")

    html = browser_client.get(step_url(draft, "products")).content.decode()

    assert 'class="stepper-item is-done"' in html
    assert 'class="stepper-item is-current" aria-current="step"' in html
    assert f'href="{step_url(draft, "credentials")}"' in html  # a done step links back
    assert f'href="{step_url(draft, "summary")}"' not in html  # a step not reached does not
    assert "Step 5 of 8" in html


def test_boosted_navigation_and_history_restores_get_whole_pages(browser_client, account):
    draft = make_draft(account, step="settings")

    boosted = browser_client.get(step_url(draft, "products"), headers=HTMX | {"HX-Boosted": "true"})
    restore = browser_client.get(step_url(draft, "products"), headers=HTMX | {"HX-History-Restore-Request": "true"})

    assert boosted.content.decode().startswith("<!doctype html>")
    assert restore.content.decode().startswith("<!doctype html>")


def test_an_active_connection_is_edited_with_the_same_forms(browser_client, account, headers, htmx):
    connection = ConnectionFactory(account=account, status=Connection.Status.ACTIVE, wizard_step="activate")

    response = browser_client.post(
        step_url(connection, "products"),
        {"products_enabled": "on", "products_frequency_minutes": "1440"},
        headers=headers,
    )

    assert_moved_to(response, step_url(connection, "summary"), htmx=htmx)
    connection.refresh_from_db()
    assert connection.products_frequency_minutes == 1440
    assert connection.status == Connection.Status.ACTIVE
    page = browser_client.get(step_url(connection, "summary")).content.decode()
    assert "Saved. The connector uses the new settings from now on." in page
    assert f"/connectors/{connection.public_id}/setup/" in browser_client.get("/connectors/").content.decode()


@pytest.mark.parametrize("key", STEP_KEYS)
def test_another_accounts_draft_is_404_at_every_step(browser_client, key):
    other = make_draft(UserFactory().membership.account, step="summary")

    assert browser_client.get(step_url(other, key)).status_code == 404
    assert browser_client.post(step_url(other, key), {"preset": "manual"}).status_code == 404
    other.refresh_from_db()
    assert other.preset != "manual"


@pytest.mark.parametrize("key", STEP_KEYS)
def test_every_step_needs_a_login(client, account, key):
    draft = make_draft(account, step="summary")
    response = client.get(step_url(draft, key))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_posts_need_the_csrf_token(user, account):
    draft = make_draft(account, step="settings")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    form = {"products_enabled": "on", "products_frequency_minutes": "15"}

    assert strict.post(step_url(draft, "products"), form).status_code == 403
    assert strict.post(step_url(draft, "products"), form, headers=HTMX).status_code == 403

    page = strict.get(step_url(draft, "products")).content.decode()
    token = _csrf(page)
    assert f"&quot;X-CSRFToken&quot;: &quot;{token}&quot;" in page or f'"X-CSRFToken": "{token}"' in page
    assert strict.post(step_url(draft, "products"), form | {"csrfmiddlewaretoken": token}).status_code == 302
    assert strict.post(step_url(draft, "products"), form, headers=HTMX | {"X-CSRFToken": token}).status_code == 200


def _csrf(html: str) -> str:
    marker = 'name="csrfmiddlewaretoken" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]
