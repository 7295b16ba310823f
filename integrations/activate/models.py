"""What only Spotler Activate needs: the account and key the API takes."""

from django.db import models

from integrations.delivery.models import Destination
from integrations.fields import EncryptedTextField


class ActivateSettings(models.Model):
    destination = models.OneToOneField(Destination, on_delete=models.CASCADE, related_name="activate")
    # Sent as X-AUTH-ACCOUNT and X-AUTH-APIKEY; the key is encrypted and never shown or logged.
    account_id = models.CharField(max_length=100, blank=True)
    api_key = EncryptedTextField(blank=True)
    base_url = models.URLField(blank=True, help_text="Empty for Activate itself; the stand-in's address in a demo")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Spotler Activate settings"
        verbose_name_plural = "Spotler Activate settings"

    def __str__(self) -> str:
        return f"Activate settings of {self.destination}"
