"""What happened: webhook events, sync runs, record outcomes, daily counts, minors, alerts."""

import csv
import json
from collections.abc import Iterator

from django.contrib import admin, messages
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.html import format_html

from integrations.admin.common import ReadOnlyAdmin, pretty_json
from integrations.models import (
    AlertState,
    KnownMinor,
    OutcomeDailyCount,
    RecordOutcome,
    SyncRun,
    WebhookEvent,
)
from integrations.selectors.monitoring import (
    reason_label,
)
from integrations.services.events import webhook_events_replay


class EventOutcomeInline(admin.TabularInline):
    model = RecordOutcome
    fk_name = "webhook_event"
    extra = 0
    can_delete = False
    fields = readonly_fields = ["entity", "outcome", "reason", "source_id", "detail", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.action(description="Replay the selected failed or dead events", permissions=["replay"])
def replay_events(modeladmin, request, queryset):
    selected = list(queryset.values_list("pk", flat=True))
    replayed = webhook_events_replay(event_ids=selected)
    left = len(selected) - replayed
    text = f"{replayed} event(s) queued again."
    if left:
        text += f" {left} left as they were: only failed or dead events are replayed."
    modeladmin.message_user(request, text, messages.SUCCESS if replayed else messages.WARNING)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = [
        "received_at",
        "connection",
        "object_type",
        "event_type",
        "subject_reference",
        "status",
        "reason",
        "attempts",
        "message_id",
    ]
    list_filter = ["connection", "object_type", "event_type", "status", "reason", "received_at"]
    list_select_related = ["connection"]
    search_fields = ["=message_id", "subject_reference"]
    actions = [replay_events]
    exclude = ["body"]

    def has_replay_permission(self, request):
        # The events themselves stay read-only; replaying is an operator's change to them.
        return request.user.has_perm("integrations.change_webhookevent")

    readonly_fields = ["pretty_body"]
    inlines = [EventOutcomeInline]

    @admin.display(description="Body")
    def pretty_body(self, obj):
        if not obj.body:
            return "(purged after the retention period)" if obj.status in ("processed", "skipped") else "(empty)"
        try:
            text = json.dumps(json.loads(obj.body), indent=2, ensure_ascii=False)
        except ValueError:
            text = obj.body
        return format_html('<pre style="white-space:pre-wrap;margin:0">{}</pre>', text)


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "connection",
        "stream",
        "kind",
        "status",
        "progress",
        "records_seen",
        "started_at",
        "finished_at",
    ]
    list_filter = ["connection", "stream", "kind", "status"]
    list_select_related = ["connection"]
    readonly_fields = ["progress", "counts_json"]
    exclude = ["counts"]

    @admin.display(description="Progress")
    def progress(self, obj):
        if not obj.windows_total:
            return "–"
        percent = round(100 * obj.windows_done / obj.windows_total)
        return format_html(
            '<progress value="{}" max="{}"></progress> {} / {} days ({}%)',
            obj.windows_done,
            obj.windows_total,
            obj.windows_done,
            obj.windows_total,
            percent,
        )

    @admin.display(description="Counts per outcome and reason")
    def counts_json(self, obj):
        return pretty_json(obj.counts)


class _Echo:
    def write(self, value):
        return value


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets run a cell starting like a formula; source data must never do that.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@admin.action(description="Export the selected outcomes as CSV", permissions=["view"])
def export_csv(modeladmin, request, queryset):
    header = ["created_at", "connection", "entity", "outcome", "reason", "reason_label", "source_id", "detail"]
    header += ["healed", "webhook_message_id", "sync_run_id"]

    def rows() -> Iterator[list]:
        yield header
        outcomes = queryset.select_related("connection", "webhook_event").order_by("created_at", "pk")
        for o in outcomes.iterator(chunk_size=2000):
            yield [
                o.created_at.isoformat(),
                o.connection.name,
                o.entity,
                o.outcome,
                o.reason,
                reason_label(o.reason) if o.reason else "",
                o.source_id,
                o.detail,
                "yes" if o.healed else "no",
                o.webhook_event.message_id if o.webhook_event else "",
                o.sync_run_id or "",
            ]

    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([_csv_cell(value) for value in row]) for row in rows()), content_type="text/csv"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="record-outcomes-{stamp}.csv"'
    return response


@admin.register(RecordOutcome)
class RecordOutcomeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "connection", "entity", "outcome", "reason", "source_id", "detail", "healed"]
    list_filter = ["reason", "outcome", "entity", "connection", "healed", "created_at"]
    list_select_related = ["connection"]
    search_fields = ["=source_id", "detail"]
    actions = [export_csv]


@admin.register(OutcomeDailyCount)
class OutcomeDailyCountAdmin(ReadOnlyAdmin):
    list_display = ["day", "connection", "entity", "outcome", "reason", "count"]
    list_filter = ["connection", "entity", "outcome", "reason", "day"]
    list_select_related = ["connection"]


@admin.register(KnownMinor)
class KnownMinorAdmin(ReadOnlyAdmin):
    list_display = ["connection", "created_at"]
    list_filter = ["connection"]
    list_select_related = ["connection"]


@admin.register(AlertState)
class AlertStateAdmin(ReadOnlyAdmin):
    list_display = ["connection", "problem_keys", "last_sent_at"]
    list_select_related = ["connection"]
