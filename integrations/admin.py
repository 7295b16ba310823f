"""Admin for operators: what is healthy, what is not, and the buttons to fix it.

Synced data is read-only here: the source system owns it. Counts come from one annotated
query per page (integrations.selectors_monitoring), never a query per row. Every action ends
with a message per connection saying what happened or what to do next.
"""

import csv
import json
from collections.abc import Callable, Iterator

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from integrations.errors import SyncError
from integrations.models import (
    Account,
    AlertState,
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
from integrations.selectors_monitoring import (
    connections_annotate_counts,
    reason_label,
    skipped_by_reason_for_connections,
)
from integrations.services import connections as connection_services
from integrations.services.events import webhook_events_replay


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _changelist_link(model, label: str, **filters) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return format_html('<a href="{}?{}">{}</a>', url, query, label)


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else "never"


def _pretty_json(value) -> str:
    return format_html('<pre style="white-space:pre-wrap;margin:0">{}</pre>', json.dumps(value, indent=2))


# --- accounts -----------------------------------------------------------------------------


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
    list_select_related = ["user", "account"]


# --- connections --------------------------------------------------------------------------

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
        return "paused. ROLLER's updates are still received and kept; they are processed on resume."

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
    try:
        from integrations.services.products_sync import products_sync_start
    except ImportError:
        modeladmin.message_user(request, "Product syncs are not installed in this version.", messages.ERROR)
        return

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
    actions = [pause, resume, sync_products_now, replay_failed_events, register_webhook_again]
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
        return False  # connections are made by the setup wizard (or `manage.py roller_connect`)

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
        return _when(obj.last_webhook_at)

    @admin.display(description="Last product sync", ordering="products_last_synced_at")
    def last_product_sync(self, obj):
        return _when(obj.products_last_synced_at)

    @admin.display(description="Contacts", ordering="contacts_count")
    def contacts(self, obj):
        return _changelist_link(Contact, obj.contacts_count, connection__id__exact=obj.pk)

    @admin.display(description="Orders", ordering="orders_count")
    def orders(self, obj):
        return _changelist_link(Order, obj.orders_count, connection__id__exact=obj.pk)

    @admin.display(description="Products", ordering="products_count")
    def products(self, obj):
        return _changelist_link(Product, obj.products_count, connection__id__exact=obj.pk)

    @admin.display(description="Failed / dead", ordering="events_dead_count")
    def failed_and_dead(self, obj):
        return format_html(
            "{} / {}",
            _changelist_link(WebhookEvent, obj.events_failed_count, connection__id__exact=obj.pk, status="failed"),
            _changelist_link(WebhookEvent, obj.events_dead_count, connection__id__exact=obj.pk, status="dead"),
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
    """Lets a connector package add what only it knows (ROLLER: check the credentials, its settings)."""
    ConnectionAdmin.actions = [*ConnectionAdmin.actions, *(a for a in actions if a not in ConnectionAdmin.actions)]
    ConnectionAdmin.inlines = [*ConnectionAdmin.inlines, *(i for i in inlines if i not in ConnectionAdmin.inlines)]


# --- the synced store (read-only) ---------------------------------------------------------


class ContactSourceLinkInline(admin.TabularInline):
    model = ContactSourceLink
    fk_name = "contact"
    extra = 0
    fields = readonly_fields = ["source_id", "source_version", "created_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


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
    list_select_related = ["connection"]
    search_fields = ["match_value", "email", "phone", "first_name", "last_name", "=source_links__source_id"]
    inlines = [ContactSourceLinkInline]


@admin.register(ContactSourceLink)
class ContactSourceLinkAdmin(ReadOnlyAdmin):
    list_display = ["source_id", "contact", "connection", "created_at"]
    list_filter = ["connection"]
    list_select_related = ["contact", "connection"]
    search_fields = ["=source_id", "contact__match_value"]


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ["name", "external_id", "product_type", "price", "active", "created_from_order", "connection"]
    list_filter = ["connection", "active", "created_from_order", "product_type"]
    list_select_related = ["connection"]
    search_fields = ["name", "=external_id", "category"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = readonly_fields = ["external_id", "product", "quantity", "unit_price", "discount", "visit_date"]

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["reference", "contact", "channel", "source_channel", "status", "total", "ordered_at", "connection"]
    list_filter = ["connection", "channel", "status", "healed"]
    list_select_related = ["contact", "connection"]
    search_fields = ["reference", "=external_id", "contact__match_value"]
    inlines = [OrderLineInline]


# --- what happened ------------------------------------------------------------------------


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
        return _pretty_json(obj.counts)


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
