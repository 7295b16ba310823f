"""The synced store, read-only: the source system owns it."""

from django.contrib import admin

from integrations.admin.common import ReadOnlyAdmin
from integrations.models import (
    Contact,
    ContactSourceLink,
    Order,
    OrderLine,
    Product,
)


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
