"""What every wizard view shares: full page or partial, redirects, the step guard.

Every step is a real `<form method="post">`: without JavaScript it posts and follows a
redirect. With htmx the form posts in the background (`hx-post`, target `#wizard`): errors
come back as the `wizard` partial and are swapped in place; success answers `HX-Location`,
so htmx fetches the next step's partial and pushes its address into the history.
"""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseLocation

from integrations.models import Connection
from integrations.registry import connector_get
from integrations.selectors.accounts import connection_for_user
from wizard import steps
from wizard.services import preset_steps_complete

PARTIAL = "wizard"
TARGET = "#wizard"
VARY = ("HX-Request", "HX-Boosted")


def wants_partial(request) -> bool:
    """Only htmx's own swaps get the partial; a boosted link or a history restore wants a page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def posted(request):
    """The form data of a POST (even an empty one: it must show "required"), else None."""
    return request.POST if request.method == "POST" else None


def render_page(request, template: str, context: dict, *, partial: str = PARTIAL, status: int = 200) -> HttpResponse:
    name = template
    if wants_partial(request):
        name = f"{template}#{partial}"
        # The partial carries its <title> (htmx takes it for the page) and focuses its heading.
        context = {**context, "partial_request": partial == PARTIAL}
    response = render(request, name, context, status=status)
    patch_vary_headers(response, VARY)
    return response


def redirect_to(request, url: str) -> HttpResponse:
    response = (
        HttpResponseLocation(url, target=TARGET, swap="outerHTML")
        if wants_partial(request)
        else HttpResponseRedirect(url)
    )
    patch_vary_headers(response, VARY)
    return response


def connector_label(connector_type: str) -> str:
    spec = connector_get(connector_type)
    return spec.label if spec else connector_type


def connection_page_url(connection: Connection) -> str | None:
    """The connection's own page (the monitoring issue's), when it is installed."""
    try:
        return reverse("wizard:connection_detail", kwargs={"public_id": connection.public_id})
    except NoReverseMatch:
        return None


def step_context(connection: Connection | None, key: str, **extra) -> dict:
    label = connector_label(connection.connector_type if connection else extra.get("connector_type", ""))
    page_url = connection_page_url(connection) if connection is not None else None
    return {
        **walk_context(
            steps.CONNECTION,
            connection,
            key,
            label=label,
            name=connection.name if connection else "",
            page_url=page_url,
        ),
        "connection": connection,
        "connection_page_url": page_url,
        **extra,
    }


def walk_context(walk: steps.Walk, subject, key: str, *, label: str, name: str, page_url: str | None) -> dict:
    """What every step's page shows of where it is, for any kind of setup (a connection, a
    destination): the step indicator, the title, the way back."""
    step = walk.by_key[key]
    previous = walk.step_before(key)
    draft = subject is None or steps.is_draft(subject)
    title_while_drafting = f"{step.title} · Set up {label}" if label else step.title
    page_title = title_while_drafting if draft else f"{step.title} · {name}"
    return {
        "page_title": page_title,
        "is_draft": draft,
        "step": step,
        "step_number": walk.step_number(key),
        "step_count": len(walk.steps),
        "steps": walk.indicator(subject, key),
        "back_url": previous.url(subject) if previous and subject is not None else None,
        "connector_label": label,
        "subject_name": name,
        "subject_page_url": page_url,
    }


def load_step(request, public_id, key: str) -> tuple[Connection, HttpResponse | None]:
    """The user's connection (404 for anyone else's) and, when the step may not be visited
    yet, the redirect to the step to finish first."""
    connection = connection_for_user(request.user, public_id)
    if steps.step_reachable(connection, key):
        return connection, None
    resume = steps.next_step(connection)
    messages.info(request, f"Finish “{resume.title}” first.")
    return connection, redirect_to(request, resume.url(connection))


def step_done(request, connection: Connection, key: str) -> HttpResponse:
    """After a step was saved: a draft goes on to the next step (or, with the default preset,
    past the steps it filled in, to the summary), a live connection back to its summary, and a
    step opened with "Change" from the summary back there."""
    summary = steps.BY_KEY["summary"].url(connection)
    if not steps.is_draft(connection):
        messages.success(request, "Saved. The connector uses the new settings from now on.")
        return redirect_to(request, summary)
    if returns_to_summary(request) and steps.step_reachable(connection, "summary"):
        return redirect_to(request, summary)
    if steps.preset_skips(connection, key):
        preset_steps_complete(connection=connection)
        messages.info(request, "The recommended settings are used for the rest: check them here and change any.")
        return redirect_to(request, summary)
    return redirect_to(request, steps.step_after(key).url(connection))


def returns_to_summary(request) -> bool:
    return request.GET.get("from") == "summary"
