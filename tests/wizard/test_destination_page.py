"""The destination page: where every record is, the log, and what people do there (issue 15)."""

import datetime as dt

import pytest
from django.utils import timezone

from integrations.delivery.models import Backfill, DeliveryAttempt, Erasure, OutboxItem
from tests.factories import ConnectionFactory, ContactFactory
from tests.wizard.conftest import HTMX
from tests.wizard.destination_support import PAGE_URL, SENDING, make_destination


@pytest.fixture
def destination(account, stand_in):
    return make_destination(account, step="activate", status="active", stand_in=stand_in, **_sending())


def _sending(**overrides) -> dict:
    values = {"send_profiles": True, "send_purchases": True, "send_products": True, "language": "nl_NL"}
    return {**values, "currency": "EUR", **overrides}


def _item(destination, key: str, state: str, *, kind: str = "profile", reason: str = "", age_minutes: int = 0):
    item = OutboxItem.objects.create(destination=destination, kind=kind, record_key=key, state=state, reason=reason)
    if age_minutes:
        OutboxItem.objects.filter(pk=item.pk).update(queued_at=timezone.now() - dt.timedelta(minutes=age_minutes))
    return item


def test_the_page_counts_every_step_with_why(browser_client, account, destination):
    connection = ConnectionFactory(account=account)
    ContactFactory.create_batch(3, connection=connection)
    _item(destination, "a@example.com", "delivered")
    _item(destination, "#7", "filtered", reason="Activate needs an email")
    _item(destination, "b@example.com", "failed", reason="events[0]: Purchase: orderid is required")
    _item(destination, "c@example.com", "dead", reason="Activate answered 500 ten times")
    _item(destination, "d@example.com", "queued", age_minutes=12)

    html = browser_client.get(PAGE_URL).content.decode()

    assert "Where every record is" in html
    profiles = html.split('<th scope="row">Profiles</th>')[1].split("</tr>")[0]
    assert [cell.split(">")[-1] for cell in profiles.split("</td>")[:3]] == ["3", "1", "1"]  # store, left out, queued
    assert "left out: Activate needs an email" in html
    assert "failed: Spotler Activate answered “events[0]: Purchase: orderid is required”" in html
    assert "The oldest record still waiting was queued 12 minutes ago" in html


def test_the_log_shows_each_request_and_answer_never_the_key(browser_client, destination, stand_in):
    DeliveryAttempt.objects.create(
        destination=destination,
        kind="purchase",
        record_key="41",
        method="POST",
        path="/v1/track",
        request_body={"events": [{"event": "Purchase", "orderid": "B-41", "email": "a@example.com"}]},
        response_status=400,
        response_body='{"errors": ["events[0]: Purchase: products is required"]}',
        duration_ms=12,
    )

    html = browser_client.get(PAGE_URL).content.decode()

    assert "POST /v1/track" in html and "&quot;orderid&quot;: &quot;B-41&quot;" in html
    assert "products is required" in html and "(12 ms)" in html
    assert stand_in.api_key not in html and "X-AUTH-APIKEY" not in html


def test_the_log_is_filtered_by_kind_and_record(browser_client, destination):
    for kind, key in (("purchase", "41"), ("profile", "a@example.com")):
        DeliveryAttempt.objects.create(
            destination=destination, kind=kind, record_key=key, method="POST", path="/v1/track", response_status=200
        )

    html = browser_client.get(PAGE_URL, {"kind": "profile", "record": "a@example.com"}).content.decode()

    assert "Profile a@example.com" in html and "Purchase 41" not in html


def test_backfills_show_their_progress_in_records(browser_client, destination):
    Backfill.objects.create(
        destination=destination, kind="product", state="running", queued=150, total=600, why="Connected"
    )

    html = browser_client.get(PAGE_URL).content.decode()

    assert "Backfills" in html and "150 of 600 records queued" in html and 'aria-valuenow="25"' in html


def test_an_erasure_due_shows_its_email_until_marked_done(browser_client, user, destination):
    erasure = Erasure.objects.create(destination=destination, email="gone@example.com", why="deleted_at_source")

    html = browser_client.get(PAGE_URL).content.decode()
    assert "gone@example.com" in html and "Privacy Requests" in html

    response = browser_client.post(f"{PAGE_URL}erasures/{erasure.pk}/done/")

    assert response.status_code == 303
    erasure.refresh_from_db()
    assert erasure.done_at is not None and erasure.done_by == user.get_username()
    assert "To erase in" not in browser_client.get(PAGE_URL).content.decode()


def test_another_destinations_erasure_is_404(browser_client, destination, stand_in):
    other = make_destination(ConnectionFactory().account, step="activate", status="active", stand_in=stand_in)
    erasure = Erasure.objects.create(destination=other, email="x@example.com", why="minor")

    assert browser_client.post(f"{PAGE_URL}erasures/{erasure.pk}/done/").status_code == 404


def test_pause_and_resume(browser_client, user, destination):
    browser_client.post(f"{PAGE_URL}pause/")
    destination.refresh_from_db()
    assert destination.status == "paused" and user.get_username() in destination.status_reason

    browser_client.post(f"{PAGE_URL}resume/")
    destination.refresh_from_db()
    assert destination.status == "active"


def test_replay_queues_failed_and_dead_records_again(browser_client, destination):
    dead = _item(destination, "c@example.com", "dead", reason="Activate answered 500")
    failed = _item(destination, "41", "failed", kind="purchase", reason="products is required")

    response = browser_client.post(f"{PAGE_URL}replay/", follow=True)

    assert "2 record(s) are being sent again" in response.content.decode()
    dead.refresh_from_db()
    failed.refresh_from_db()
    assert (dead.state, failed.state, dead.attempts) == ("queued", "queued", 0)


