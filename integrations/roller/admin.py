from django.contrib import admin

from integrations.roller.models import RollerSettings


@admin.register(RollerSettings)
class RollerSettingsAdmin(admin.ModelAdmin):
    """Secrets are never shown: only whether they are set."""

    list_display = ["connection", "environment", "venue_name", "client_id", "webhook_id", "client_secret_state"]
    list_filter = ["environment"]
    search_fields = ["connection__name", "venue_name", "client_id"]
    exclude = ["client_secret", "webhook_key", "previous_webhook_key", "access_token", "token_renewal_started_at"]
    readonly_fields = [
        "client_secret_state",
        "webhook_key_state",
        "access_token_expires_at",
        "webhook_checked_at",
        "created_at",
        "updated_at",
    ]

    @admin.display(description="Client Secret")
    def client_secret_state(self, obj):
        return "set (hidden)" if obj.client_secret else "not set"

    @admin.display(description="Webhook key")
    def webhook_key_state(self, obj):
        return "set (hidden)" if obj.webhook_key else "not set"
