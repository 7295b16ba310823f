"""Step 1: the account's connectors with their status, and where each draft stands."""

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from integrations.registry import connectors_all
from integrations.selectors.accounts import connections_for_user
from wizard import steps
from wizard.destinations import destination_walk, destinations_for_user, setup_specs
from wizard.views.common import connection_page_url, connector_label, render_page


@login_required
@require_GET
def connection_list(request):
    rows = []
    for connection in connections_for_user(request.user):
        draft = steps.is_draft(connection)
        resume = steps.next_step(connection)
        rows.append(
            {
                "connection": connection,
                "label": connector_label(connection.connector_type),
                "page_url": None if draft else connection_page_url(connection),
                "resume_number": steps.step_number(resume.key),
                "resume_title": resume.title,
            }
        )
    context = {"connections": rows, "connectors": connectors_all(), "destinations": destination_rows(request.user)}
    return render_page(request, "wizard/connection_list.html", context)


def destination_rows(user) -> list[dict]:
    """Each destination that can be set up, with the account's one of its type (or None)."""
    had = {destination.destination_type: destination for destination in destinations_for_user(user)}
    rows = []
    for spec in setup_specs():
        destination = had.get(spec.type)
        resume = destination_walk(spec.setup).next_step(destination) if destination is not None else None
        rows.append({"spec": spec, "destination": destination, "resume": resume})
    return rows