def test_turning_a_kind_on_queues_a_backfill_and_off_says_activate_keeps_what_it_has(browser_client, account, stand_in):
    destination = make_destination(
        account, step="activate", status="active", stand_in=stand_in, **_sending(send_products=False)
    )

    html = browser_client.post(f"{PAGE_URL}sending/", SENDING, follow=True).content.decode()
    assert "Queued a backfill of products" in html
    assert Backfill.objects.filter(destination=destination, kind="product", why="Settings changed").exists()

    html = browser_client.post(f"{PAGE_URL}sending/", {**SENDING, "send_purchases": ""}, follow=True).content.decode()
    assert "Purchases is no longer sent: Activate keeps what it has." in html
    destination.refresh_from_db()
    assert not destination.send_purchases


def test_a_new_currency_sends_products_and_purchases_again(browser_client, destination):
    html = browser_client.post(f"{PAGE_URL}sending/", {**SENDING, "currency": "GBP"}, follow=True).content.decode()

    assert "Queued a backfill of products and purchases" in html


def test_the_live_part_is_a_partial_for_htmx_and_a_redirect_without(browser_client, destination):
    partial = browser_client.get(f"{PAGE_URL}live/", headers=HTMX)
    assert partial.status_code == 200 and '<div id="live"' in partial.content.decode()
    assert "<html" not in partial.content.decode()

    plain = browser_client.get(f"{PAGE_URL}live/")
    assert plain.status_code == 302 and plain["Location"] == PAGE_URL


def test_the_page_with_htmx_is_its_content_without_the_frame(browser_client, destination):
    html = browser_client.get(PAGE_URL, headers=HTMX).content.decode()

    assert "<html" not in html and "Where every record is" in html


def test_a_draft_has_no_page_yet_but_its_setup(browser_client, account):
    make_destination(account)

    response = browser_client.get(PAGE_URL)

    assert response.status_code == 302 and response["Location"].endswith("/setup/credentials/")


def test_needs_attention_says_what_to_do_and_links_the_key(browser_client, account, stand_in):
    make_destination(
        account,
        step="activate",
        status="needs_attention",
        status_reason="Activate refused the Account ID and API key (401)",
        stand_in=stand_in,
    )

    html = browser_client.get(PAGE_URL).content.decode()

    assert "Activate refused the Account ID and API key (401)" in html and "Fix the credentials" in html
    assert "resumes by itself" in html


# --- the connection page's part -----------------------------------------------------------


def test_the_connection_page_says_whether_its_data_reached_activate(browser_client, account, destination):
    connection = ConnectionFactory(account=account, status="active")
    item = _item(destination, "a@example.com", "delivered")
    OutboxItem.objects.filter(pk=item.pk).update(connection=connection, delivered_at=timezone.now())
    _item(destination, "b@example.com", "failed", reason="no")
    OutboxItem.objects.filter(record_key="b@example.com").update(connection=connection)

    html = browser_client.get(f"/connectors/{connection.public_id}/").content.decode()

    assert "In Spotler Activate" in html
    assert "<strong>1</strong> record of this connection reached Spotler Activate" in html
    assert "1 failed." in html and "Leave this connection out of Spotler Activate" in html


def test_a_connection_left_out_of_activate_and_taken_back_in(browser_client, account, destination):
    connection = ConnectionFactory(account=account, status="active")
    url = f"/connectors/{connection.public_id}/destinations/activate/exclusion/"

    html = browser_client.post(url, {"excluded": "1"}, follow=True).content.decode()
    assert f"{connection.name} is left out of Spotler Activate" in html
    assert destination.excluded_connections.filter(pk=connection.pk).exists()

    browser_client.post(url, {"excluded": "0"})
    assert not destination.excluded_connections.filter(pk=connection.pk).exists()


def test_another_accounts_connection_cannot_be_left_out(browser_client, destination):
    other = ConnectionFactory(status="active")

    response = browser_client.post(f"/connectors/{other.public_id}/destinations/activate/exclusion/", {"excluded": "1"})

    assert response.status_code == 404


def test_times_are_in_the_venues_zone_and_the_page_names_it(browser_client, account, destination):
    ConnectionFactory(account=account, time_zone="America/New_York")
    erasure = Erasure.objects.create(destination=destination, email="gone@example.com", why="deleted_at_source")
    Erasure.objects.filter(pk=erasure.pk).update(created_at=dt.datetime(2026, 11, 6, 14, 5, tzinfo=dt.UTC))

    html = browser_client.get(PAGE_URL).content.decode()
    live = browser_client.get(f"{PAGE_URL}live/", headers=HTMX).content.decode()

    assert "times shown in America/New_York" in html
    assert "since 6 Nov 2026, 09:05" in html and "since 6 Nov 2026, 09:05" in live


def test_venues_in_different_zones_show_the_destinations_times_in_utc(browser_client, account, destination):
    ConnectionFactory(account=account, time_zone="America/New_York")
    ConnectionFactory(account=account, time_zone="Europe/Amsterdam")
    erasure = Erasure.objects.create(destination=destination, email="gone@example.com", why="deleted_at_source")
    Erasure.objects.filter(pk=erasure.pk).update(created_at=dt.datetime(2026, 11, 6, 14, 5, tzinfo=dt.UTC))

    html = browser_client.get(PAGE_URL).content.decode()

    assert "times shown in UTC" in html and "since 6 Nov 2026, 14:05" in html
