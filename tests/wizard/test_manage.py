"""Pausing, resuming and deleting a connection; deleting removes the webhook at ROLLER."""

import pytest

from integrations.models import Connection, Contact, Order, OrderLine, Product
from integrations.roller.models import RollerSettings
from tests.factories import ConnectionFactory, OrderFactory, ProductFactory, RollerSettingsFactory
from tests.wizard.conftest import HTMX, make_draft, step_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def active(account):
    connection = ConnectionFactory(account=account, status=Connection.Status.ACTIVE, wizard_step="activate")
    RollerSettingsFactory(connection=connection)
    return connection


def lifecycle(connection, action: str) -> str:
    return f"/connectors/{connection.public_id}/{action}/"


def test_an_active_connection_can_be_paused_and_resumed(browser_client, active, headers):
    summary = step_url(active, "summary")

    paused = browser_client.post(lifecycle(active, "pause"), {"next": summary}, headers=headers)

    active.refresh_from_db()
    assert active.status == Connection.Status.PAUSED
    page = browser_client.get(paused["Location"] if paused.status_code == 302 else summary).content.decode()
    assert "Paused. ROLLER&#x27;s updates are still received and kept" in page
    assert ">Resume<" in page

    browser_client.post(lifecycle(active, "resume"), {"next": summary}, headers=headers)

    active.refresh_from_db()
    assert active.status == Connection.Status.ACTIVE


def test_pause_goes_back_to_a_local_page_only(browser_client, active):
    response = browser_client.post(lifecycle(active, "pause"), {"next": "https://evil.example/"})
    assert response["Location"] == f"/connectors/{active.public_id}/"


def test_a_draft_cannot_be_paused(browser_client, account):
    draft = make_draft(account)

    browser_client.post(lifecycle(draft, "pause"))

    draft.refresh_from_db()
    assert draft.status == Connection.Status.DRAFT


def test_the_summary_of_an_active_connection_offers_pause_and_delete(browser_client, active, headers):
    html = browser_client.get(step_url(active, "summary"), headers=headers).content.decode()

    assert "This connector is active" in html
    assert f'action="{lifecycle(active, "pause")}"' in html
    assert f'href="{lifecycle(active, "delete")}"' in html
    assert "Continue to activation" not in html


def test_deleting_asks_first_and_says_what_goes(browser_client, active):
    OrderFactory.create_batch(2, contact__connection=active, connection=active)

    html = browser_client.get(lifecycle(active, "delete")).content.decode()

    assert "Delete “" in html and "This cannot be undone" in html
    assert "<strong>2</strong> contacts, <strong>2</strong> orders" in html
    assert "removes this connector's webhook at ROLLER" in html

    unconfirmed = browser_client.post(lifecycle(active, "delete"), {})
    assert "Tick the box to confirm." in unconfirmed.content.decode()
    assert Connection.objects.filter(pk=active.pk).exists()


def test_deleting_removes_the_webhook_at_roller_and_the_synced_data(browser_client, account, sandbox, settings):
    connection = make_draft(account, step="summary", url=sandbox.url)
    browser_client.post(step_url(connection, "activate"))
    assert len(sandbox.webhooks()) == 1
    product = ProductFactory(connection=connection)
    order = OrderFactory(contact__connection=connection, connection=connection)
    OrderLine.objects.create(order=order, product=product, external_id="line-1", quantity=1, unit_price="16.50")

    response = browser_client.post(lifecycle(connection, "delete"), {"confirm": "on"})

    assert response.status_code == 302 and response["Location"] == "/connectors/"
    assert sandbox.webhooks() == []
    assert not Connection.objects.filter(pk=connection.pk).exists()
    for model in (Contact, Order, OrderLine, Product, RollerSettings):
        assert not model.objects.exists(), model
    assert "was deleted" in browser_client.get("/connectors/").content.decode()


def test_when_roller_cannot_remove_the_webhook_nothing_is_deleted_until_asked(browser_client, account, sandbox):
    connection = make_draft(account, step="summary", url=sandbox.url)
    browser_client.post(step_url(connection, "activate"))
    sandbox.fault("/webhooks", status=503, count=3, method="DELETE")

    html = browser_client.post(lifecycle(connection, "delete"), {"confirm": "on"}).content.decode()

    assert "The webhook could not be removed at ROLLER" in html
    assert "Nothing was deleted" in html
    assert 'name="keep_webhook"' in html
    assert Connection.objects.filter(pk=connection.pk).exists()

    browser_client.post(lifecycle(connection, "delete"), {"confirm": "on", "keep_webhook": "on"})

    assert not Connection.objects.filter(pk=connection.pk).exists()


def test_a_draft_is_deleted_without_calling_roller(browser_client, account):
    draft = make_draft(account, step="credentials")  # points at a closed port

    response = browser_client.post(lifecycle(draft, "delete"), {"confirm": "on"}, headers=HTMX)

    assert response.status_code in (200, 302)
    assert not Connection.objects.filter(pk=draft.pk).exists()


def test_another_accounts_connection_cannot_be_paused_or_deleted(browser_client):
    other = ConnectionFactory(status=Connection.Status.ACTIVE)

    assert browser_client.post(lifecycle(other, "pause")).status_code == 404
    assert browser_client.post(lifecycle(other, "resume")).status_code == 404
    assert browser_client.get(lifecycle(other, "delete")).status_code == 404
    assert browser_client.post(lifecycle(other, "delete"), {"confirm": "on"}).status_code == 404
    other.refresh_from_db()
    assert other.status == Connection.Status.ACTIVE
