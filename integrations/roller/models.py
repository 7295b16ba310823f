"""What only the ROLLER connector needs: where and how to reach the venue."""

from django.db import models
from django.db.models import Q

from integrations.fields import EncryptedTextField
from integrations.models import Connection

LIVE_URL = "https://api.roller.app"
PLAYGROUND_URL = "https://api.play.roller.app"


class RollerSettings(models.Model):
    class Environment(models.TextChoices):
        LIVE = "live", "Live"
        PLAYGROUND = "playground", "Playground"
        CUSTOM = "custom", "The venue's own domain"
        SANDBOX = "sandbox", "Local sandbox"

    connection = models.OneToOneField(Connection, on_delete=models.CASCADE, related_name="roller")
    environment = models.CharField(max_length=20, choices=Environment.choices, default=Environment.LIVE)
    # Only for a venue's own domain (e.g. https://api.haveablast.roller.app) and the sandbox.
    custom_base_url = models.URLField(blank=True)
    client_id = models.CharField(max_length=200, blank=True)
    client_secret = EncryptedTextField(blank=True)

    # What ROLLER told us about the venue (GET /venues/me).
    venue_id = models.CharField(max_length=64, blank=True)
    venue_name = models.CharField(max_length=200, blank=True)
    venue_time_zone = models.CharField(max_length=64, blank=True)
    venue_currency = models.CharField(max_length=3, blank=True)
    venue_country = models.CharField(max_length=2, blank=True)

    # Webhook: the key ROLLER sends in x-roller-apikey, the previous one during a rotation.
    webhook_id = models.CharField(max_length=64, blank=True)
    webhook_key = EncryptedTextField(blank=True)
    previous_webhook_key = EncryptedTextField(blank=True)
    previous_webhook_key_valid_until = models.DateTimeField(null=True, blank=True)
    webhook_checked_at = models.DateTimeField(null=True, blank=True)

    # One access token per connection, shared by every process; see integrations.roller.tokens.
    access_token = EncryptedTextField(blank=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    # Set by the one process renewing the token, so the others wait instead of asking too.
    token_renewal_started_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "ROLLER settings"
        verbose_name_plural = "ROLLER settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(environment__in=["live", "playground"]) | ~Q(custom_base_url=""),
                name="roller_custom_environment_has_url",
            ),
        ]

    def __str__(self) -> str:
        return f"ROLLER settings of {self.connection}"

    @property
    def base_url(self) -> str:
        if self.environment == self.Environment.LIVE:
            return LIVE_URL
        if self.environment == self.Environment.PLAYGROUND:
            return PLAYGROUND_URL
        return self.custom_base_url.rstrip("/")


class PacingSlot(models.Model):
    """Where the next ROLLER call of one credential set and API family may go, shared by every
    process calling ROLLER with those credentials (integrations.roller.pacing). Moved by one
    atomic statement per call, never through the ORM."""

    # ROLLER's client id, which is not a secret (the secret never leaves RollerSettings).
    client_id = models.CharField(max_length=200)
    family = models.CharField(max_length=16)
    # GCRA's "theoretical arrival time" and the last call's time, in seconds since the epoch
    # on the database's clock: one clock for every process on every host.
    arrival = models.FloatField()
    requested_at = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client_id", "family"], name="roller_pacing_slot_per_credentials"),
        ]

    def __str__(self) -> str:
        return f"ROLLER pacing of {self.client_id} ({self.family})"
