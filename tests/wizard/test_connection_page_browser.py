"""The connection page in headless Chromium, with data from the ROLLER sandbox; saves screenshots.

The sandbox delivers its webhooks to the live server; there is no dispatcher or worker in
tests, so the events are handed over by `webhook_events_dispatch()` with Celery running its
tasks eagerly, in this process. Screenshots go to tests.wizard.test_browser.SHOTS (a tmp dir).
"""

import datetime as dt
import os

import pytest

from connector_site.celery_app import app as celery_app
from integrations.models import Account, Connection, OutcomeDailyCount, SyncRun, WebhookEvent
from integrations.outcomes import Entity, Outcome, Reason
from integrations.roller.models import RollerSettings
from integrations.roller.services import roller_connection_create, roller_venue_refresh
from integrations.selectors.monitoring import venue_today
from integrations.selectors.progress import import_progress
from integrations.services import import_runs, import_windows
from integrations.services.accounts import account_user_ensure
from integrations.services.connections import connection_activate
from integrations.services.dispatch import webhook_events_dispatch
from tests.wizard.test_browser import SHOTS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = SHOTS
USERNAME, PASSWORD = "venue-manager", "connect-demo-2026"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"headless Chromium is not installed at {CHROMIUM}"),
]


@pytest.fixture
def eager_celery():
    """Tasks run in this process as they are published (no worker in tests)."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = saved


@pytest.fixture
def venue(settings, live_server, roller_sandbox, monkeypatch):
    """An active sandbox connection whose webhooks reach the live server, and its user.

    As `manage.py roller_connect` does it, with a first import of ten days rather than ten
    years, whose windows the test steps through itself (nothing publishes them).
    """
    settings.PUBLIC_BASE_URL = live_server.url
    settings.ROLLER_SANDBOX_URL = roller_sandbox.url
    settings.ROLLER_PACING_ENABLED = False
    for module in (import_runs, import_windows):
        monkeypatch.setattr(module, "window_publish", lambda *, sync_run_id: None)
    account = Account.objects.create(name="Demo Venues")
    connection = roller_connection_create(
        account=account,
        name="Bounce Around Utrecht",
        environment=RollerSettings.Environment.SANDBOX,
        client_id=roller_sandbox.client_id,
        client_secret=roller_sandbox.client_secret,
        custom_base_url=roller_sandbox.url,
    )
    Connection.objects.filter(pk=connection.pk).update(contacts_lookback_days=10, orders_lookback_days=10)
    connection.refresh_from_db()
    roller_venue_refresh(roller_settings=connection.roller)
    connection_activate(connection=connection)
    account_user_ensure(account_name="Demo Venues", username=USERNAME, password=PASSWORD)
    return Connection.objects.get(pk=connection.pk)


def first_import_steps(connection, windows: int) -> None:
    """What the import workers do, one window at a time: here, only the first few."""
    for _ in range(windows):
        run = import_runs.chain_runs(connection).filter(status=SyncRun.Status.RUNNING).first()
        if run is None:
            return
        import_windows.import_window_process(sync_run_id=run.pk)


def process_events() -> None:
    """What the dispatcher and the workers do, in this process."""
    while webhook_events_dispatch():
        pass


def sandbox_activity(sandbox) -> dict:
    bookings = [sandbox.online_booking() for _ in range(3)]
    sandbox.pos_sale(with_customer=False)  # on-site without a customer: skipped, reason shown
    sandbox.pos_sale(with_customer=True)
    sandbox.waiver(minors=2)  # minors: skipped, nothing about them kept
    sandbox.guest_update(guestId=bookings[0]["customerId"])
    sandbox.booking_cancel(uniqueId=bookings[1]["uniqueId"])
    sandbox.wait_for_deliveries()
    return {"bookings": bookings}


def past_week_history(connection) -> None:
    """The sandbox can only make today's records; the chart's other six days come from here."""
    today = venue_today(connection)
    for days_ago, created, updated, skipped in [(6, 14, 5, 2), (5, 22, 9, 4), (4, 9, 3, 1), (3, 31, 12, 6),
                                                  (2, 18, 7, 3), (1, 26, 11, 5)]:  # fmt: skip
        day = today - dt.timedelta(days=days_ago)
        for outcome, count, reason in [
            (Outcome.CREATED, created, ""),
            (Outcome.UPDATED, updated, ""),
            (Outcome.SKIPPED, skipped, Reason.ONSITE_WITHOUT_CONTACT),
        ]:
            OutcomeDailyCount.objects.create(
                connection=connection, day=day, entity=Entity.ORDER, outcome=outcome, reason=reason, count=count
            )


@pytest.mark.django_db(transaction=True)
def test_screenshots_of_the_connection_page_with_sandbox_data(
    venue, live_server, roller_sandbox, eager_celery, monkeypatch
):
    from playwright.sync_api import expect, sync_playwright

    first_import_steps(venue, windows=18)
    activity = sandbox_activity(roller_sandbox)
    process_events()
    past_week_history(venue)
    assert WebhookEvent.objects.filter(connection=venue, status="processed").exists()
    assert not WebhookEvent.objects.filter(connection=venue, status__in=["received", "failed", "dead"]).exists()
    progress = import_progress(connection=venue)
    assert 0 < progress.windows_done < progress.windows_total  # the first import is under way

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page_url = f"{live_server.url}/connectors/{venue.public_id}/"
    # Playwright's sync API runs an event loop in this thread; the ORM calls below are
    # ordinary synchronous ones, made between browser steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{live_server.url}/login/")
            page.fill("input[name=username]", USERNAME)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(page_url)

            expect(page.locator(".cp-health h2")).to_have_text("Connected")
            expect(page.locator("#live")).to_contain_text(f"Booking {activity['bookings'][2]['bookingReference']}")
            expect(page.locator(".cp-reasons")).to_contain_text("On-site sale without an identified customer")
            expect(page.locator(".cp-reasons")).to_contain_text("minor")
            expect(page.locator(".cp-import")).to_contain_text(f"{progress.records} record")
            page.screenshot(path=str(SCREENSHOTS / "connection_page.png"), full_page=True)

            # A new booking shows up without a reload: htmx polls the live part every 5 s.
            booking = roller_sandbox.online_booking()
            roller_sandbox.wait_for_deliveries()
            process_events()
            expect(page.locator("#live")).to_contain_text(f"Booking {booking['bookingReference']}", timeout=12_000)
            page.locator("#live").screenshot(path=str(SCREENSHOTS / "connection_page_live_update.png"))

            # The reconciliation finds the webhook disabled at ROLLER: needs attention, with the fix.
            from integrations.services.reconciliation import webhook_check

            roller = RollerSettings.objects.get(connection=venue)
            roller_sandbox.disable_webhook(int(roller.webhook_id))
            assert webhook_check(connection=venue)
            expect(page.locator(".cp-health h2")).to_have_text("Needs attention", timeout=12_000)
            page.screenshot(path=str(SCREENSHOTS / "connection_page_needs_attention.png"), full_page=True)

            # The fix is one button: a boosted POST form, back on the page, healthy again.
            page.get_by_role("button", name="Register webhook again").click()
            expect(page.locator(".message.success")).to_contain_text("The webhook is registered again")
            expect(page.locator(".cp-health h2")).to_have_text("Connected")
            assert [hook["enabled"] for hook in roller_sandbox.webhooks()] == [True]
            page.screenshot(path=str(SCREENSHOTS / "connection_page_fixed.png"), full_page=True)

            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            phone.context.add_cookies(page.context.cookies())
            phone.goto(page_url)
            expect(phone.locator(".cp-health h2")).to_have_text("Connected")
            phone.screenshot(path=str(SCREENSHOTS / "connection_page_phone.png"), full_page=True)
            phone.screenshot(path=str(SCREENSHOTS / "connection_page_phone_top.png"))
            for part in ("feed", "chart"):
                phone.locator(f".cp-{part}").screenshot(path=str(SCREENSHOTS / f"connection_page_phone_{part}.png"))
        finally:
            browser.close()

    for name in ("connection_page", "connection_page_live_update", "connection_page_needs_attention"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000
