import uuid

from django.db import models
from django.db.models import Q

from integrations.models.accounts import Account


class Connection(models.Model):
    """One source system connected for one account: its settings, status and wizard progress.

    The core knows no source system; what only one source needs lives in its connector's package.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        NEEDS_ATTENTION = "needs_attention", "Needs attention"

    class Preset(models.TextChoices):
        DEFAULT = "default", "Default (recommended)"
        MANUAL = "manual", "Manual"

    class OptInStrategy(models.TextChoices):
        IN_AND_OUT = "in_and_out", "Opt-ins and opt-outs"
        IN_ONLY = "in_only", "Opt-ins only"
        NONE = "none", "Neither"

    class ContactsMode(models.TextChoices):
        CREATE_AND_UPDATE = "create_and_update", "Create and update"
        UPDATE_ONLY = "update_only", "Update only"

    class MatchingKey(models.TextChoices):
        EMAIL = "email", "Email address"
        PHONE = "phone", "Phone number"

    class ProductsFrequency(models.IntegerChoices):
        EVERY_15_MINUTES = 15, "Every 15 minutes"
        HOURLY = 60, "Every hour"
        EVERY_6_HOURS = 360, "Every 6 hours"
        DAILY = 1440, "Once a day"

    # Identity ------------------------------------------------------------------------
    # Public and unguessable: it is in the webhook address the source posts to.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="connections")
    connector_type = models.CharField(max_length=40)
    name = models.CharField(max_length=120)
    # The source's id of the account behind the credentials (a venue, a shop), from the last
    # successful check: one account connected twice would have every booking processed twice.
    source_account_id = models.CharField(max_length=64, blank=True)

    # Lifecycle -----------------------------------------------------------------------
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    wizard_step = models.CharField(max_length=40, blank=True)
    preset = models.CharField(max_length=20, choices=Preset.choices, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    # Since when the source refuses the stored credentials (the connection needs attention for
    # it); while set, integrations.services.credentials re-checks them by itself.
    credentials_refused_at = models.DateTimeField(null=True, blank=True)

    # General settings ----------------------------------------------------------------
    time_zone = models.CharField(max_length=64, default="UTC")
    country = models.CharField(max_length=2, blank=True, help_text="ISO country, for phone numbers")
    currency = models.CharField(max_length=3, blank=True)
    opt_in_strategy = models.CharField(max_length=20, choices=OptInStrategy.choices, default=OptInStrategy.IN_AND_OUT)

    # Products ------------------------------------------------------------------------
    products_enabled = models.BooleanField(default=True)
    products_frequency_minutes = models.PositiveIntegerField(
        choices=ProductsFrequency.choices, default=ProductsFrequency.HOURLY
    )
    products_last_synced_at = models.DateTimeField(null=True, blank=True)

    # Contacts and orders (orders need contacts) -----------------------------------------
    contacts_enabled = models.BooleanField(default=True)
    contacts_mode = models.CharField(
        max_length=20, choices=ContactsMode.choices, default=ContactsMode.CREATE_AND_UPDATE
    )
    matching_key = models.CharField(max_length=10, choices=MatchingKey.choices, default=MatchingKey.EMAIL)
    minimum_age = models.PositiveSmallIntegerField(default=18)
    contacts_lookback_days = models.PositiveIntegerField(default=3650)
    orders_lookback_days = models.PositiveIntegerField(default=7)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="connection_name_unique_in_account"),
            models.CheckConstraint(
                condition=Q(minimum_age__gte=13) & Q(minimum_age__lte=99),
                name="connection_minimum_age_sane",
            ),
            models.CheckConstraint(
                condition=Q(status="needs_attention", status_reason__gt="") | ~Q(status="needs_attention"),
                name="connection_needs_attention_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def orders_enabled(self) -> bool:
        # An order always links to a contact, so orders follow contacts.
        return self.contacts_enabled


# The connections whose events, syncs and imports are processed: a paused one's wait, a draft has none.
DISPATCHABLE_STATUSES = (Connection.Status.ACTIVE, Connection.Status.NEEDS_ATTENTION)
