"""Admin for operators. Synced data is read-only here: the source system owns it."""

import json

from django.contrib import admin
from django.utils.html import format_html

from integrations.models import (
    Account,
    Connection,
    Contact,
    ContactSourceLink,
    KnownMinor,
    Membership,
    Order,
    OrderLine,
    OutcomeDailyCount,
    Product,
    RecordOutcome,
    SyncRun,
    WebhookEvent,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "account", "created_at"]
    list_filter = ["account"]
    search_fields = ["user__username", "user__email", "account__name"]
    autocomplete_fields = ["user", "account"]


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "connector_type", "status", "status_reason", "activated_at"]
    list_filter = ["status", "connector_type", "account"]
    search_fields = ["name", "account__name", "public_id"]
    readonly_fields = ["public_id", "created_at", "updated_at", "activated_at", "status_changed_at"]


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = [
        "match_value",
        "first_name",
        "last_name",
        "connection",
        "email_consent",
        "sms_consent",
        "updated_at",
    ]
    list_filter = ["connection", "email_consent", "sms_consent", "healed"]
    search_fields = ["match_value", "email", "phone", "last_name"]


@admin.register(ContactSourceLink)
class ContactSourceLinkAdmin(ReadOnlyAdmin):
    list_display = ["source_id", "contact", "connection", "created_at"]
    list_filter = ["connection"]
    search_fields = ["source_id", "contact__match_value"]


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ["name", "external_id", "product_type", "price", "active", "created_from_order", "connection"]
    list_filter = ["connection", "active", "created_from_order", "product_type"]
    search_fields = ["name", "external_id"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = ["external_id", "product", "quantity", "unit_price", "discount", "visit_date"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["reference", "contact", "channel", "source_channel", "status", "total", "ordered_at", "connection"]
    list_filter = ["connection", "channel", "status", "healed"]
    search_fields = ["reference", "external_id", "contact__match_value"]
    inlines = [OrderLineInline]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = [
        "message_id",
        "object_type",
        "event_type",
        "status",
        "reason",
        "attempts",
        "received_at",
        "connection",
    ]
    list_filter = ["connection", "object_type", "event_type", "status", "reason", "received_at"]
    search_fields = ["message_id", "subject_reference"]
    exclude = ["body"]
    readonly_fields = ["pretty_body"]

    @admin.display(description="Body")
    def pretty_body(self, obj):
        try:
            text = json.dumps(json.loads(obj.body), indent=2, ensure_ascii=False)
        except ValueError:
            text = obj.body
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", text)


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "connection",
        "stream",
        "kind",
        "status",
        "windows_done",
        "windows_total",
        "records_seen",
        "started_at",
        "finished_at",
    ]
    list_filter = ["connection", "stream", "kind", "status"]


@admin.register(RecordOutcome)
class RecordOutcomeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "connection", "entity", "source_id", "outcome", "reason", "healed"]
    list_filter = ["connection", "entity", "outcome", "reason", "healed", "created_at"]
    search_fields = ["source_id"]


@admin.register(OutcomeDailyCount)
class OutcomeDailyCountAdmin(ReadOnlyAdmin):
    list_display = ["day", "connection", "entity", "outcome", "reason", "count"]
    list_filter = ["connection", "entity", "outcome", "reason"]


@admin.register(KnownMinor)
class KnownMinorAdmin(ReadOnlyAdmin):
    list_display = ["connection", "created_at"]
    list_filter = ["connection"]
