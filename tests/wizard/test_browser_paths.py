"""In headless Chromium: the paths off the happy one. A refused and an unreachable address,
recovering from them, the default preset's short way to the summary, "Change" and back, and
cancelling the setup. No console error on the way. Screenshots go to test_browser.SHOTS.
"""

import pytest

from integrations.models import Connection
from integrations.roller.models import RollerSettings
from tests.factories import UserFactory
from tests.wizard.test_browser import CHROMIUM, PASSWORD, SHOTS, chromium  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"headless Chromium is not installed at {CHROMIUM}"),
]


@pytest.mark.django_db(transaction=True)
def test_errors_recovery_change_and_cancel_in_a_browser(live_server, sandbox, settings, chromium, monkeypatch):  # noqa: F811
    from wizard.tasks import preview_run

    monkeypatch.setattr(preview_run, "apply_async", lambda *args, **kwargs: None)  # the preview is not the point
    settings.PUBLIC_BASE_URL = live_server.url
    user = UserFactory(username="marketer")
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))

    def shot(name: str) -> None:
        page.screenshot(path=str(SHOTS / f"paths-{name}.png"), full_page=True)

    page.goto("/connectors/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/connectors/")
    page.goto("/connectors/new/roller/")
    page.get_by_role("button", name="Continue").click()  # Default (recommended)
    page.wait_for_url("**/setup/credentials/")
    connection = Connection.objects.get(account=user.membership.account)

    # An http:// address: one error, at its field, and the summary's link reaches the field.
    page.get_by_label("Your venue's own domain").check()
    page.get_by_label("Your venue's API address").fill("http://api.venue.example")
    page.get_by_label("Client ID").fill(sandbox.client_id)
    page.get_by_label("Client Secret").fill(sandbox.client_secret)
    page.get_by_role("button", name="Check and continue").click()
    page.get_by_text("There is a problem").wait_for()
    assert page.locator(".error-summary li").count() == 1
    assert page.locator('.error-summary a[href="#"]').count() == 0
    shot("01-http-address")

    # An address nothing answers at: plain words, what to check, nothing stored, nothing lost.
    page.get_by_label("Your venue's API address").fill("https://127.0.0.1:9")
    page.get_by_label("Client Secret").fill(sandbox.client_secret)
    page.get_by_role("button", name="Check and continue").click()
    page.get_by_text("ROLLER could not be reached").wait_for()
    problem = page.locator(".problem").inner_text()
    assert "Check that the address is right" in problem and "POST /token" not in problem
    assert page.get_by_label("Client ID").input_value() == sandbox.client_id
    assert page.get_by_label("Client Secret").input_value() == sandbox.client_secret  # kept in the browser
    assert not RollerSettings.objects.filter(connection=connection).exists()
    shot("02-unreachable")

    # Recovery: the right environment, the secret still typed, and on.
    page.get_by_label("Local sandbox").check()
    page.get_by_role("button", name="Check and continue").click()
    page.wait_for_url("**/setup/settings/")
    page.get_by_text("connected to “Bounce Around Utrecht”").wait_for()
    shot("03-recovered")

    # The default preset: a name, then straight to the summary.
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/setup/summary/")
    page.get_by_role("heading", name="Check everything before you start").wait_for()
    shot("04-summary-after-the-name")

    # "Change" a step and come back to the summary.
    page.get_by_role("link", name="Change products").click()
    page.wait_for_url("**/setup/products/?from=summary")
    assert page.get_by_role("link", name="Back to the summary").is_visible()
    page.get_by_label("How often").select_option("15")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/setup/summary/")
    page.get_by_role("heading", name="Check everything before you start").wait_for()
    assert Connection.objects.get(pk=connection.pk).products_frequency_minutes == 15

    # Cancel setup: the delete page on its own, not nested in the wizard.
    page.get_by_role("link", name="Change products").click()
    page.wait_for_url("**/setup/products/?from=summary")
    page.get_by_role("link", name="Cancel setup").click()
    page.wait_for_url("**/delete/")
    connection.refresh_from_db()  # named at the settings step
    page.get_by_role("heading", name=f"Delete “{connection.name}”?").wait_for()
    assert page.locator("header.topbar").count() == 1
    assert page.locator("#wizard").count() == 0
    shot("05-cancel-setup")
    page.get_by_label("Yes, delete this connector").check()
    page.get_by_role("button", name="Delete").click()
    page.wait_for_url("**/connectors/")
    page.get_by_text("was deleted").wait_for()
    shot("06-deleted")
    assert not Connection.objects.filter(pk=connection.pk).exists()

    # No console error at all: the favicon is served now, so not even a missing resource.
    errors = [line for line in console if line.startswith("error")]
    assert [line for line in console if "returned no matches" in line] + errors == []
    context.close()
