"""Cancelling a destination's setup: a draft goes with what it saved (its encrypted key too),
asked first, by the account's own users only; a connected destination is never cancelled."""

import pytest

from integrations.activate.models import ActivateSettings
from integrations.delivery.models import Destination
from tests.factories import AccountFactory
from tests.wizard.conftest import assert_moved_to
from tests.wizard.destination_support import PAGE_URL, TYPE, make_destination, step_url

CANCEL_URL = f"/connectors/destinations/{TYPE}/cancel/"

pytestmark = pytest.mark.django_db


def test_the_connectors_page_offers_to_cancel_a_draft_destination(browser_client, account):
    make_destination(account, step="credentials")

    page = browser_client.get("/connectors/").content.decode()

    assert "Continue setup" in page and f'href="{CANCEL_URL}"' in page


def test_a_setup_step_of_a_draft_offers_to_cancel_it(browser_client, account, stand_in):
    make_destination(account, step="credentials", stand_in=stand_in)

    assert f'href="{CANCEL_URL}"' in browser_client.get(step_url("sending")).content.decode()


def test_cancelling_asks_first_and_says_what_goes(browser_client, account):
    make_destination(account, step="credentials")

    html = browser_client.get(CANCEL_URL).content.decode()

    assert "Cancel setting up Spotler Activate?" in html and "the API key" in html
    assert f'href="{step_url("sending")}"' in html  # "Keep setting up": where the walk resumes


def test_cancelling_without_the_box_ticked_deletes_nothing(browser_client, account):
    destination = make_destination(account)

    html = browser_client.post(CANCEL_URL, {}).content.decode()

    assert "Tick the box to confirm." in html
    assert Destination.objects.filter(pk=destination.pk).exists()


def test_a_cancelled_draft_goes_with_its_encrypted_key_back_to_the_connectors(
    browser_client, account, stand_in, headers, htmx
):
    destination = make_destination(account, step="sending", stand_in=stand_in)

    response = browser_client.post(CANCEL_URL, {"confirm": "on"}, headers=headers)

    assert_moved_to(response, "/connectors/", htmx=htmx)
    assert not Destination.objects.filter(pk=destination.pk).exists()
    assert not ActivateSettings.objects.exists()
    page = browser_client.get("/connectors/").content.decode()
    assert "The setup of Spotler Activate was cancelled" in page and "Connect Spotler Activate" in page


@pytest.mark.parametrize("status", ["active", "paused"])
def test_a_connected_destination_is_never_cancelled_this_way(browser_client, account, stand_in, status):
    destination = make_destination(account, step="activate", status=status, stand_in=stand_in)

    response = browser_client.post(CANCEL_URL, {"confirm": "on"})

    assert (response.status_code, response["Location"]) == (302, PAGE_URL)
    assert Destination.objects.filter(pk=destination.pk).exists() and ActivateSettings.objects.exists()
    assert "Cancel setup" not in browser_client.get("/connectors/").content.decode()


def test_another_accounts_draft_cannot_be_cancelled(browser_client):
    theirs = make_destination(AccountFactory())

    assert browser_client.get(CANCEL_URL).status_code == 404
    assert browser_client.post(CANCEL_URL, {"confirm": "on"}).status_code == 404
    assert Destination.objects.filter(pk=theirs.pk).exists()


def test_cancelling_needs_a_login(client, account):
    destination = make_destination(account)

    response = client.post(CANCEL_URL, {"confirm": "on"})

    assert response.status_code == 302 and "/login" in response["Location"]
    assert Destination.objects.filter(pk=destination.pk).exists()
