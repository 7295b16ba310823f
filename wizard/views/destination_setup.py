"""A destination's setup on the generic wizard.

The destination's spec declares its steps (integrations.setup.SetupStep); one view walks them,
each by its kind, with the connection's rules (wizard.steps.Walk) and templates: credentials
checked before anything is saved (`credentials_checked`, shared with the connection's step),
a form step, the summary with what to create in the destination first, and activation.
An account has one destination of a type: "Connect" on the Connectors page finds the one it
has and links it rather than making a second. Non-atomic: the credentials check and
activation call the destination and must not hold the database.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_POST

from integrations.delivery.models import Destination
from integrations.delivery.services.destinations import destination_credentials_confirmed
from integrations.errors import SyncError
from integrations.selectors.accounts import account_for_user
from integrations.setup import DestinationSetupSpec, SetupStep
from wizard import steps
from wizard.destinations import (
    destination_draft_cancel,
    destination_draft_start,
    destination_for_user,
    destination_setup,
    destination_walk,
    setup_step,
    spec_of,
)
from wizard.forms import DestinationCancelForm
from wizard.views.common import VARY, posted, redirect_to, render_page, walk_context
from wizard.views.credentials import credentials_checked


def destination_page_url(destination: Destination) -> str:
    return reverse("wizard:destination_detail", kwargs={"destination_type": destination.destination_type})


@login_required
@require_POST
def destination_start(request, destination_type):
    """ "Connect" from the Connectors page: a draft, or the account's one destination of the type."""
    setup = destination_setup(destination_type)
    account = account_for_user(request.user)
    if account is None:
        raise PermissionDenied("Your login does not belong to an account.")
    destination, created = destination_draft_start(account=account, destination_type=destination_type)
    walk = destination_walk(setup)
    if created or steps.is_draft(destination):
        return redirect_to(request, walk.next_step(destination).url(destination))
    # A second one would send every record twice: the account has it already.
    messages.info(request, f"{destination.name} is connected already: this is its page.")
    return redirect_to(request, destination_page_url(destination))


@login_required
@require_http_methods(["GET", "POST"])
def destination_cancel(request, destination_type):
    """ "Cancel setup" of a draft: asks first, then deletes the draft with what it saved.
    A connected destination is not cancelled here: it is paused on its page."""
    destination = destination_for_user(request.user, destination_type)
    walk = destination_walk(destination_setup(destination_type))
    form = DestinationCancelForm(posted(request))
    if not steps.is_draft(destination):
        messages.error(request, f"{destination.name} is connected: pause it on its page to stop sending.")
        return redirect_to(request, destination_page_url(destination))
    if request.method == "POST" and form.is_valid():
        if destination_draft_cancel(destination):
            messages.success(request, f"The setup of {destination.name} was cancelled: nothing of it is kept.")
            return redirect_to(request, reverse("wizard:connection_list"))
        messages.error(request, f"{destination.name} was activated meanwhile: it stays connected.")
        return redirect_to(request, destination_page_url(destination))
    context = {"destination": destination, "form": form, "resume_url": walk.next_step(destination).url(destination)}
    response = render(request, "wizard/destination_cancel.html", context)
    patch_vary_headers(response, VARY)
    return response


@transaction.non_atomic_requests
@login_required
@require_http_methods(["GET", "POST"])
def destination_step(request, destination_type, key):
    setup = destination_setup(destination_type)
    destination = destination_for_user(request.user, destination_type)
    walk = destination_walk(setup)
    step = setup_step(setup, key)
    if not walk.step_reachable(destination, key):
        resume = walk.next_step(destination)
        messages.info(request, f"Finish “{resume.title}” first.")
        return redirect_to(request, resume.url(destination))
    handler = {"credentials": _credentials, "form": _form, "summary": _summary, "activate": _activate}[step.kind]
    return handler(request, destination, setup, walk, step)


# --- the kinds of step --------------------------------------------------------------------


