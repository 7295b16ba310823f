"""The operators' view of delivery: destinations with their counts, the outbox (replayable),
the delivery log (read-only) and the erasures to do by hand in the destination.

Credentials are never shown here: the destination's own settings page (its package's admin)
only says whether a key is set, and the log never holds the headers that carry them.
"""

import json

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html

from integrations.delivery.models import Backfill, DeliveryAttempt, Destination, Erasure, OutboxItem
from integrations.delivery.services.erasures import erasure_mark_done
from integrations.delivery.services.replay import outbox_replay

STATES = [state for state, _ in OutboxItem.State.choices]


# The core admin's helpers (integrations.admin.common) import the services, which write the
# outbox: importing them here would close a loop, so this admin keeps its own three.
class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def changelist_link(model, label: str, **filters) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, "&".join(f"{k}={v}" for k, v in filters.items()), label)


def pretty_json(value) -> str:
    return format_html('<pre style="white-space:pre-wrap;margin:0">{}</pre>', json.dumps(value, indent=2))


class BackfillInline(admin.TabularInline):
    model = Backfill
    extra = 0
    can_delete = False
    fields = readonly_fields = ["kind", "state", "why", "queued", "total", "created_at", "finished_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Destination)
class DestinationAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "destination_type", "status", *[f"{state}_count" for state in STATES]]
    list_filter = ["status", "destination_type"]
    search_fields = ["name", "account__name"]
    fields = [
        "account",
        "destination_type",
        "name",
        "status",
        "status_reason",
        "send_profiles",
        "send_purchases",
        "send_products",
        "language",
        "currency",
        "activated_at",
        "credentials_refused_at",
        "credentials_checked_at",
        "outbox_links",
    ]
    readonly_fields = [
        "account",
        "destination_type",
        "status",
        "status_reason",
        "activated_at",
        "credentials_refused_at",
        "credentials_checked_at",
        "outbox_links",
    ]
    inlines = [BackfillInline]
    actions = ["replay_dead_and_failed"]

    def get_queryset(self, request):
        counts = {f"n_{state}": Count("outbox", filter=Q(outbox__state=state)) for state in STATES}
        return super().get_queryset(request).select_related("account").annotate(**counts)

    def has_add_permission(self, request):
        return False  # connected by the account's users, in the wizard, where the key is checked

    @admin.display(description="Outbox")
    def outbox_links(self, obj):
        return changelist_link(OutboxItem, "Every record on its way", destination__id__exact=obj.pk)

    @admin.action(description="Replay the failed and dead records of the selected destinations")
    def replay_dead_and_failed(self, request, queryset):
        replayed = sum(outbox_replay(destination) for destination in queryset)
        self.message_user(request, f"{replayed} record(s) queued again.", messages.SUCCESS)


def _count(state: str):
    def count(self, obj) -> int:
        return getattr(obj, f"n_{state}", 0)

    count.short_description = OutboxItem.State(state).label
    count.admin_order_field = f"n_{state}"
    return count


for _state in STATES:
    setattr(DestinationAdmin, f"{_state}_count", _count(_state))


@admin.register(OutboxItem)
class OutboxItemAdmin(ReadOnlyAdmin):
    list_display = ["record_key", "kind", "destination", "connection", "state", "reason", "attempts", "updated_at"]
    list_filter = ["state", "kind", "destination"]
    list_select_related = ["destination", "connection"]
    search_fields = ["record_key", "reason"]
    readonly_fields = [field.name for field in OutboxItem._meta.fields] + ["log_link"]
    actions = ["replay"]

    @admin.display(description="Delivery log")
    def log_link(self, obj):
        return changelist_link(DeliveryAttempt, "Its requests and answers", item__id__exact=obj.pk)

    @admin.action(description="Replay the failed and dead records of the selected ones' destination and kind")
    def replay(self, request, queryset):
        # Replay goes by destination and kind (outbox_replay): a record is one of many that
        # failed for the same reason, and they go again together once the cause is fixed.
        pairs = set(queryset.values_list("destination_id", "kind"))
        destinations = Destination.objects.in_bulk({destination_id for destination_id, _ in pairs})
        replayed = sum(outbox_replay(destinations[pk], kind=kind) for pk, kind in sorted(pairs))
        self.message_user(
            request,
            f"{replayed} failed or dead record(s) queued again.",
            messages.SUCCESS if replayed else messages.WARNING,
        )


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "destination", "kind", "record_key", "method", "path", "response_status"]
    list_filter = ["response_status", "kind", "destination"]
    search_fields = ["record_key"]
    list_select_related = ["destination"]
    fields = [
        "created_at",
        "destination",
        "item",
        "kind",
        "record_key",
        "method",
        "path",
        "request",
        "response_status",
        "response_body",
        "duration_ms",
    ]
    readonly_fields = fields

    @admin.display(description="Request body (the authentication headers are never stored)")
    def request(self, obj):
        return pretty_json(obj.request_body)


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyAdmin):
    list_display = ["email", "destination", "why", "created_at", "done"]
    list_filter = [("done_at", admin.EmptyFieldListFilter), "why", "destination"]
    search_fields = ["email"]
    actions = ["mark_done"]

    @admin.display(description="Done")
    def done(self, obj):
        return f"{obj.done_at:%Y-%m-%d %H:%M} by {obj.done_by}" if obj.done_at else "to do in the destination by hand"

    @admin.action(description="Mark done: erased in the destination by hand")
    def mark_done(self, request, queryset):
        open_ones = list(queryset.filter(done_at__isnull=True))
        for erasure in open_ones:
            erasure_mark_done(erasure, by=request.user.get_username())
        self.message_user(request, f"{len(open_ones)} erasure(s) marked done.", messages.SUCCESS)
