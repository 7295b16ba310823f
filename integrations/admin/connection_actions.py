"""The operators' buttons on connections: each reports per connection what happened or what to do."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone

from integrations.errors import SyncError
from integrations.forms import ReimportRangeForm
from integrations.models import (
    Connection,
    SyncRun,
)
from integrations.registry import connector_label
from integrations.services import connections as connection_services
from integrations.services.events import webhook_events_replay
from integrations.services.import_runs import reimport_request
from integrations.services.products_sync import products_sync_start

# An action's step for one connection: returns what happened, raises SyncError with what to do.
Step = Callable[[Connection], str]


def run_for_each(modeladmin, request, queryset, step: Step) -> None:
    """Runs `step` per connection and reports each one, so one failure never hides the others."""
    for connection in queryset:
        try:
            done = step(connection)
        except SyncError as exc:
            modeladmin.message_user(request, f"{connection.name}: {exc}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"{connection.name}: {done}", messages.SUCCESS)


def _not_a_draft(connection: Connection) -> None:
    if connection.status == Connection.Status.DRAFT:
        raise SyncError("still a draft; finish the setup wizard first.")


@admin.action(description="Pause the selected connections", permissions=["change"])
def pause(modeladmin, request, queryset):
    def step(connection):
        _not_a_draft(connection)
        if connection.status == Connection.Status.PAUSED:
            return "was already paused."
        connection_services.connection_pause(connection=connection)
        source = connector_label(connection.connector_type)
        return f"paused. {source}'s updates are still received and kept; they are processed on resume."

    run_for_each(modeladmin, request, queryset, step)


@admin.action(description="Resume the selected connections", permissions=["change"])
def resume(modeladmin, request, queryset):
    def step(connection):
        _not_a_draft(connection)
        was = connection.get_status_display().lower()
        waiting = connection_services.connection_resume(connection=connection)
        return f"active again (was {was}); {waiting} waiting event(s) handed to the workers."

    run_for_each(modeladmin, request, queryset, step)


@admin.action(description="Sync products now", permissions=["change"])
def sync_products_now(modeladmin, request, queryset):
    def step(connection):
        _not_a_draft(connection)
        if not connection.products_enabled:
            raise SyncError("products are switched off for this connection; switch them on first.")
        products_sync_start(connection=connection, kind=SyncRun.Kind.MANUAL)
        return "product sync started; see Sync runs for its progress."

    run_for_each(modeladmin, request, queryset, step)


@admin.action(description="Replay failed and dead events", permissions=["change"])
def replay_failed_events(modeladmin, request, queryset):
    def step(connection):
        replayed = webhook_events_replay(connection=connection)
        if not replayed:
            return "no failed or dead events to replay."
        later = " They wait until the connection is resumed." if connection.status == Connection.Status.PAUSED else ""
        return f"{replayed} failed or dead event(s) queued again.{later}"

    run_for_each(modeladmin, request, queryset, step)


@admin.action(description="Register the webhook again (new key)", permissions=["change"])
def register_webhook_again(modeladmin, request, queryset):
    def step(connection):
        connection_services.connection_webhook_register_again(connection=connection)
        if connection.status == Connection.Status.PAUSED:
            return "webhook registered again with a new key; the connection stays paused."
        return "webhook registered again with a new key; the connection is active."

    run_for_each(modeladmin, request, queryset, step)


@admin.action(description="Re-import a range of days for the selected connections", permissions=["change"])
def reimport_days(modeladmin, request, queryset):
    """Asks for the days first (an intermediate page), then queues them for each connection."""
    today = timezone.localdate()
    form = ReimportRangeForm(request.POST if "apply" in request.POST else None, today=today)
    if form.is_valid():
        start, end = form.range()

        def step(connection):
            # The form's days are each connection's own venue-local days.
            return reimport_request(connection=connection, start=start, end=end)

        run_for_each(modeladmin, request, queryset, step)
        return None
    return TemplateResponse(
        request,
        "admin/integrations/reimport_days.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": "Re-import a range of days",
            "form": form,
            "connections": queryset,
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )
