"""Step 7: every setting with a link to its step, the first import's estimate, the preview."""

import pytest

from tests.wizard.conftest import HTMX, assert_moved_to, assert_page, make_draft, step_url
from wizard.models import Preview
from wizard.services import settings_fingerprint

pytestmark = pytest.mark.django_db

RESULT = {
    "days": 7,
    "window_start": "2026-11-20",
    "window_end": "2026-11-26",
    "bookings_read": 12,
    "bookings_limit": 300,
    "truncated": False,
    "guests_read": 9,
    "orders": {
        "create": 9,
        "update": 0,
        "skip": 3,
        "reasons": [
            {"reason": "onsite_without_contact", "label": "On-site sale without an identified customer", "count": 3}
        ],
        "examples": {
            "create": [
                {
                    "reference": "5030088",
                    "visit_date": "2026-11-30",
                    "channel": "Consumer",
                    "total": "45.50",
                    "currency": "EUR",
                    "contact": "Sara J.",
                }
            ]
        },
    },
    "contacts": {
        "create": 8,
        "update": 0,
        "skip": 1,
        "reasons": [{"reason": "minor", "label": "The guest is a minor", "count": 1}],
        "examples": {},
    },
}


@pytest.fixture
def draft(account):
    return make_draft(account, step="contacts", name="Bounce Utrecht", minimum_age=21)


@pytest.fixture
def no_broker(monkeypatch):
    from wizard.tasks import preview_run

    sent = []
    monkeypatch.setattr(preview_run, "apply_async", lambda args, **kwargs: sent.append(args[0]))
    return sent


def preview(connection, **fields) -> Preview:
    fields.setdefault("settings_fingerprint", settings_fingerprint(connection=connection))
    return Preview.objects.create(connection=connection, **fields)


def test_every_setting_is_listed_with_a_link_to_its_step(browser_client, draft, headers, htmx):
    html = assert_page(browser_client.get(step_url(draft, "summary"), headers=headers), htmx=htmx)

    for key in ("preset", "credentials", "settings", "products", "contacts"):
        assert f'href="{step_url(draft, key)}"' in html
    for text in (
        "Bounce Utrecht",
        "Bounce Around Utrecht",
        "sandbox-demo-client",
        "Stored (never shown)",
        "Europe/Amsterdam",
    ):
        assert text in html
    assert "sandbox-demo-secret" not in html
    assert "recommended: 18" in html  # the minimum age differs from the default preset
    assert "First import" in html


def test_the_estimate_of_the_first_import_is_shown(browser_client, draft, monkeypatch):
    from wizard.views import summary

    monkeypatch.setattr(
        summary, "import_estimate", lambda connection: {"calls": 3660, "seconds": 2440, "text": "about 41 minutes"}
    )

    html = browser_client.get(step_url(draft, "summary")).content.decode()

    assert "The recent days first: <strong>about 41 minutes</strong> (3660 calls to ROLLER" in html


def test_a_running_preview_shows_its_progress_and_is_polled(browser_client, draft, headers, htmx):
    preview(draft, status=Preview.Status.RUNNING, progress=40, progress_text="Reading bookings of 23 Nov")

    html = assert_page(browser_client.get(step_url(draft, "summary"), headers=headers), htmx=htmx)

    assert 'hx-get="/connectors/' in html and 'hx-trigger="every 1s"' in html
    assert 'value="40"' in html and "Reading bookings of 23 Nov" in html


def test_a_finished_preview_shows_counts_reasons_and_examples(browser_client, draft):
    preview(draft, status=Preview.Status.DONE, result=RESULT)

    html = browser_client.get(step_url(draft, "summary")).content.decode()

    assert 'hx-trigger="every 1s"' not in html
    assert '<span class="num ok">9</span> would be created' in html
    assert "On-site sale without an identified customer" in html
    assert "5030088" in html and "Sara J." in html
    assert "Nothing was written" in html


def test_a_preview_of_other_settings_says_so(browser_client, draft):
    preview(draft, status=Preview.Status.DONE, result=RESULT, settings_fingerprint="old")

    assert (
        "The settings changed since this preview ran" in browser_client.get(step_url(draft, "summary")).content.decode()
    )


def test_a_failed_preview_shows_why(browser_client, draft):
    preview(draft, status=Preview.Status.FAILED, error="ROLLER kept failing with 503; try again later.")

    html = browser_client.get(step_url(draft, "summary")).content.decode()

    assert "The preview did not finish" in html and "ROLLER kept failing with 503" in html
    assert "Run again" in html


def test_polling_gets_the_preview_panel_only(browser_client, draft):
    preview(draft, status=Preview.Status.RUNNING, progress=70)
    url = f"/connectors/{draft.public_id}/setup/preview/"

    panel = browser_client.get(url, headers=HTMX)
    page = browser_client.get(url)

    assert panel.content.decode().lstrip().startswith('<section id="preview"')
    assert "HX-Request" in panel["Vary"]
    assert page.status_code == 302 and page["Location"] == step_url(draft, "summary") + "#preview"


def test_the_preview_can_be_run_again(
    browser_client, draft, headers, htmx, no_broker, django_capture_on_commit_callbacks
):
    old = preview(draft, status=Preview.Status.DONE, result=RESULT)

    with django_capture_on_commit_callbacks(execute=True):
        response = browser_client.post(f"/connectors/{draft.public_id}/setup/preview/run/", headers=headers)

    new = Preview.objects.get(connection=draft)
    assert new.pk != old.pk and new.status == Preview.Status.QUEUED
    assert no_broker == [new.pk]
    if htmx:
        assert response.content.decode().lstrip().startswith('<section id="preview"')
        assert 'hx-trigger="every 1s"' in response.content.decode()
    else:
        assert response.status_code == 302 and response["Location"].endswith("/setup/summary/#preview")


def test_continue_goes_to_activation(browser_client, draft, headers, htmx):
    response = browser_client.post(step_url(draft, "summary"), headers=headers)

    assert_moved_to(response, step_url(draft, "activate"), htmx=htmx)
    draft.refresh_from_db()
    assert draft.wizard_step == "summary"


def test_the_summary_waits_for_the_earlier_steps(browser_client, account):
    connection = make_draft(account, step="settings")

    response = browser_client.get(step_url(connection, "summary"))

    assert response.status_code == 302 and response["Location"] == step_url(connection, "products")


def test_change_from_the_summary_comes_back_to_the_summary(browser_client, account, headers, htmx):
    from tests.wizard.conftest import assert_moved_to, make_draft, step_url

    draft = make_draft(account, step="summary", preset="manual")
    summary = browser_client.get(step_url(draft, "summary")).content.decode()
    change = f"{step_url(draft, 'products')}?from=summary"
    assert f'href="{change}"' in summary

    page = browser_client.get(change, headers=headers).content.decode()
    assert f'action="{change}"' in page and "Back to the summary" in page
    response = browser_client.post(
        change, {"products_enabled": "on", "products_frequency_minutes": "15"}, headers=headers
    )

    assert_moved_to(response, step_url(draft, "summary"), htmx=htmx)
