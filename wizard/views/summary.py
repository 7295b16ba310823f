"""Step 7: every setting with a link back to its step, the first import's estimated
duration, and the preview (a background task; the page polls its progress with htmx)."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integrations.models import Connection
from integrations.presets import DEFAULT_PRESET
from integrations.selectors.accounts import connection_for_user
from integrations.selectors.progress import first_import_estimate, first_import_progress
from wizard import steps
from wizard.forms import lookback_label
from wizard.models import Preview
from wizard.services import connector_setup, preview_latest, preview_start, settings_fingerprint, wizard_step_complete
from wizard.views.common import connector_label, load_step, redirect_to, render_page, step_context, wants_partial

TEMPLATE = "wizard/summary.html"


@login_required
@require_http_methods(["GET", "POST"])
def summary(request, public_id):
    connection, stop = load_step(request, public_id, "summary")
    if stop:
        return stop
    if request.method == "POST":
        wizard_step_complete(connection=connection, key="summary")
        return redirect_to(request, steps.BY_KEY["activate"].url(connection))
    return render_page(request, TEMPLATE, _context(connection))


@login_required
@require_POST
def preview_again(request, public_id):
    """Runs the preview (again), with the settings as they are now."""
    connection, stop = load_step(request, public_id, "summary")
    if stop:
        return stop
    preview_start(connection=connection)
    if wants_partial(request):
        return render_page(request, TEMPLATE, _preview_context(connection), partial="preview")
    return redirect_to(request, steps.BY_KEY["summary"].url(connection) + "#preview")


@login_required
@require_GET
def preview_status(request, public_id):
    """The preview panel, polled by htmx while the preview runs; a page load goes to the summary."""
    connection = connection_for_user(request.user, public_id)
    if not wants_partial(request):
        return redirect_to(request, steps.BY_KEY["summary"].url(connection) + "#preview")
    return render_page(request, TEMPLATE, _preview_context(connection), partial="preview")


# --- what the template gets -----------------------------------------------------------------


def _context(connection: Connection) -> dict:
    return {
        **_preview_context(connection),
        **step_context(
            connection,
            "summary",
            sections=summary_sections(connection),
            estimate=import_estimate(connection),
            progress=first_import_progress(connection=connection),
        ),
    }


def _preview_context(connection: Connection) -> dict:
    preview = preview_latest(connection=connection)
    stale = preview is not None and preview.settings_fingerprint != settings_fingerprint(connection=connection)
    return {
        "connection": connection,
        "preview": preview,
        "preview_stale": stale,
        "preview_window": _window_text(preview.result if preview else {}),
        "Preview": Preview,
    }


def _window_text(result: dict) -> str:
    """ "from 20 to 26 Nov 2026", in the venue's dates the preview read."""
    try:
        start, end = dt.date.fromisoformat(result["window_start"]), dt.date.fromisoformat(result["window_end"])
    except (KeyError, TypeError, ValueError):
        return ""
    if (start.year, start.month) == (end.year, end.month):
        return f"from {start.day} to {end.day} {end:%b %Y}"
    return f"from {start.day} {start:%b} to {end.day} {end:%b %Y}"


def summary_sections(connection: Connection) -> list[dict]:
    """Every setting, grouped by the step that sets it, with the recommended value beside
    any that differs from the default preset."""
    setup = connector_setup(connection)
    credentials = setup.summary_rows(connection=connection) if setup else []
    label = connector_label(connection.connector_type)
    c = connection

    def row(label: str, value, field: str | None = None) -> dict:
        recommended = None
        if field is not None:
            default = getattr(DEFAULT_PRESET, field)
            if getattr(c, field) != default:
                recommended = _display(c, field, default)
        return {"label": label, "value": value, "recommended": recommended}

    def url(key: str) -> str:
        # "Change" comes back here once saved (common.step_done), draft or not.
        return f"{steps.BY_KEY[key].url(connection)}?{steps.RETURN_TO_SUMMARY}"

    orders = "On: orders follow contacts" if c.orders_enabled else "Off, because contacts are off"
    return [
        {"title": "Preset", "url": url("preset"), "rows": [row("Preset", c.get_preset_display() or "—")]},
        {
            "title": "Credentials",
            "url": url("credentials"),
            "rows": [row(name, value) for name, value in credentials],
        },
        {
            "title": "Connection settings",
            "url": url("settings"),
            "rows": [
                row("Name", c.name),
                row(f"Time zone (from {label})", c.time_zone),
                row("Opt-in strategy", c.get_opt_in_strategy_display(), "opt_in_strategy"),
            ],
        },
        {
            "title": "Products",
            "url": url("products"),
            "rows": [
                row("Synchronise products", _yes(c.products_enabled), "products_enabled"),
                row("How often", c.get_products_frequency_minutes_display(), "products_frequency_minutes"),
            ],
        },
        {
            "title": "Contacts and orders",
            "url": url("contacts"),
            "rows": [
                row("Synchronise contacts", _yes(c.contacts_enabled), "contacts_enabled"),
                row("Orders", orders),
                row("What to do with guests", c.get_contacts_mode_display(), "contacts_mode"),
                row("Match contacts on", c.get_matching_key_display(), "matching_key"),
                row("Minimum age", f"{c.minimum_age} (nothing about younger guests is stored)", "minimum_age"),
                row("First import of contacts", _days(c.contacts_lookback_days), "contacts_lookback_days"),
                row("First import of orders", _days(c.orders_lookback_days), "orders_lookback_days"),
            ],
        },
    ]


def import_estimate(connection: Connection) -> dict | None:
    """The first import's estimated calls and duration (the imports service's own estimate)."""
    estimate = first_import_estimate(connection=connection)
    return {
        "calls": estimate.calls,
        "seconds": estimate.seconds,
        "text": duration_text(estimate.seconds),
        "exports": estimate.export_text,
    }


def duration_text(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 90:
        return "about a minute" if seconds > 30 else "less than a minute"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"about {minutes} minutes"
    hours = seconds / 3600
    return f"about {hours:.1f} hours".replace(".0 ", " ")


def _display(connection: Connection, field: str, value) -> str:
    if isinstance(value, bool):
        return _yes(value)
    if field.endswith("_lookback_days"):
        return _days(value)
    choices = connection._meta.get_field(field).choices
    return str(dict(choices).get(value, value)) if choices else str(value)


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def _days(days: int) -> str:
    return lookback_label(days)
