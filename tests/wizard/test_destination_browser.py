"""Spotler Activate in headless Chromium: connected through the wizard (a wrong key first),
then a ROLLER sandbox booking seen in the stand-in's view and on the destination page.

The site runs in `live_server`, both stand-ins are processes of their own; Celery runs its
tasks eagerly in this process (the backfills, delivery), and the ROLLER webhooks are handed
over by `webhook_events_dispatch()` as the dispatcher would. Screenshots go to
tests.wizard.test_browser.SHOTS (a tmp dir; SCREENSHOTS_DIR to choose another), prefixed "activate-".
"""

import pytest

from integrations.delivery.models import Destination, OutboxItem
from integrations.models import Order
from tests.wizard.test_browser import CHROMIUM, SHOTS, chromium  # noqa: F401
from tests.wizard.test_connection_page_browser import (  # noqa: F401
    PASSWORD,
    USERNAME,
    eager_celery,
    process_events,
    venue,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"headless Chromium is not installed at {CHROMIUM}"),
]


@pytest.mark.django_db(transaction=True)
def test_connecting_activate_in_a_browser_then_a_booking_reaches_it(request, live_server, roller_sandbox, stand_in):
    # The ROLLER venue, eager Celery and the browser are fixtures of the other browser tests.
    connection, browser = request.getfixturevalue("venue"), request.getfixturevalue("chromium")
    request.getfixturevalue("eager_celery")
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()

    def shot(name: str) -> None:
        page.screenshot(path=str(SHOTS / f"activate-{name}.png"), full_page=True)

    page.goto("/connectors/")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Where the data goes").wait_for()
    shot("01-connectors")

    page.get_by_role("button", name="Connect Spotler Activate").click()
    page.get_by_role("heading", name="Connect to Spotler Activate").wait_for()
    page.get_by_label("Local stand-in").check()
    page.get_by_label("Account ID").fill(stand_in.account_id)
    page.get_by_label("API key").fill("not-the-key")
    page.get_by_role("button", name="Check and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Activate refused the Account ID and API key")
    shot("02-wrong-key")

    page.get_by_label("API key").fill(stand_in.api_key)
    page.get_by_role("button", name="Check and continue").click()
    page.get_by_role("heading", name="What to send").wait_for()
    shot("03-what-to-send")
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="Check everything before you start").wait_for()
    expect(page.locator(".prerequisites")).to_contain_text("custom_visit_date")
    assert stand_in.api_key not in page.content()
    shot("04-summary")
    page.get_by_role("button", name="Continue to activation").click()

    page.get_by_role("heading", name="Switch it on").wait_for()
    shot("05-activate")
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url("**/connectors/destinations/activate/")
    destination = Destination.objects.get(account=connection.account, destination_type="activate")
    assert destination.status == "active"
    shot("06-destination-page")

    # A booking in the ROLLER sandbox: stored, sent as a Purchase, held by the stand-in.
    booking = roller_sandbox.online_booking(newGuest=True, email="eva.ende@example.com", firstName="Eva")
    roller_sandbox.wait_for_deliveries(timeout=20)
    process_events()
    order = Order.objects.get(connection=connection, external_id=booking["uniqueId"])
    item = OutboxItem.objects.get(destination=destination, kind="purchase", record_key=str(order.pk))
    assert item.state == "delivered", (item.state, item.reason)
    purchases = {p["orderid"]: p for p in stand_in.state()["purchases"]}
    assert booking["uniqueId"] in purchases

    page.goto(stand_in.url)
    expect(page.locator("body")).to_contain_text(booking["uniqueId"])
    expect(page.locator("body")).to_contain_text("eva.ende@example.com")
    page.screenshot(path=str(SHOTS / "activate-07-stand-in-view.png"), full_page=True)

    page.goto("/connectors/destinations/activate/")
    purchases_row = page.locator("tr", has=page.get_by_role("rowheader", name="Purchases"))
    expect(purchases_row.locator('td[data-label="Delivered"]')).not_to_have_text("0")
    page.locator(".dp-log summary").filter(has_text=f"Purchase {order.pk}").first.click()
    expect(page.locator(".dp-log")).to_contain_text(booking["uniqueId"])
    assert "X-AUTH" not in page.content() and stand_in.api_key not in page.content()
    shot("08-booking-on-the-destination-page")

    page.goto(f"/connectors/{connection.public_id}/")
    expect(page.locator(".cp-delivery")).to_contain_text("reached Spotler Activate")
    shot("09-connection-page")
    context.close()
