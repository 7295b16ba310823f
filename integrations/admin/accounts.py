"""Accounts and their members."""

from django.contrib import admin

from integrations.models import (
    Account,
    Membership,
)


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
