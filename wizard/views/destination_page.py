"""The destination page: what reached the destination, for the account's own users.

In the style of Segment's delivery overview: per kind of record, how many the store holds,
how many were left out (and why), are queued, delivered, failed (with the destination's own
reason) or dead; the age of the oldest record not delivered yet; backfills with their
progress in records; the erasures to do by hand; and the per-record log with each request
and answer (never the authentication headers: they are not stored). Works without JavaScript
(real POST forms); with htmx the live part refreshes every five seconds. Another account's
destination is a 404, as a connection's is.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from integrations.delivery.models import Destination, Erasure, OutboxItem
from integrations.delivery.selectors.overview import delivery_log, destination_overview, destination_zone
from integrations.delivery.services import destinations as destination_services
from integrations.delivery.services.erasures import erasure_mark_done
from integrations.delivery.services.replay import outbox_replay
from wizard import steps
from wizard.destinations import destination_for_user, destination_setup, destination_walk, setup_step, spec_of
from wizard.views.redirects import see_other

TEMPLATE = "wizard/destination/detail.html"
KIND_WORDS = {"product": "Products", "profile": "Profiles", "purchase": "Purchases"}
SENDING_STEP = "sending"


@login_required
@require_GET
@vary_on_headers("HX-Request")
def destination_detail(request, destination_type):
    destination = destination_for_user(request.user, destination_type)
    if steps.is_draft(destination):
        walk = destination_walk(destination_setup(destination_type))
        return redirect(walk.next_step(destination).url(destination))
    context = {**_live_context(destination), **_page_context(request, destination)}
    partial = request.htmx and not request.htmx.boosted
    return render(request, f"{TEMPLATE}#page" if partial else TEMPLATE, context)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def destination_live(request, destination_type):
    """The polled part. Without htmx there is nothing to poll: go to the page."""
    destination = destination_for_user(request.user, destination_type)
    if not request.htmx:
        return redirect("wizard:destination_detail", destination_type=destination_type)
    return HttpResponse(render_to_string(f"{TEMPLATE}#live", _live_context(destination), request=request))


@login_required
@require_POST
def destination_pause(request, destination_type):
    destination = destination_for_user(request.user, destination_type)
    if destination.status == Destination.Status.ACTIVE:
        destination_services.destination_pause(destination, by=request.user.get_username())
        messages.success(request, "Paused: nothing is sent, and every change waits in the queue for the resume.")
    return _back(destination)


@login_required
@require_POST
def destination_resume(request, destination_type):
    destination = destination_for_user(request.user, destination_type)
    if destination.status == Destination.Status.PAUSED:
        destination_services.destination_resume(destination)
        messages.success(request, "Resumed: what waited is on its way.")
    return _back(destination)


@login_required
@require_POST
def destination_replay(request, destination_type):
    """Failed and dead records go again (the latest version of each), of one kind or all."""
    destination = destination_for_user(request.user, destination_type)
    kind = request.POST.get("kind") or None
    if kind not in (None, *OutboxItem.Kind.values):
        kind = None
    replayed = outbox_replay(destination, kind=kind)
    if not replayed:
        messages.info(request, "There are no failed or dead records to send again.")
    elif destination.status != Destination.Status.ACTIVE:
        messages.success(request, f"{replayed} record(s) will be sent again once the destination is active.")
    else:
        messages.success(request, f"{replayed} record(s) are being sent again.")
    return _back(destination)


@login_required
@require_POST
def destination_sending(request, destination_type):
    """What is sent, changed from the page: a backfill for what was turned on, and the word
    that the destination keeps what it has for what was turned off."""
    setup = destination_setup(destination_type)
    destination = destination_for_user(request.user, destination_type)
    step = setup_step(setup, SENDING_STEP)
    form = step.form(request.POST, destination=destination)
    if form.is_valid():
        messages.success(request, step.save(destination=destination, form=form))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return _back(destination)


@login_required
@require_POST
def destination_erasure_done(request, destination_type, erasure_id):
    destination = destination_for_user(request.user, destination_type)
    erasure = get_object_or_404(Erasure, pk=erasure_id, destination=destination)
    if erasure.done_at is None:
        erasure_mark_done(erasure, by=request.user.get_username())
        messages.success(request, f"Marked done: {erasure.email} was erased in {destination.name}.")
    return _back(destination)


def _back(destination: Destination):
    return see_other("wizard:destination_detail", destination_type=destination.destination_type)


# --- what the templates get ---------------------------------------------------------------


def _live_context(destination: Destination) -> dict:
    overview = destination_overview(destination)
    return {
        "destination": destination,
        "label": spec_of(destination.destination_type).label,
        "overview": overview,
        "rows": [{"name": KIND_WORDS.get(step.kind, step.kind), "step": step} for step in overview.steps],
        "oldest_age": _age(overview.oldest_undelivered_age),
        "has_failed": any(step.failed or step.dead for step in overview.steps),
        "zone": destination_zone(destination),
    }


def _page_context(request, destination: Destination) -> dict:
    setup = destination_setup(destination.destination_type)
    kind = request.GET.get("kind") if request.GET.get("kind") in OutboxItem.Kind.values else None
    record = request.GET.get("record", "").strip()[:254] or None
    step = setup_step(setup, SENDING_STEP)
    walk = destination_walk(setup)
    return {
        "log": delivery_log(destination, kind=kind, record_key=record),
        "log_kind": kind or "",
        "log_record": record or "",
        "kinds": [(value, KIND_WORDS[value]) for value in OutboxItem.Kind.values],
        "sending_form": step.form(None, destination=destination),
        "credentials_url": walk.by_key["credentials"].url(destination),
        "erasure_instructions": setup.erasure_instructions,
    }


def _age(age: dt.timedelta | None) -> str:
    if age is None:
        return ""
    seconds = int(age.total_seconds())
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 3600:
        return f"{seconds // 60} minute{'s' if seconds // 60 != 1 else ''}"
    if seconds < 86400:
        return f"{seconds // 3600} hour{'s' if seconds // 3600 != 1 else ''}"
    return f"{seconds // 86400} day{'s' if seconds // 86400 != 1 else ''}"
