"""Step 5: products on or off, and how often."""

import pytest

from tests.wizard.conftest import assert_moved_to, assert_page, make_draft, step_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(account):
    return make_draft(account, step="settings")


def test_the_step_says_products_are_needed_for_orders(browser_client, draft, headers, htmx):
    html = assert_page(browser_client.get(step_url(draft, "products"), headers=headers), htmx=htmx)

    assert "Orders need their products" in html
    assert "created from the order automatically" in html
    assert '<label for="id_products_frequency_minutes">How often</label>' in html
    assert 'value="60" selected' in html


def test_saving_the_frequency_moves_on(browser_client, draft, headers, htmx):
    response = browser_client.post(
        step_url(draft, "products"), {"products_enabled": "on", "products_frequency_minutes": "15"}, headers=headers
    )

    assert_moved_to(response, step_url(draft, "contacts"), htmx=htmx)
    draft.refresh_from_db()
    assert (draft.products_enabled, draft.products_frequency_minutes, draft.wizard_step) == (True, 15, "products")


def test_products_can_be_switched_off(browser_client, draft):
    browser_client.post(step_url(draft, "products"), {"products_frequency_minutes": "60"})
    draft.refresh_from_db()
    assert draft.products_enabled is False


def test_an_unknown_frequency_is_an_error(browser_client, draft, headers, htmx):
    response = browser_client.post(
        step_url(draft, "products"), {"products_enabled": "on", "products_frequency_minutes": "7"}, headers=headers
    )

    html = assert_page(response, htmx=htmx)
    assert "Choose one of the listed frequencies." in html
    draft.refresh_from_db()
    assert draft.wizard_step == "settings"
