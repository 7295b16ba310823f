"""ROLLER's credentials form: the environment (or the venue's own address) and an API key."""

from urllib.parse import urlsplit

from django import forms
from django.conf import settings

from integrations.models import Connection
from integrations.roller.models import LIVE_URL, PLAYGROUND_URL, RollerSettings
from integrations.setup import ExplainedChoiceField

Environment = RollerSettings.Environment


class CredentialsForm(forms.Form):
    environment = ExplainedChoiceField(
        label="Environment",
        choices=(),
        explanations={},
        error_messages={"required": "Choose where your venue's ROLLER is."},
    )
    custom_base_url = forms.URLField(
        label="Your venue's API address",
        required=False,
        assume_scheme="https",
        help_text="Only for a venue with its own domain, for example https://api.yourvenue.roller.app",
        widget=forms.URLInput(attrs={"placeholder": "https://api.yourvenue.roller.app", "autocomplete": "off"}),
    )
    client_id = forms.CharField(
        label="Client ID",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Enter the Client ID."},
    )
    client_secret = forms.CharField(
        label="Client Secret",
        required=False,
        max_length=500,
        strip=True,
        # Write-only: never rendered back into the page, not even after an error.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, roller: RollerSettings | None = None, **kwargs) -> None:
        self.roller = roller
        self.sandbox_url = settings.ROLLER_SANDBOX_URL.rstrip("/")
        if roller is not None:
            kwargs.setdefault(
                "initial",
                {
                    "environment": roller.environment,
                    "custom_base_url": roller.custom_base_url if roller.environment == Environment.CUSTOM else "",
                    "client_id": roller.client_id,
                },
            )
        super().__init__(*args, **kwargs)
        choices = [
            (Environment.LIVE, "Live"),
            (Environment.PLAYGROUND, "Playground"),
            (Environment.CUSTOM, "Your venue's own domain"),
        ]
        explanations = {
            Environment.LIVE: f"Your venue's real data ({urlsplit(LIVE_URL).netloc}).",
            Environment.PLAYGROUND: (
                f"ROLLER's test copy of your venue ({urlsplit(PLAYGROUND_URL).netloc}); in Venue Manager choose "
                "“Switch to Playground venue” to create its API key."
            ),
            Environment.CUSTOM: "Your venue reaches ROLLER's API at its own address; enter it below.",
        }
        if self.sandbox_url:
            choices.append((Environment.SANDBOX, "Local sandbox"))
            explanations[Environment.SANDBOX] = (
                f"The ROLLER sandbox on this machine ({self.sandbox_url}), with a made-up venue, for trying things out."
            )
        self.fields["environment"].choices = choices
        self.fields["environment"].explanations = explanations
        if self.has_stored_secret:
            self.fields["client_secret"].help_text = "A secret is stored. Leave this empty to keep it."

    @property
    def has_stored_secret(self) -> bool:
        return self.roller is not None and bool(self.roller.client_secret)

    def clean_custom_base_url(self) -> str:
        url = self.cleaned_data["custom_base_url"].strip().rstrip("/")
        if url and urlsplit(url).scheme != "https":
            raise forms.ValidationError("ROLLER's API is only reached over HTTPS: the address starts with https://")
        return url

    def clean(self) -> dict:
        data = super().clean()
        environment = data.get("environment")
        # An address entered but refused (not https://, not an address) has its own error already.
        entered = "custom_base_url" in self.errors
        if environment == Environment.CUSTOM and not data.get("custom_base_url") and not entered:
            self.add_error("custom_base_url", "Enter your venue's API address, or choose Live or Playground.")
        client_id = data.get("client_id")
        same_key = self.roller is not None and client_id == self.roller.client_id
        if not data.get("client_secret") and not (self.has_stored_secret and same_key):
            self.add_error(
                "client_secret",
                "Enter the Client Secret."
                if not self.has_stored_secret
                else "Enter the Client Secret that belongs to this new Client ID.",
            )
        return data

    def stored_base_url(self) -> str:
        """What RollerSettings.custom_base_url holds for the chosen environment."""
        environment = self.cleaned_data["environment"]
        if environment == Environment.CUSTOM:
            return self.cleaned_data["custom_base_url"]
        if environment == Environment.SANDBOX:
            return self.sandbox_url
        return ""

    def base_url(self) -> str:
        return {Environment.LIVE: LIVE_URL, Environment.PLAYGROUND: PLAYGROUND_URL}.get(
            self.cleaned_data["environment"], self.stored_base_url()
        )

    def secret(self) -> str:
        """The secret typed now, or the stored one when left empty."""
        return self.cleaned_data.get("client_secret") or (self.roller.client_secret if self.roller else "")

    def environment_label(self) -> str:
        return str(Environment(self.cleaned_data["environment"]).label)


def credentials_form(data=None, *, connection: Connection) -> CredentialsForm:
    return CredentialsForm(data, roller=RollerSettings.objects.filter(connection=connection).first())
