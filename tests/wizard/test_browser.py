"""End to end in headless Chromium: the whole wizard against the ROLLER sandbox, then a booking.

The site runs in `live_server`; the sandbox is a separate process that registers our webhook
and posts to `PUBLIC_BASE_URL = live_server.url`. Celery runs eagerly in-process (the preview
and whatever activation queues); the stored webhook events are handed over with
`webhook_events_dispatch()`, as the dispatcher process would (there is none in tests).

Screenshots of every step go to a folder under the system's tmp dir (SCREENSHOTS_DIR to
choose another), at desktop width and, for a few steps, at a phone's.
"""

import os
import tempfile
from pathlib import Path

import pytest

from integrations.models import Connection, Order
from integrations.roller.models import RollerSettings
from tests.factories import UserFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "connect-screenshots")
PASSWORD = "correct-horse-battery"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"headless Chromium is not installed at {CHROMIUM}"),
]


@pytest.fixture
def eager_celery():
    from connector_site.celery_app import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def chromium(monkeypatch):
    playwright_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop in this thread; the test's own database calls
    # are still plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.mark.django_db(transaction=True)
def test_the_whole_wizard_in_a_browser(live_server, sandbox, settings, eager_celery, chromium):
    settings.PUBLIC_BASE_URL = live_server.url
    user = UserFactory(username="marketer", is_staff=True, is_superuser=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    phone = context.new_page()  # a second tab, phone-sized, on the same login
    phone.set_viewport_size({"width": 390, "height": 844})

    def shot(name: str, *, on=page, full: bool = True) -> None:
        on.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)

    def on_phone(name: str) -> None:
        """The same step in the phone-sized tab: the top of the screen, and the whole page."""
        phone.goto(page.url)
        shot(f"phone-{name}", on=phone, full=False)
        shot(f"phone-{name}-full", on=phone)

    # Log in (a real form).
    page.goto("/connectors/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/connectors/")

    # 1. Connectors, and the catalogue.
    shot("01-connectors")
    on_phone("01-connectors")
    page.get_by_role("link", name="Add connector").first.click()
    page.wait_for_url("**/connectors/new/")
    shot("02-catalogue")
    page.get_by_role("link", name="Set up ROLLER").click()

    # 2. Preset.
    page.wait_for_url("**/connectors/new/roller/")
    assert page.get_by_label("Default (recommended)").is_checked()
    shot("03-preset")
    page.get_by_label("Manual").check()  # every step, one by one
    page.get_by_role("button", name="Continue").click()

    # 3. Credentials: wrong first (the error, inline), then right.
    page.wait_for_url("**/setup/credentials/")
    assert page.title() == "Credentials · Set up ROLLER · Connect"  # the swapped-in step names the page
    connection = Connection.objects.get(account=user.membership.account)
    page.get_by_label("Local sandbox").check()
    page.get_by_label("Client ID").fill(sandbox.client_id)
    page.get_by_label("Client Secret").fill("not-the-secret")
    page.get_by_role("button", name="Check and continue").click()
    page.get_by_text("ROLLER rejected the Client ID and Client Secret").wait_for()
    assert page.get_by_label("Client Secret").input_value() == ""  # never rendered back
    shot("04-credentials-error")
    on_phone("04-credentials")
    page.get_by_label("Client Secret").fill(sandbox.client_secret)
    page.get_by_role("button", name="Check and continue").click()

    # 4. Connection settings: the venue's name and time zone, from ROLLER.
    page.wait_for_url("**/setup/settings/")
    page.get_by_text("connected to “Bounce Around Utrecht”").wait_for()
    assert page.get_by_label("Name").input_value() == "Bounce Around Utrecht"
    assert page.get_by_text("Europe/Amsterdam").is_visible()
    shot("05-settings")
    page.get_by_role("button", name="Continue").click()

    # 5. Products.
    page.wait_for_url("**/setup/products/")
    shot("06-products")
    page.get_by_role("button", name="Continue").click()

    # 6. Contacts: a short look-back; switching contacts off says orders go too.
    page.wait_for_url("**/setup/contacts/")
    # The back button, forward again, and a reload: each shows the step the address names.
    # htmx keeps no history cache: each step is loaded again from the server. Wait for that
    # load before moving on; going forward while it is still under way raced it.
    with page.expect_event("load"):
        page.go_back()
    page.wait_for_url("**/setup/products/")
    page.get_by_role("heading", name="Products").wait_for()
    with page.expect_event("load"):
        page.go_forward()
    page.wait_for_url("**/setup/contacts/")
    page.get_by_role("heading", name="Contacts and orders").wait_for()
    page.reload()
    page.get_by_role("heading", name="Contacts and orders").wait_for()
    page.get_by_label("Synchronise contacts").uncheck()
    assert page.get_by_text("With contacts off, orders are off too").is_visible()
    shot("07-contacts-off")
    page.get_by_label("Synchronise contacts").check()
    page.get_by_label("Contacts: how far back").select_option("30")
    page.get_by_label("Orders: how far back").select_option("7")
    page.get_by_label("Minimum age").fill("12")
    page.get_by_role("button", name="Continue to the summary").click()
    page.get_by_text("The minimum age is at least 13.").first.wait_for()
    shot("07-contacts-error")
    page.get_by_label("Minimum age").fill("18")
    shot("07-contacts")
    page.get_by_role("button", name="Continue to the summary").click()

    # 7. Summary, with the preview (run by the task, polled by htmx).
    page.wait_for_url("**/setup/summary/")
    page.locator("#preview").get_by_text("would be created").first.wait_for(timeout=60_000)
    assert page.locator("#preview").get_by_text("Nothing was written").is_visible()
    shot("08-summary")
    on_phone("08-summary")
    phone.locator("#preview").screenshot(path=str(SHOTS / "phone-08-summary-preview.png"))
    page.get_by_role("button", name="Continue to activation").click()

    # 8. Activate.
    page.wait_for_url("**/setup/activate/")
    assert page.get_by_text(f"{live_server.url}/webhooks/roller/{connection.public_id}/").is_visible()
    shot("09-activate")
    # ROLLER refuses once: the error on the step, still a draft, then it works on a retry.
    sandbox.fault("/webhooks", status=500, method="POST")
    page.get_by_role("button", name="Activate").click()
    page.get_by_text("The connector was not activated").wait_for()
    assert Connection.objects.get(pk=connection.pk).status == Connection.Status.DRAFT
    shot("09-activate-error")
    page.get_by_role("button", name="Try again").click()
    page.wait_for_url("**/setup/done/")
    page.get_by_text("is active").first.wait_for()
    shot("10-done")
    on_phone("10-done")

    connection.refresh_from_db()
    assert connection.status == Connection.Status.ACTIVE
    roller = RollerSettings.objects.get(connection=connection)
    [webhook] = sandbox.webhooks()
    assert str(webhook["webhookId"]) == roller.webhook_id
    assert webhook["url"] == f"{live_server.url}/webhooks/roller/{connection.public_id}/"
    assert webhook["enabled"]

    # A booking in ROLLER arrives as an order.
    booking = sandbox.online_booking(newGuest=True, email="eva.ende@example.com", firstName="Eva", lastName="Ende")
    deliveries = sandbox.wait_for_deliveries(timeout=20)
    assert any(d["status"] == 200 for d in deliveries if d["type"] == "Booking"), deliveries
    from integrations.services.dispatch import webhook_events_dispatch

    webhook_events_dispatch()
    order = Order.objects.get(connection=connection, external_id=booking["uniqueId"])
    assert order.contact.email == "eva.ende@example.com"

    page.get_by_role("link", name="Go to the connector").click()
    page.wait_for_url(f"**/connectors/{connection.public_id}/")
    page.get_by_text(f"Booking {booking['bookingReference']}").first.wait_for(timeout=15_000)
    shot("11-order-arrived")

    # The settings of the active connection: the same forms, with pause and delete.
    page.goto(f"/connectors/{connection.public_id}/setup/summary/")
    assert page.get_by_role("button", name="Pause").is_visible()
    shot("12-settings-active")

    # Without JavaScript the same steps are plain forms that post and redirect.
    plain = chromium.new_context(
        java_script_enabled=False, base_url=live_server.url, storage_state=context.storage_state()
    )
    no_js = plain.new_page()
    no_js.goto(f"/connectors/{connection.public_id}/setup/products/")
    no_js.get_by_label("How often").select_option("15")
    no_js.get_by_role("button", name="Save changes").click()
    no_js.wait_for_url("**/setup/summary/")
    assert no_js.get_by_text("Saved. The connector uses the new settings from now on.").is_visible()
    connection.refresh_from_db()
    assert connection.products_frequency_minutes == 15
    plain.close()

    page.goto("/connectors/")
    shot("13-connectors")
    on_phone("13-connectors")
    context.close()
