"""Step 6: contacts (orders follow them), matching, minimum age, the first import's reach."""

import pytest

from tests.wizard.conftest import assert_moved_to, assert_page, make_draft, step_url
from wizard.models import Preview

pytestmark = pytest.mark.django_db

FORM = {
    "contacts_enabled": "on",
    "contacts_mode": "create_and_update",
    "matching_key": "email",
    "minimum_age": "18",
    "contacts_lookback_days": "3650",
    "orders_lookback_days": "7",
}


@pytest.fixture
def draft(account):
    return make_draft(account, step="products")


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Previews queued by the step are recorded instead of sent to a broker."""
    from wizard.tasks import preview_run

    sent = []
    monkeypatch.setattr(preview_run, "apply_async", lambda args, **kwargs: sent.append(args[0]))
    return sent


def test_the_step_explains_minors_and_that_orders_follow_contacts(browser_client, draft, headers, htmx):
    html = assert_page(browser_client.get(step_url(draft, "contacts"), headers=headers), htmx=htmx)

    assert 'name="minimum_age" value="18"' in html
    assert "Data about minors is never synchronised" in html
    assert "With contacts off, orders are off too" in html
    assert "Create and update" in html and "Update only" in html
    assert "Email address" in html and "Phone number" in html


def test_saving_moves_on_to_the_summary_and_starts_the_preview(
    browser_client, draft, headers, htmx, no_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = browser_client.post(
            step_url(draft, "contacts"), FORM | {"orders_lookback_days": "2"}, headers=headers
        )

    assert_moved_to(response, step_url(draft, "summary"), htmx=htmx)
    draft.refresh_from_db()
    assert (draft.orders_lookback_days, draft.wizard_step) == (2, "contacts")
    preview = Preview.objects.get(connection=draft)
    assert no_broker == [preview.pk]  # the task gets the id, nothing else


def test_turning_contacts_off_turns_orders_off_and_says_so(browser_client, draft, headers, htmx):
    form = {key: value for key, value in FORM.items() if key != "contacts_enabled"}

    browser_client.post(step_url(draft, "contacts"), form, headers=headers)

    draft.refresh_from_db()
    assert draft.contacts_enabled is False and draft.orders_enabled is False
    page = browser_client.get(step_url(draft, "summary")).content.decode()
    assert "Contacts are off, so orders are off too" in page
    assert "Off, because contacts are off" in page


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"minimum_age": "12"}, "The minimum age is at least 13."),
        ({"minimum_age": "100"}, "The minimum age is at most 99."),
        ({"minimum_age": ""}, "Enter the minimum age."),
        ({"orders_lookback_days": "0"}, "Enter at least 1 day."),
        ({"contacts_lookback_days": "4000"}, "At most 3650 days"),
        ({"matching_key": "postcode"}, "Select a valid choice."),
    ],
    ids=["age-too-low", "age-too-high", "age-missing", "no-look-back", "look-back-too-long", "unknown-key"],
)
def test_wrong_values_are_errors_at_their_fields(browser_client, draft, headers, htmx, change, error, no_broker):
    html = assert_page(browser_client.post(step_url(draft, "contacts"), FORM | change, headers=headers), htmx=htmx)

    assert error in html
    draft.refresh_from_db()
    assert draft.wizard_step == "products"
    assert no_broker == []


def test_saving_a_live_connection_does_not_call_roller_for_a_preview(
    browser_client, account, no_broker, django_capture_on_commit_callbacks
):
    from integrations.models import Connection
    from tests.factories import ConnectionFactory

    connection = ConnectionFactory(account=account, status=Connection.Status.ACTIVE, wizard_step="activate")

    with django_capture_on_commit_callbacks(execute=True):
        response = browser_client.post(step_url(connection, "contacts"), FORM)

    assert response.status_code == 302 and response["Location"] == step_url(connection, "summary")
    assert no_broker == [] and not Preview.objects.exists()


def test_the_first_imports_reach_is_a_choice_not_a_number_of_days(browser_client, draft):
    html = browser_client.get(step_url(draft, "contacts")).content.decode()

    contacts = html[html.index('name="contacts_lookback_days"') :].split("</select>")[0]
    options = [label for label in ("30 days", "1 year", "2 years", "All 10 years (recommended)") if label in contacts]
    assert options == ["30 days", "1 year", "2 years", "All 10 years (recommended)"]
    assert '<option value="3650" selected>' in contacts
    orders = html[html.index('name="orders_lookback_days"') :].split("</select>")[0]
    assert '<option value="7" selected>7 days (recommended)</option>' in orders
    assert 'type="number" name="contacts_lookback_days"' not in html


def test_a_reach_saved_earlier_stays_among_the_choices(browser_client, account):
    draft = make_draft(account, step="products", orders_lookback_days=2)

    html = browser_client.get(step_url(draft, "contacts")).content.decode()

    assert '<option value="2" selected>2 days</option>' in html
