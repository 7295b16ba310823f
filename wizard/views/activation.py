"""Step 8: activation through `connection_activate`, and the result page after it.

Activation is all or nothing: when the source refuses the webhook, the connection stays a
draft, the error is shown on this step, and the button can be pressed again. A webhook
address the source would refuse (the connector's WebhookPlan.problem) is named before anyone
presses it. Non-atomic: activation calls the source and commits in its own steps.
"""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from integrations.errors import SyncError
from integrations.models import Connection
from integrations.selectors.accounts import connection_for_user
from integrations.selectors.progress import first_import_progress
from integrations.services.alerts import alert_recipients
from integrations.services.connections import connection_activate
from wizard import steps
from wizard.services import connector_setup, wizard_step_complete
from wizard.views.common import load_step, redirect_to, render_page, step_context
from wizard.views.summary import import_estimate


@transaction.non_atomic_requests
@login_required
@require_http_methods(["GET", "POST"])
def activate(request, public_id):
    connection, stop = load_step(request, public_id, "activate")
    if stop:
        return stop
    if not steps.is_draft(connection):
        return _status_page(request, connection)
    error = None
    if request.method == "POST":
        try:
            connection_activate(connection=connection)
        except SyncError as exc:
            connection.refresh_from_db()
            error = str(exc)
        else:
            wizard_step_complete(connection=connection, key="activate")
            return redirect_to(request, _done_url(connection))
    context = step_context(
        connection,
        "activate",
        **_connector_context(connection),
        error=error,
        estimate=import_estimate(connection),
    )
    return render_page(request, "wizard/activate.html", context)


@login_required
@require_GET
def done(request, public_id):
    """The result: what is synchronising now, and the way to the connection's page."""
    connection = connection_for_user(request.user, public_id)
    if steps.is_draft(connection):
        return redirect_to(request, steps.BY_KEY["activate"].url(connection))
    context = step_context(
        connection,
        "activate",
        **_connector_context(connection),
        progress=first_import_progress(connection=connection),
        alert_recipients=alert_recipients(connection),
    )
    return render_page(request, "wizard/done.html", context)


def _status_page(request, connection: Connection):
    """Step 8 of a connection past its draft: its state and what can be done with it."""
    return render_page(request, "wizard/activate.html", step_context(connection, "activate"))


def _connector_context(connection: Connection) -> dict:
    """The account behind the credentials and the webhook activation registers (or did)."""
    setup = connector_setup(connection)
    return {
        "setup": setup,
        "account": setup.account(connection=connection) if setup else None,
        "webhook": setup.webhook(connection=connection) if setup and setup.webhook else None,
    }


def _done_url(connection: Connection) -> str:
    return reverse("wizard:setup_done", kwargs={"public_id": connection.public_id})
