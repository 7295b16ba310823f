"""The wizard is the same for every connector: a second one (tests.support.fake_setup) is set
up from the catalogue to activation through the real views, with nothing in wizard/ patched.

Its credentials form has fields ROLLER's lacks; every page of its setup names it by its
label and says nothing of ROLLER.
"""

import pytest

from integrations import registry
from integrations.models import Connection
from tests.support import fake_setup
from tests.wizard.conftest import HTMX, assert_moved_to, assert_page, step_url
from wizard.models import Preview

pytestmark = pytest.mark.django_db

CONTACTS = {
    "contacts_enabled": "on",
    "contacts_mode": "create_and_update",
    "matching_key": "email",
    "minimum_age": "18",
    "contacts_lookback_days": "30",
    "orders_lookback_days": "7",
}


@pytest.fixture
def tills():
    spec = fake_setup.register()
    yield spec
    registry._connectors.pop(fake_setup.TYPE, None)


@pytest.fixture
def eager_celery():
    """The preview's task runs in this process when it is published (no worker in tests)."""
    from connector_site.celery_app import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def page(response) -> str:
    html = response.content.decode()
    assert response.status_code == 200, html[:500]
    assert "roller" not in html.lower()  # the second connector's pages speak only of it
    return html


def test_a_second_connector_walks_the_generic_wizard_to_activation(
    browser_client, account, tills, eager_celery, django_capture_on_commit_callbacks
):
    # 1. The catalogue offers it.
    catalogue = browser_client.get("/connectors/new/").content.decode()
    assert "Fake Tills" in catalogue and 'href="/connectors/new/tills/"' in catalogue

    # 2. The preset creates the draft.
    page(browser_client.get("/connectors/new/tills/"))
    response = browser_client.post("/connectors/new/tills/", {"preset": "manual"})  # every step, one by one
    connection = Connection.objects.get(account=account, connector_type="tills")
    assert connection.name == "New Fake Tills connector"
    assert response["Location"] == step_url(connection, "credentials")

    # 3. Credentials: the connector's own form, its check and its words.
    html = page(browser_client.get(step_url(connection, "credentials")))
    assert "Connect to Fake Tills" in html
    assert '<label for="id_shop_domain">Shop domain</label>' in html  # a field ROLLER's form lacks
    assert "The shop&#x27;s demo till." in html  # an explained choice, rendered as such
    assert 'name="client_id"' not in html
    form = {"plan": "demo", "shop_domain": "corner.tills.example", "api_key": "wrong"}
    html = page(browser_client.post(step_url(connection, "credentials"), form))
    assert "Fake Tills refused the API key" in html and "Make a new key" in html
    connection.refresh_from_db()
    assert connection.wizard_step == "preset"
    response = browser_client.post(step_url(connection, "credentials"), form | {"api_key": fake_setup.GOOD_KEY})
    assert response["Location"] == step_url(connection, "settings")
    connection.refresh_from_db()
    assert (connection.time_zone, connection.currency, connection.country) == ("Europe/London", "GBP", "GB")

    # 4. Settings: the name and time zone of the shop behind the key.
    html = page(browser_client.get(step_url(connection, "settings")))
    assert "Fake Tills accepted the credentials: connected to “Corner Shop” (Demo)." in html
    assert 'name="name" value="Corner Shop"' in html
    assert "as Fake Tills reports it for Corner Shop" in html
    assert "An opt-out in Fake Tills changes nothing here" in html
    response = browser_client.post(step_url(connection, "settings"), {"name": "Corner", "opt_in_strategy": "in_only"})
    assert response["Location"] == step_url(connection, "products")

    # 5. Products.
    assert "Your Fake Tills products." in page(browser_client.get(step_url(connection, "products")))
    response = browser_client.post(
        step_url(connection, "products"), {"products_enabled": "on", "products_frequency_minutes": "60"}
    )
    assert response["Location"] == step_url(connection, "contacts")

    # 6. Contacts: saving starts the preview (run here by the eager task).
    assert "changed in Fake Tills this far back" in page(browser_client.get(step_url(connection, "contacts")))
    with django_capture_on_commit_callbacks(execute=True):
        response = browser_client.post(step_url(connection, "contacts"), CONTACTS)
    assert response["Location"] == step_url(connection, "summary")
    preview = Preview.objects.get(connection=connection)
    assert preview.status == Preview.Status.DONE, preview.error

    # 7. Summary: the connector's rows of the credentials, and the preview's counts.
    html = page(browser_client.get(step_url(connection, "summary")))
    assert "Shop domain" in html and "corner.tills.example" in html and fake_setup.GOOD_KEY not in html
    assert "Time zone (from Fake Tills)" in html
    assert '<span class="num ok">4</span> would be created' in html
    assert "The settings changed since this preview ran" not in html
    response = browser_client.post(step_url(connection, "summary"))
    assert response["Location"] == step_url(connection, "activate")

    # 8. Activate: the connector's webhook plan, then its on_activate.
    html = page(browser_client.get(step_url(connection, "activate")))
    assert f"https://hooks.tills.example/{connection.public_id}/" in html and "Sales: created" in html
    assert "Register a webhook at Fake Tills</strong> (Demo)" in html
    response = browser_client.post(step_url(connection, "activate"))
    assert response["Location"] == f"/connectors/{connection.public_id}/setup/done/"
    connection.refresh_from_db()
    assert connection.status == Connection.Status.ACTIVE and connection.wizard_step == "activate"
    assert [str(connection.public_id)] == fake_setup.ACTIVATED

    html = page(browser_client.get(response["Location"]))
    assert "Fake Tills shop Corner Shop is connected" in html
    assert "Fake Tills sends sales the moment they change." in html and "hook-1" not in html  # no internal id


def test_the_connectors_check_is_shown_with_htmx_and_an_unreachable_source_keeps_what_was_typed(
    browser_client, account, tills
):
    browser_client.post("/connectors/new/tills/", {"preset": "default"})
    connection = Connection.objects.get(account=account, connector_type="tills")
    form = {"plan": "paid", "shop_domain": "corner.tills.example", "api_key": "down"}

    response = browser_client.post(step_url(connection, "credentials"), form, headers=HTMX)

    html = assert_page(response, htmx=True)
    assert "Fake Tills could not be reached" in html and "Try again" in html
    # Nothing is stored before the source confirmed it (issue 13); the page keeps what was typed.
    assert str(connection.public_id) not in fake_setup.STORED
    assert 'value="corner.tills.example"' in html
    connection.refresh_from_db()
    assert connection.wizard_step == "preset"

    retry = browser_client.post(step_url(connection, "credentials"), form | {"api_key": "good-key"}, headers=HTMX)

    assert_moved_to(retry, step_url(connection, "settings"), htmx=True)


def test_a_preview_the_source_rate_limits_is_queued_again_in_its_words(
    browser_client, account, tills, django_capture_on_commit_callbacks
):
    from wizard.services import preview_execute, preview_start

    browser_client.post("/connectors/new/tills/", {"preset": "default"})
    connection = Connection.objects.get(account=account, connector_type="tills")
    fake_setup.RATE_LIMITED_ONCE.add(str(connection.public_id))
    with django_capture_on_commit_callbacks(execute=False):
        preview = preview_start(connection=connection)

    run = preview_execute(preview_id=preview.pk)

    assert (run.status, run.retry_in) == (Preview.Status.QUEUED, 30)
    preview.refresh_from_db()
    assert preview.progress_text == "Fake Tills's rate limit was reached; the preview goes on in 30 seconds."
    assert preview_execute(preview_id=preview.pk).status == Preview.Status.DONE
