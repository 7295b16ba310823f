"""The connection page: how one connection is doing, for the account's own users.

The page works without JavaScript (buttons are real POST forms, the numbers are on the
page); with htmx the live part (health, counters, import progress, feed) refreshes every
five seconds from `connection_live` (the 7-day chart and "why skipped" with it, out of band),
and the buttons are boosted. Another account's
connection is a 404 (integrations.selectors.connection_for_user).
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from integrations.delivery.selectors.overview import connection_delivery_status
from integrations.delivery.services.destinations import connection_exclusion_set
from integrations.errors import SyncError
from integrations.forms import ReimportRangeForm
from integrations.locality import connection_zone
from integrations.models import Connection, SyncRun
from integrations.outcomes import Outcome
from integrations.selectors.accounts import connection_for_user
from integrations.selectors.health import connection_health
from integrations.selectors.monitoring import (
    CHART_OUTCOMES,
    DayCounts,
    connection_counts,
    outcomes_by_day,
    recent_outcomes,
    skipped_by_reason,
)
from integrations.selectors.progress import first_import_progress
from integrations.services.connections import connection_webhook_register_again
from integrations.services.credentials import connection_credentials_recheck
from integrations.services.events import webhook_events_replay
from integrations.services.import_runs import reimport_request
from integrations.services.products_sync import products_sync_start
from wizard.destinations import destination_for_user
from wizard.feed import feed_items, records_known, subject
from wizard.views.common import connector_label
from wizard.views.redirects import see_other

TEMPLATE = "wizard/connection/detail.html"


@login_required
@require_GET
@vary_on_headers("HX-Request")
def connection_detail(request, public_id):
    connection = connection_for_user(request.user, public_id)
    context = {**_live_context(connection), **_page_context(connection)}
    # A boosted navigation swaps the whole body: it gets the whole page. Any other htmx
    # request (hx-get into a container) gets the page's content without the frame.
    partial = request.htmx and not request.htmx.boosted
    return render(request, f"{TEMPLATE}#page" if partial else TEMPLATE, context)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def connection_live(request, public_id):
    """The polled part of the page. Without htmx there is nothing to poll: go to the page."""
    connection = connection_for_user(request.user, public_id)
    if not request.htmx:
        return redirect("wizard:connection_detail", public_id=connection.public_id)
    # The chart and "why skipped" come along out of band, so they agree with the feed.
    context = {**_live_context(connection), **_page_context(connection), "oob": True}
    parts = [render_to_string(f"{TEMPLATE}#{name}", context, request=request) for name in ("live", "chart", "reasons")]
    return HttpResponse("".join(parts))


@login_required
@require_POST
def connection_sync_products(request, public_id):
    connection = connection_for_user(request.user, public_id)
    if connection.status == Connection.Status.DRAFT:
        messages.error(request, "Finish setting up the connection first.")
    elif not connection.products_enabled:
        messages.error(request, "Products are switched off for this connection: switch them on in its settings.")
    else:
        try:
            products_sync_start(connection=connection, kind=SyncRun.Kind.MANUAL)
        except SyncError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Product sync started: the products will be up to date in a few minutes.")
    return _back(connection)


@login_required
@require_POST
def connection_reimport(request, public_id):
    """Reads a range of days again (a webhook that was down, a fix at the source)."""
    connection = connection_for_user(request.user, public_id)
    form = ReimportRangeForm(request.POST, today=timezone.localdate(timezone=connection_zone(connection)))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(connection)
    start, end = form.range()
    try:
        messages.success(request, reimport_request(connection=connection, start=start, end=end))
    except SyncError as exc:
        messages.error(request, str(exc))
    return _back(connection)


@login_required
@require_POST
def connection_replay(request, public_id):
    connection = connection_for_user(request.user, public_id)
    replayed = webhook_events_replay(connection=connection)
    if not replayed:
        messages.info(request, "There are no failed updates to process again.")
    elif connection.status == Connection.Status.PAUSED:
        text = ngettext(
            "%(n)s failed update will be processed again once the connection resumes.",
            "%(n)s failed updates will be processed again once the connection resumes.",
            replayed,
        )
        messages.success(request, text % {"n": replayed})
    else:
        text = ngettext(
            "%(n)s failed update is being processed again.", "%(n)s failed updates are being processed again.", replayed
        )
        messages.success(request, text % {"n": replayed})
    return _back(connection)


@login_required
@require_POST
def connection_register_webhook(request, public_id):
    """The fix for a webhook the source disabled or lost: register it again, under a new key."""
    connection = connection_for_user(request.user, public_id)
    try:
        connection_webhook_register_again(connection=connection)
    except SyncError as exc:
        messages.error(request, str(exc))
    else:
        label = connector_label(connection.connector_type)
        messages.success(request, f"The webhook is registered again: updates from {label} arrive again.")
    return _back(connection)


@transaction.non_atomic_requests
@login_required
@require_POST
def connection_retry_credentials(request, public_id):
    """ "Retry now" for credentials the source refused: one cheap check, healed when accepted.
    Non-atomic: the check is an HTTP call and must not hold the database."""
    connection = connection_for_user(request.user, public_id)
    label = connector_label(connection.connector_type)
    result = connection_credentials_recheck(connection=connection)
    if result.outcome == "accepted":
        messages.success(request, f"{label} accepted the credentials. {result.healed.sentence()}".strip())
    elif result.outcome == "refused":
        messages.error(request, f"{label} still refuses the credentials: {result.message}")
    else:
        messages.error(request, result.message)
    return _back(connection)


@login_required
@require_POST
def connection_destination_exclusion(request, public_id, destination_type):
    """ "Leave this connection out of <destination>", or take it back in (a backfill of it)."""
    connection = connection_for_user(request.user, public_id)
    destination = destination_for_user(request.user, destination_type)
    excluded = request.POST.get("excluded") == "1"
    connection_exclusion_set(destination, connection, excluded=excluded)
    if excluded:
        messages.success(request, f"{connection.name} is left out of {destination.name}: nothing more of it is sent.")
    else:
        messages.success(request, f"{connection.name} goes to {destination.name} again: what it holds is queued.")
    return _back(connection)


def _back(connection: Connection):
    return see_other("wizard:connection_detail", public_id=connection.public_id)


# --- what the templates get ---------------------------------------------------------------


def _live_context(connection: Connection) -> dict:
    counts = connection_counts(connection=connection)
    return {
        "connection": connection,
        "connector_label": connector_label(connection.connector_type),
        "counts": counts,
        "last_update_ago": _ago(counts.last_webhook_at),
        "health": connection_health(connection=connection, events_dead=counts.events_dead),
        "progress": first_import_progress(connection=connection),
        "feed": feed_items(connection=connection, outcomes=recent_outcomes(connection=connection)),
    }


def _page_context(connection: Connection) -> dict:
    summaries = skipped_by_reason(connection=connection)
    known = records_known(connection=connection, outcomes=[o for summary in summaries for o in summary.examples])
    return {
        "deliveries": connection_delivery_status(connection),
        "chart": chart_layout(outcomes_by_day(connection=connection)),
        "reasons": [
            {"summary": summary, "examples": [(o.created_at, subject(o, known)) for o in summary.examples]}
            for summary in summaries
        ],
    }


def _ago(moment) -> str:
    if moment is None:
        return ""
    if timezone.now() - moment < dt.timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"


# --- the chart: stacked bars as server-rendered SVG (no script, no CDN) -------------------

# The bottom margin holds two lines of day label (weekday, date) at the phone's larger text size.
CHART = {"width": 640, "height": 240, "left": 44, "right": 12, "top": 16, "bottom": 56}


def chart_layout(days: list[DayCounts]) -> dict:
    """Coordinates for a stacked bar per day; the template only draws them."""
    plot_w = CHART["width"] - CHART["left"] - CHART["right"]
    plot_h = CHART["height"] - CHART["top"] - CHART["bottom"]
    base_y = CHART["top"] + plot_h
    top = _nice_ceiling(max((day.total for day in days), default=0))
    slot = plot_w / max(len(days), 1)
    bar_w = round(slot * 0.56, 1)
    bars = []
    for n, day in enumerate(days):
        x = round(CHART["left"] + slot * n + (slot - bar_w) / 2, 1)
        y, segments = base_y, []
        for outcome in CHART_OUTCOMES:
            count = day.counts.get(outcome, 0)
            if not count:
                continue
            height = plot_h * count / top
            y -= height
            segments.append({"outcome": outcome, "label": Outcome(outcome).label, "count": count,
                             "y": round(y, 1), "height": round(height, 1)})  # fmt: skip
        bars.append({"day": day.day, "total": day.total, "x": x, "center": round(x + bar_w / 2, 1),
                     "label_y": round(y - 5, 1), "segments": segments})  # fmt: skip
    ticks = [{"value": round(top * f), "y": round(base_y - plot_h * f, 1)} for f in (0, 0.5, 1)]
    totals = {outcome: sum(day.counts.get(outcome, 0) for day in days) for outcome in CHART_OUTCOMES}
    return {
        **CHART,
        "plot_right": CHART["width"] - CHART["right"],
        "axis_x": CHART["left"] - 6,
        "base_y": base_y,
        "bar_width": bar_w,
        "bars": bars,
        "ticks": ticks,
        "legend": [{"outcome": o, "label": Outcome(o).label, "total": totals[o]} for o in CHART_OUTCOMES],
        "empty": not any(totals.values()),
    }


def _nice_ceiling(value: int) -> int:
    """The axis maximum: 10, 20, 50, 100, 200… at or above the tallest bar."""
    ceiling = 10
    while ceiling < value:
        for step in (2, 2.5, 2):
            ceiling = int(ceiling * step)
            if ceiling >= value:
                break
    return ceiling
