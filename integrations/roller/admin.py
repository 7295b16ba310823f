"""What only ROLLER adds to the operators' admin: its settings (secrets masked) and a credentials check.

Secrets are never shown: not on these pages, not in a message. A page only says whether
one is set.
"""

from django.contrib import admin
from django.db import models

from integrations.admin import connection_admin_extend, run_for_each
from integrations.errors import ConnectionBrokenError, SyncError
from integrations.models import Connection
from integrations.roller.models import RollerSettings
from integrations.roller.services import roller_venue_refresh
from integrations.services.connection_status import connection_credentials_refused
from integrations.services.credentials import connection_credentials_confirmed

SECRET_FIELDS = ["client_secret", "webhook_key", "previous_webhook_key", "access_token", "token_renewal_started_at"]


def _state(value) -> str:
    return "set (hidden)" if value else "not set"


class SecretStateMixin:
    @admin.display(description="Client Secret")
    def client_secret_state(self, obj):
        return _state(obj.client_secret)

    @admin.display(description="Webhook key")
    def webhook_key_state(self, obj):
        return _state(obj.webhook_key)

    @admin.display(description="Previous webhook key")
    def previous_webhook_key_state(self, obj):
        return _state(obj.previous_webhook_key)


@admin.register(RollerSettings)
class RollerSettingsAdmin(SecretStateMixin, admin.ModelAdmin):
    list_display = ["connection", "environment", "venue_name", "client_id", "webhook_id", "client_secret_state"]
    list_filter = ["environment"]
    list_select_related = ["connection"]
    search_fields = ["connection__name", "venue_name", "client_id", "webhook_id"]
    exclude = SECRET_FIELDS
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = [
        "connection",
        "client_secret_state",
        "webhook_key_state",
        "previous_webhook_key_state",
        "previous_webhook_key_valid_until",
        "webhook_id",
        "webhook_checked_at",
        "access_token_expires_at",
        "venue_id",
        "venue_name",
        "venue_time_zone",
        "venue_currency",
        "venue_country",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return False  # made with its connection, by the wizard


class RollerSettingsInline(SecretStateMixin, admin.StackedInline):
    model = RollerSettings
    can_delete = False
    extra = 0
    fields = readonly_fields = [
        "environment",
        "custom_base_url",
        "client_id",
        "client_secret_state",
        "venue_name",
        "venue_id",
        "venue_time_zone",
        "webhook_id",
        "webhook_key_state",
        "webhook_checked_at",
    ]
    verbose_name_plural = "ROLLER"

    def has_add_permission(self, request, obj=None):
        return False


@admin.action(description="Check the ROLLER credentials", permissions=["change"])
def check_credentials(modeladmin, request, queryset):
    def step(connection: Connection) -> str:
        roller_settings = RollerSettings.objects.filter(connection=connection).select_related("connection").first()
        if roller_settings is None:
            raise SyncError("not a ROLLER connection.")
        try:
            venue = roller_venue_refresh(roller_settings=roller_settings)
        except ConnectionBrokenError as exc:
            # The same as when an event finds it out: the page and the alert say what to do.
            if connection.status == Connection.Status.ACTIVE:
                connection_credentials_refused(connection=connection, reason=str(exc))
            raise
        done = f"ROLLER accepted the credentials (venue {venue.name})."
        healed = connection_credentials_confirmed(connection=connection)
        if healed.healed:
            done += f" {healed.sentence()}"
        elif connection.status == Connection.Status.NEEDS_ATTENTION:
            done += f" The connection still needs attention ({connection.status_reason}); resume it once that is fixed."
        return done

    run_for_each(modeladmin, request, queryset.filter(connector_type="roller"), step)


connection_admin_extend(actions=[check_credentials], inlines=[RollerSettingsInline])