def _credentials(request, destination: Destination, setup: DestinationSetupSpec, walk, step: SetupStep):
    label = destination.name
    stored = setup.account(destination=destination)
    form = setup.credentials_form(posted(request), destination=destination)
    problem = None
    if request.method == "POST" and form.is_valid():
        draft = steps.is_draft(destination)
        account, problem = credentials_checked(setup, form, stored=stored, live=not draft, what="destination")
        if account is not None:
            with transaction.atomic():
                setup.credentials_save(destination=destination, form=form, account=account)
                walk.step_complete(destination, step.key)
            accepted = f"{label} accepted the Account ID and API key: connected to “{account.name}”."
            if not draft:
                # The fix for a key the destination refused: the destination resumes at once.
                destination_credentials_confirmed(destination)
                accepted = f"{accepted} Sending resumes now."
            messages.success(request, accepted)
            return _step_done(request, destination, setup, walk, step)
    context = _context(
        destination,
        walk,
        step,
        form=form,
        problem=problem,
        account=stored,
        setup=setup,
        title=setup.credentials_title or f"Connect to {label}",
        intro=setup.credentials_intro or f"Continue checks the credentials with {label} before anything is saved.",
        busy_label=f"Checking with {label}…",
    )
    return render_page(request, "wizard/credentials.html", context)


def _form(request, destination: Destination, setup: DestinationSetupSpec, walk, step: SetupStep):
    form = step.form(posted(request), destination=destination)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            said = step.save(destination=destination, form=form)
            walk.step_complete(destination, step.key)
        if said:
            messages.success(request, said)
        return _step_done(request, destination, setup, walk, step)
    context = _context(destination, walk, step, form=form, intro=step.intro)
    return render_page(request, "wizard/destination_form.html", context)


def _summary(request, destination: Destination, setup: DestinationSetupSpec, walk, step: SetupStep):
    if request.method == "POST":
        walk.step_complete(destination, step.key)
        return redirect_to(request, walk.step_after(step.key).url(destination))
    sections = [
        {
            "title": other.title,
            "url": f"{walk.by_key[other.key].url(destination)}?{steps.RETURN_TO_SUMMARY}",
            "rows": [{"label": label, "value": value} for label, value in other.rows(destination=destination)],
        }
        for other in setup.steps
        if other.rows is not None
    ]
    prerequisites = setup.prerequisites(destination=destination) if setup.prerequisites else []
    context = _context(destination, walk, step, sections=sections, prerequisites=prerequisites, setup=setup)
    return render_page(request, "wizard/destination_summary.html", context)


def _activate(request, destination: Destination, setup: DestinationSetupSpec, walk, step: SetupStep):
    if not steps.is_draft(destination):
        return redirect_to(request, destination_page_url(destination))
    error = None
    if request.method == "POST":
        try:
            setup.activate(destination=destination)
        except SyncError as exc:
            error = str(exc)
        else:
            walk.step_complete(destination, step.key)
            messages.success(request, f"{destination.name} is active: what the store holds is on its way.")
            return redirect_to(request, destination_page_url(destination))
    prerequisites = setup.prerequisites(destination=destination) if setup.prerequisites else []
    context = _context(destination, walk, step, error=error, setup=setup, prerequisites=prerequisites)
    return render_page(request, "wizard/destination_activate.html", context)


# --- shared -------------------------------------------------------------------------------


def _context(destination: Destination, walk, step: SetupStep, **extra) -> dict:
    spec = spec_of(destination.destination_type)
    page_url = None if steps.is_draft(destination) else destination_page_url(destination)
    return {
        **walk_context(walk, destination, step.key, label=spec.label, name=destination.name, page_url=page_url),
        "destination": destination,
        "connection": None,
        **extra,
    }


def _step_done(request, destination: Destination, setup: DestinationSetupSpec, walk, step: SetupStep):
    """A draft goes on (or back to the summary it came from); a live destination to its page."""
    if not steps.is_draft(destination):
        return redirect_to(request, destination_page_url(destination))
    summary = next((other.key for other in setup.steps if other.kind == "summary"), None)
    if summary and request.GET.get("from") == "summary" and walk.step_reachable(destination, summary):
        return redirect_to(request, walk.by_key[summary].url(destination))
    return redirect_to(request, walk.step_after(step.key).url(destination))
