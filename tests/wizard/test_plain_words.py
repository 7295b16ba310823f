"""Pages speak the marketer's language: no webhook ids, HTTP verbs, workers or the source's own
channel codes; the done page says who is told when something goes wrong."""

import datetime as dt
from decimal import Decimal

import pytest

from integrations.models import Connection, Order
from integrations.outcomes import Reason
from integrations.records import OrderData
from tests.factories import ConnectionFactory, RollerSettingsFactory, UserFactory
from tests.wizard.conftest import make_draft, step_url
from wizard.models import Preview
from wizard.preview import _order_example

pytestmark = pytest.mark.django_db


@pytest.fixture
def active(account):
    connection = ConnectionFactory(account=account, status=Connection.Status.ACTIVE, wizard_step="activate")
    RollerSettingsFactory(connection=connection, webhook_id="233")
    return connection


def done(browser_client, connection) -> str:
    return browser_client.get(f"/connectors/{connection.public_id}/setup/done/").content.decode()


def test_the_done_page_names_no_webhook_id(browser_client, active):
    html = done(browser_client, active)
    assert "sends bookings, guests and signed waivers the moment they change." in html
    assert "233" not in html


def test_the_done_page_says_who_gets_alert_emails_and_that_it_can_be_closed(browser_client, user, active):
    user.email = "marketing@venue.example"
    user.save()
    UserFactory(account=active.account, email="owner@venue.example")

    html = done(browser_client, active)

    assert "You can close this page" in html
    assert "<strong>marketing@venue.example</strong> and <strong>owner@venue.example</strong>" in html


def test_the_done_page_says_when_no_one_would_be_told(browser_client, user, active):
    user.email = ""
    user.save()

    assert "No one gets an e-mail when something needs attention" in done(browser_client, active)


def test_a_preview_not_started_yet_does_not_speak_of_workers(browser_client, account):
    draft = make_draft(account, step="contacts")
    Preview.objects.create(connection=draft, settings_fingerprint="x")

    html = browser_client.get(step_url(draft, "summary")).content.decode()

    assert "Starting the preview…" in html
    assert "worker" not in html.lower()


def test_preview_examples_name_the_channel_in_plain_words():
    order = OrderData(
        external_id="u-1",
        reference="5030088",
        channel=Order.Channel.ONSITE,
        source_channel="Doorlist",
        total=Decimal("10"),
        currency="EUR",
        visit_date=dt.date(2026, 11, 30),
    )

    assert _order_example(order, None)["channel"] == "On-site"


def test_no_reason_speaks_of_lacking_the_value_contacts_are_matched_on():
    labels = [str(label) for label in Reason.labels]
    assert not [label for label in labels if "lacks the value" in label]
    assert "The guest has no email address" in Reason.NO_MATCHING_KEY.label
