"""Pausing, resuming and deleting a connection (real POST forms; boosted by htmx)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from integrations.errors import SyncError
from integrations.models import Connection
from integrations.selectors.accounts import connection_for_user
from integrations.services.connections import connection_pause, connection_resume
from wizard.forms import DeleteForm
from wizard.services import connection_delete, connector_setup, synced_data_counts
from wizard.views.common import VARY, connection_page_url, connector_label, posted, redirect_to

Status = Connection.Status


@login_required
@require_POST
def pause(request, public_id):
    connection = connection_for_user(request.user, public_id)
    if connection.status in (Status.ACTIVE, Status.NEEDS_ATTENTION):
        connection_pause(connection=connection)
        label = connector_label(connection.connector_type)
        messages.success(
            request, f"Paused. {label}'s updates are still received and kept; they are processed when you resume."
        )
    else:
        messages.error(
            request, f"Only an active connector can be paused; this one is {connection.get_status_display().lower()}."
        )
    return redirect_to(request, _back(request, connection))


@login_required
@require_POST
def resume(request, public_id):
    connection = connection_for_user(request.user, public_id)
    if connection.status in (Status.PAUSED, Status.NEEDS_ATTENTION):
        waiting = connection_resume(connection=connection)
        kept = (
            ngettext(
                " %(n)s update received while it was paused is being processed now.",
                " %(n)s updates received while it was paused are being processed now.",
                waiting,
            )
            % {"n": waiting}
            if waiting
            else ""
        )
        messages.success(request, f"Resumed.{kept}")
    else:
        messages.error(
            request, f"Only a paused connector can be resumed; this one is {connection.get_status_display().lower()}."
        )
    return redirect_to(request, _back(request, connection))


@transaction.non_atomic_requests
@login_required
@require_http_methods(["GET", "POST"])
def delete(request, public_id):
    """Asks first; then removes the webhook at the source and the connection with its data.

    When the webhook cannot be removed (the source is down, the key revoked), nothing is
    deleted and the person may choose to delete anyway and remove the webhook themselves.
    """
    connection = connection_for_user(request.user, public_id)
    counts = synced_data_counts(connection=connection)
    label = connector_label(connection.connector_type)
    form = DeleteForm(posted(request), source=label)
    error = None
    if request.method == "POST" and form.is_valid():
        name = connection.name
        try:
            connection_delete(connection=connection, keep_webhook=form.cleaned_data["keep_webhook"])
        except SyncError as exc:
            error = str(exc)
        else:
            messages.success(request, f"“{name}” was deleted, with everything it synchronised.")
            return redirect_to(request, reverse("wizard:connection_list"))
    offer_keep = error is not None or bool(request.POST.get("keep_webhook"))
    context = {
        "connection": connection,
        "connector_label": label,
        "setup": connector_setup(connection),
        "counts": counts,
        "form": form,
        "error": error,
        "extra_fields": [form["keep_webhook"]] if offer_keep else [],
    }
    response = render(request, "wizard/delete.html", context)
    patch_vary_headers(response, VARY)
    return response


def _back(request, connection: Connection) -> str:
    """Back where the button was pressed (a local address only), else the connection's page."""
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return connection_page_url(connection) or reverse("wizard:step_summary", kwargs={"public_id": connection.public_id})
