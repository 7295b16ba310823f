"""Activate's forms in the wizard: the Account ID and API key, and what to send."""

from django import forms
from django.conf import settings

from integrations.activate.client import DEFAULT_BASE_URL
from integrations.activate.models import ActivateSettings
from integrations.delivery.models import Destination
from integrations.setup import ExplainedChoiceField

ACTIVATE, STAND_IN = "activate", "stand_in"
# The catalogue's language (one catalogue per language in Activate); a locale, as products carry it.
LANGUAGES = [("nl_NL", "Dutch"), ("en_GB", "English"), ("de_DE", "German"), ("fr_FR", "French")]
CURRENCIES = [("EUR", "Euro (EUR)"), ("GBP", "Pound sterling (GBP)"), ("USD", "US dollar (USD)")]


class CredentialsForm(forms.Form):
    where = ExplainedChoiceField(
        label="Where",
        choices=(),
        explanations={},
        error_messages={"required": "Choose where your Activate account is."},
    )
    account_id = forms.CharField(
        label="Account ID",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Enter the Account ID."},
    )
    api_key = forms.CharField(
        label="API key",
        required=False,
        max_length=500,
        # Write-only: never rendered back into the page, not even after an error.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, stored: ActivateSettings | None = None, **kwargs) -> None:
        self.stored = stored
        self.stand_in_url = settings.ACTIVATE_SANDBOX_URL.rstrip("/")
        if stored is not None:
            where = STAND_IN if stored.base_url and stored.base_url == self.stand_in_url else ACTIVATE
            kwargs.setdefault("initial", {"where": where, "account_id": stored.account_id})
        super().__init__(*args, **kwargs)
        choices = [(ACTIVATE, "Spotler Activate")]
        explanations = {ACTIVATE: "Your account at Spotler Activate (api.squeezely.tech)."}
        if self.stand_in_url:
            # Only where a stand-in runs (make run): a demo must never reach the real service.
            choices.append((STAND_IN, "Local stand-in"))
            explanations[STAND_IN] = f"The stand-in for Activate that runs beside this site ({self.stand_in_url})."
        self.fields["where"].choices = choices
        self.fields["where"].explanations = explanations
        if len(choices) == 1:
            self.fields["where"].initial = ACTIVATE
        if self.has_stored_key():
            self.fields["api_key"].help_text = "Stored (never shown). Leave empty to keep it."

    def has_stored_key(self) -> bool:
        return bool(self.stored is not None and self.stored.api_key)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("api_key") and not self.has_stored_key():
            self.add_error("api_key", "Enter the API key.")
        return data

    def base_url(self) -> str:
        """What ActivateSettings.base_url holds: empty for Activate itself."""
        return self.stand_in_url if self.cleaned_data["where"] == STAND_IN else ""

    def api_url(self) -> str:
        return self.base_url() or DEFAULT_BASE_URL

    def key(self) -> str:
        return self.cleaned_data.get("api_key") or (self.stored.api_key if self.stored else "")


def credentials_form(data=None, *, destination: Destination) -> CredentialsForm:
    return CredentialsForm(data, stored=ActivateSettings.objects.filter(destination=destination).first())


class SendingForm(forms.ModelForm):
    """What goes to Activate, and the catalogue's language and the fallback currency."""

    language = forms.ChoiceField(
        label="Language of the catalogue",
        choices=LANGUAGES,
        help_text="Products and purchases carry it; Activate keeps one catalogue per language.",
    )
    currency = forms.ChoiceField(
        label="Currency",
        choices=CURRENCIES,
        help_text="Only for an order that carries none: an order's own currency always goes first.",
    )

    class Meta:
        model = Destination
        fields = ["send_profiles", "send_purchases", "send_products", "language", "currency", "repeated_orders"]
        labels = {
            "repeated_orders": "When a booking changes, Activate …",
            "send_profiles": "Profiles: name, email, phone, address, birthdate and consent",
            "send_purchases": "Purchases: one per booking, with its tickets, visit date and venue",
            "send_products": "Products: the catalogue, so purchases link to it",
        }
        help_texts = {
            # Activate's documentation does not say which (docs/activate-facts.md): ask its support.
            "repeated_orders": (
                "What Activate does with a purchase whose order id it holds already; Spotler's support can tell. "
                "When it adds them up, a changed booking sends only the difference, so revenue is counted once."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.language:
            self.initial["language"] = LANGUAGES[0][0]
        if not self.instance.currency:
            self.initial["currency"] = CURRENCIES[0][0]


def sending_form(data=None, *, destination: Destination) -> SendingForm:
    return SendingForm(data, instance=destination)
