"""Activate's settings for operators: the Account ID and address; the API key never shown."""

from django.contrib import admin
from django.db import models

from integrations.activate.models import ActivateSettings


@admin.register(ActivateSettings)
class ActivateSettingsAdmin(admin.ModelAdmin):
    list_display = ["destination", "account_id", "base_url", "api_key_state", "updated_at"]
    list_select_related = ["destination"]
    search_fields = ["destination__name", "destination__account__name", "account_id"]
    # The key is changed by the account's users in the wizard, where Activate checks it first.
    exclude = ["api_key"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["destination", "account_id", "api_key_state", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="API key")
    def api_key_state(self, obj):
        return "set (hidden)" if obj.api_key else "not set"
