"""Step 1: the account's connectors with their status, and where each draft stands."""

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from integrations.registry import connectors_all
from integrations.selectors.accounts import connections_for_user
from wizard import steps
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
    return render_page(request, "wizard/connection_list.html", {"connections": rows, "connectors": connectors_all()})
