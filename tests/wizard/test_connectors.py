"""Step 1: the account's connectors with their status, and the catalogue behind "Add connector"."""

import pytest

from integrations.models import Connection
from tests.factories import ConnectionFactory
from tests.wizard.conftest import HTMX, assert_page, make_draft

pytestmark = pytest.mark.django_db


def test_the_list_shows_the_accounts_connectors_with_their_status(browser_client, account, htmx):
    ConnectionFactory(account=account, name="Bounce Utrecht", status=Connection.Status.ACTIVE)
    make_draft(account, name="Half-way draft", step="credentials")
    ConnectionFactory(name="Someone else's venue")  # another account

    response = browser_client.get("/connectors/", headers=HTMX if htmx else {})

    html = assert_page(response, htmx=htmx)
    assert "Bounce Utrecht" in html and "Active" in html
    assert "Half-way draft" in html and "Continue setup" in html and "at step 4: Connection settings" in html
    assert "Someone else" not in html
    assert "Add connector" in html


def test_an_empty_list_invites_to_add_a_connector(browser_client):
    html = browser_client.get("/connectors/").content.decode()
    assert "No connectors yet" in html
    assert 'href="/connectors/new/"' in html


def test_the_catalogue_offers_roller(browser_client, htmx):
    response = browser_client.get("/connectors/new/", headers=HTMX if htmx else {})

    html = assert_page(response, htmx=htmx)
    assert "ROLLER" in html
    assert 'href="/connectors/new/roller/"' in html
    assert 'aria-current="step"' in html  # the step indicator marks step 1


def test_the_catalogue_lists_every_registered_connector(browser_client, fake_connector):
    html = browser_client.get("/connectors/new/").content.decode()
    assert "ROLLER" in html and fake_connector.label in html


def test_pages_need_a_login(client):
    for url in ("/connectors/", "/connectors/new/", "/connectors/new/roller/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.fixture
def fake_connector():
    from integrations.registry import ConnectorSpec, connector_register

    spec = ConnectorSpec(type="wizardfake", label="Fake Tills", description="A second source, for the catalogue.")
    connector_register(spec)
    yield spec
    from integrations import registry

    registry._connectors.pop("wizardfake", None)
