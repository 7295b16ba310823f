"""Connections: their status, monitoring counts and settings, with the actions to fix them."""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from integrations.admin.common import changelist_link, when
from integrations.admin.connection_actions import (
    pause,
    register_webhook_again,
    reimport_days,
    replay_failed_events,
    resume,
    sync_products_now,
)
from integrations.models import (
    Connection,
    Contact,
    Order,
    Product,
    WebhookEvent,
)
from integrations.selectors.monitoring import (
    connections_annotate_counts,
    skipped_by_reason_for_connections,
)


class ConnectionChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        # One query for the whole page, attached to the rows the page shows.
        by_reason = skipped_by_reason_for_connections(connection_ids=[c.pk for c in self.result_list])
        for connection in self.result_list:
            connection.skipped_by_reason = by_reason.get(connection.pk, [])


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "account",
        "status_with_reason",
        "last_webhook",
        "last_product_sync",
        "contacts",
        "orders",
        "products",
        "failed_and_dead",
        "skipped_reasons",
    ]
    list_filter = ["status", "connector_type", "account"]
    list_select_related = ["account"]
    search_fields = ["name", "account__name", "=public_id"]
    actions = [pause, resume, sync_products_now, replay_failed_events, register_webhook_again, reimport_days]
    inlines: list = []
    readonly_fields = [
        "public_id",
        "account",
        "connector_type",
        "status",
        "status_reason",
        "status_changed_at",
        "activated_at",
        "wizard_step",
        "created_at",
        "updated_at",
        "last_webhook",
        "last_product_sync",
        "contacts",
        "orders",
        "products",
        "failed_and_dead",
        "skipped",
        "skipped_reasons_table",
    ]
    fieldsets = [
        (None, {"fields": ["name", "account", "connector_type", "public_id"]}),
        ("Status", {"fields": ["status", "status_reason", "status_changed_at", "activated_at", "wizard_step"]}),
        (
            "Monitoring",
            {
                "fields": [
                    ("last_webhook", "last_product_sync"),
                    ("contacts", "orders", "products"),
                    "failed_and_dead",
                    "skipped",
                    "skipped_reasons_table",
                ]
            },
        ),
        (
            "Settings",
            {
                "fields": [
                    "preset",
                    ("time_zone", "country", "currency"),
                    "opt_in_strategy",
                    ("products_enabled", "products_frequency_minutes"),
                    ("contacts_enabled", "contacts_mode", "matching_key", "minimum_age"),
                    ("contacts_lookback_days", "orders_lookback_days"),
                ]
            },
        ),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]

    def has_add_permission(self, request):
        return False  # connections are made by the setup wizard (or a connector's own command)

    def has_delete_permission(self, request, obj=None):
        # The wizard's delete removes our webhook at the source first; a delete here would
        # leave it posting to an address that answers 404 until the source disables it.
        return False

    def get_queryset(self, request):
        return connections_annotate_counts(super().get_queryset(request))

    def get_changelist(self, request, **kwargs):
        return ConnectionChangeList

    @admin.display(description="Status", ordering="status")
    def status_with_reason(self, obj):
        if obj.status == Connection.Status.NEEDS_ATTENTION:
            short = Truncator(obj.status_reason).chars(70)
            return format_html('<strong>{}</strong><br><span title="{}">{}</span>', obj.get_status_display(),
                               obj.status_reason, short)  # fmt: skip
        return obj.get_status_display()

    @admin.display(description="Last webhook", ordering="last_webhook_at")
    def last_webhook(self, obj):
        return when(obj.last_webhook_at)

    @admin.display(description="Last product sync", ordering="products_last_synced_at")
    def last_product_sync(self, obj):
        return when(obj.products_last_synced_at)

    @admin.display(description="Contacts", ordering="contacts_count")
    def contacts(self, obj):
        return changelist_link(Contact, obj.contacts_count, connection__id__exact=obj.pk)

    @admin.display(description="Orders", ordering="orders_count")
    def orders(self, obj):
        return changelist_link(Order, obj.orders_count, connection__id__exact=obj.pk)

    @admin.display(description="Products", ordering="products_count")
    def products(self, obj):
        return changelist_link(Product, obj.products_count, connection__id__exact=obj.pk)

    @admin.display(description="Failed / dead", ordering="events_dead_count")
    def failed_and_dead(self, obj):
        return format_html(
            "{} / {}",
            changelist_link(WebhookEvent, obj.events_failed_count, connection__id__exact=obj.pk, status="failed"),
            changelist_link(WebhookEvent, obj.events_dead_count, connection__id__exact=obj.pk, status="dead"),
        )

    @admin.display(description="Skipped 24 h / 7 days", ordering="skipped_week_count")
    def skipped(self, obj):
        return f"{obj.skipped_day_count} / {obj.skipped_week_count}"

    @admin.display(description="Skipped 24 h / 7 days, by reason")
    def skipped_reasons(self, obj):
        rows = getattr(obj, "skipped_by_reason", None)
        if rows is None:  # the change page: no page-wide query ran
            rows = skipped_by_reason_for_connections(connection_ids=[obj.pk])[obj.pk]
        total = format_html("<strong>{}</strong>", self.skipped(obj))
        if not rows:
            return total
        lines = format_html_join(
            mark_safe("<br>"), '<span title="{}">{}</span>: {} / {}', ((lbl, r, d, w) for r, lbl, d, w in rows)
        )
        return format_html("{}<br>{}", total, lines)

    @admin.display(description="Skipped by reason")
    def skipped_reasons_table(self, obj):
        rows = skipped_by_reason_for_connections(connection_ids=[obj.pk])[obj.pk]
        if not rows:
            return "Nothing skipped in the last 7 days."
        body = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", ((lbl, d, w) for _, lbl, d, w in rows)
        )
        return format_html("<table><tr><th>Reason</th><th>24 h</th><th>7 days</th></tr>{}</table>", body)


def connection_admin_extend(*, actions=(), inlines=()) -> None:
    """Lets a connector package add what only it knows (checking its credentials, its own settings)."""
    ConnectionAdmin.actions = [*ConnectionAdmin.actions, *(a for a in actions if a not in ConnectionAdmin.actions)]
    ConnectionAdmin.inlines = [*ConnectionAdmin.inlines, *(i for i in inlines if i not in ConnectionAdmin.inlines)]
