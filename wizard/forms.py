"""One form per step. Radio choices carry a plain explanation of each option (`explanations`)."""

from urllib.parse import urlsplit

from django import forms
from django.conf import settings

from integrations.models import Connection
from integrations.presets import DEFAULT_PRESET
from integrations.roller.models import LIVE_URL, PLAYGROUND_URL, RollerSettings


class ExplainedChoiceField(forms.ChoiceField):
    """Radio buttons, each with a sentence saying what choosing it means."""

    def __init__(self, *, explanations: dict[str, str], **kwargs) -> None:
        kwargs.setdefault("widget", forms.RadioSelect)
        super().__init__(**kwargs)
        self.explanations = explanations


def _label(choices, value) -> str:
    return str(dict(choices)[value]).lower()


def default_preset_description() -> str:
    p = DEFAULT_PRESET
    years = p.contacts_lookback_days // 365
    return (
        f"Products {_label(Connection.ProductsFrequency.choices, p.products_frequency_minutes)}; "
        f"contacts created and updated, matched by {_label(Connection.MatchingKey.choices, p.matching_key)}; "
        f"nothing about guests under {p.minimum_age} is ever synchronised; "
        f"{_label(Connection.OptInStrategy.choices, p.opt_in_strategy)} passed on; "
        f"the first import brings orders of the last {p.orders_lookback_days} days "
        f"and contacts of the last {years} years."
    )


# --- step 2 -------------------------------------------------------------------------------


class PresetForm(forms.Form):
    preset = ExplainedChoiceField(
        label="How do you want to set up this connector?",
        choices=Connection.Preset.choices,
        explanations={
            Connection.Preset.DEFAULT: (
                "The recommended settings, filled in for you (you can still change each one). "
                + default_preset_description()
            ),
            Connection.Preset.MANUAL: "You make each choice yourself on the next steps.",
        },
        error_messages={"required": "Choose Default or Manual."},
    )


# --- step 3 -------------------------------------------------------------------------------

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
        if environment == Environment.CUSTOM and not data.get("custom_base_url"):
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


# --- step 4 -------------------------------------------------------------------------------

OPT_IN_EXPLANATIONS = {
    Connection.OptInStrategy.IN_AND_OUT: (
        "When a guest opts in or out of marketing email or SMS in ROLLER, the contact follows. "
        "Consent stays the same in both places. Recommended."
    ),
    Connection.OptInStrategy.IN_ONLY: (
        "Only opt-ins are passed on. An opt-out in ROLLER changes nothing here: unsubscribes are managed in "
        "your marketing platform."
    ),
    Connection.OptInStrategy.NONE: (
        "Consent is never changed from ROLLER. Choose this when consent is collected somewhere else."
    ),
}


class SettingsForm(forms.ModelForm):
    opt_in_strategy = ExplainedChoiceField(
        label="Opt-in strategy", choices=Connection.OptInStrategy.choices, explanations=OPT_IN_EXPLANATIONS
    )

    class Meta:
        model = Connection
        fields = ["name", "opt_in_strategy"]
        labels = {"name": "Name"}
        help_texts = {"name": "How this connector is called in your list of connectors."}
        error_messages = {"name": {"required": "Enter a name for this connector."}}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        taken = Connection.objects.filter(account_id=self.instance.account_id, name=name).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                f"You already have a connector named “{name}”. Choose another name, for example “{name} (2)”."
            )
        return name


# --- step 5 -------------------------------------------------------------------------------


class ProductsForm(forms.ModelForm):
    class Meta:
        model = Connection
        fields = ["products_enabled", "products_frequency_minutes"]
        labels = {"products_enabled": "Synchronise products", "products_frequency_minutes": "How often"}
        error_messages = {"products_frequency_minutes": {"invalid_choice": "Choose one of the listed frequencies."}}


# --- step 6 -------------------------------------------------------------------------------


class ContactsForm(forms.ModelForm):
    contacts_mode = ExplainedChoiceField(
        label="What to do with guests",
        choices=Connection.ContactsMode.choices,
        explanations={
            Connection.ContactsMode.CREATE_AND_UPDATE: "New guests become contacts; known contacts are kept up to date.",
            Connection.ContactsMode.UPDATE_ONLY: (
                "Only contacts that already exist here are updated; new guests and their orders are left out."
            ),
        },
    )
    matching_key = ExplainedChoiceField(
        label="Match contacts on",
        choices=Connection.MatchingKey.choices,
        explanations={
            Connection.MatchingKey.EMAIL: "Two guests with one email address are one contact. Recommended.",
            Connection.MatchingKey.PHONE: (
                "Two guests with one phone number are one contact; guests without a phone number are left out."
            ),
        },
    )
    minimum_age = forms.IntegerField(
        label="Minimum age",
        min_value=13,
        max_value=99,
        help_text=(
            "Data about minors is never synchronised: a guest younger than this, or one a waiver was signed for "
            "as a minor, is not stored at all — not as a contact, not as a name on an order."
        ),
        error_messages={
            "min_value": "The minimum age is at least 13.",
            "max_value": "The minimum age is at most 99.",
            "required": "Enter the minimum age.",
            "invalid": "Enter the age as a whole number.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    contacts_lookback_days = forms.IntegerField(
        label="Contacts: days back",
        min_value=1,
        max_value=3650,
        help_text="Guests changed in this many days are imported when the connector starts (3650 is ten years).",
        error_messages={"min_value": "Enter at least 1 day.", "max_value": "At most 3650 days (ten years)."},
    )
    orders_lookback_days = forms.IntegerField(
        label="Orders: days back",
        min_value=1,
        max_value=3650,
        help_text="Bookings changed in this many days are imported as orders when the connector starts.",
        error_messages={"min_value": "Enter at least 1 day.", "max_value": "At most 3650 days (ten years)."},
    )

    class Meta:
        model = Connection
        fields = [
            "contacts_enabled",
            "contacts_mode",
            "matching_key",
            "minimum_age",
            "contacts_lookback_days",
            "orders_lookback_days",
        ]
        labels = {"contacts_enabled": "Synchronise contacts (and with them, orders)"}


# --- deleting -----------------------------------------------------------------------------


class DeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, delete this connector and everything it synchronised",
        error_messages={"required": "Tick the box to confirm."},
    )
    keep_webhook = forms.BooleanField(
        label="Delete anyway, and remove the webhook in ROLLER myself",
        required=False,
    )
