"""One form per step. Radio choices carry a plain explanation of each option (`explanations`).

The credentials step's form is the connector's (its SetupSpec.credentials_form); the forms of the
other steps name the source by its label (`source`).
"""

from django import forms

from integrations.models import Connection
from integrations.presets import DEFAULT_PRESET
from integrations.setup import ExplainedChoiceField


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
                "Enter the credentials and a name; the recommended settings are used for the rest and you go "
                "straight to the summary, where you can change each one. " + default_preset_description()
            ),
            Connection.Preset.MANUAL: (
                "Walk through every step (products, contacts and orders) and make each choice yourself, "
                "starting from the recommended values."
            ),
        },
        error_messages={"required": "Choose Default or Manual."},
    )


# --- step 4 -------------------------------------------------------------------------------


def opt_in_explanations(source: str) -> dict[str, str]:
    return {
        Connection.OptInStrategy.IN_AND_OUT: (
            f"When a guest opts in or out of marketing email or SMS in {source}, the contact follows. "
            "Consent stays the same in both places. Recommended."
        ),
        Connection.OptInStrategy.IN_ONLY: (
            f"Only opt-ins are passed on. An opt-out in {source} changes nothing here: unsubscribes are managed in "
            "your marketing platform."
        ),
        Connection.OptInStrategy.NONE: (
            f"Consent is never changed from {source}. Choose this when consent is collected somewhere else."
        ),
    }


class SettingsForm(forms.ModelForm):
    opt_in_strategy = ExplainedChoiceField(
        label="Opt-in strategy", choices=Connection.OptInStrategy.choices, explanations={}
    )

    class Meta:
        model = Connection
        fields = ["name", "opt_in_strategy"]
        labels = {"name": "Name"}
        help_texts = {"name": "How this connector is called in your list of connectors."}
        error_messages = {"name": {"required": "Enter a name for this connector."}}

    def __init__(self, *args, source: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["opt_in_strategy"].explanations = opt_in_explanations(source)

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
    # Offered as choices (LOOKBACKS); still a number of days, checked against its range.
    contacts_lookback_days = forms.IntegerField(
        label="Contacts: how far back",
        min_value=1,
        max_value=3650,
        help_text="Guests changed in this period are imported when the connector starts.",
        error_messages={"min_value": "Enter at least 1 day.", "max_value": "At most 3650 days (ten years)."},
        widget=forms.Select,
    )
    orders_lookback_days = forms.IntegerField(
        label="Orders: how far back",
        min_value=1,
        max_value=3650,
        help_text="Bookings changed in this period are imported as orders when the connector starts.",
        error_messages={"min_value": "Enter at least 1 day.", "max_value": "At most 3650 days (ten years)."},
        widget=forms.Select,
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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("contacts_lookback_days", "orders_lookback_days"):
            recommended = getattr(DEFAULT_PRESET, name)
            current = self[name].value()
            self.fields[name].widget.choices = lookback_choices(recommended=recommended, current=current)


LOOKBACKS = (30, 365, 730, 3650)  # 30 days, 1 year, 2 years, all 10 years


def lookback_period(days: int) -> str:
    """ "30 days", "1 year", "10 years"."""
    if days >= 365 and days % 365 == 0:
        years = days // 365
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{days} day{'s' if days != 1 else ''}"


def lookback_label(days: int) -> str:
    """A look-back as offered: "30 days", "1 year", "All 10 years" (the most there is)."""
    return "All 10 years" if days == 3650 else lookback_period(days)


def lookback_choices(*, recommended: int, current) -> list[tuple[int, str]]:
    """The look-backs offered, with the recommended one (and one saved earlier) among them."""
    try:
        current = int(current)
    except (TypeError, ValueError):
        current = None
    values = sorted({*LOOKBACKS, recommended, *([current] if current and 0 < current <= 3650 else [])})
    return [(days, lookback_label(days) + (" (recommended)" if days == recommended else "")) for days in values]


# --- deleting -----------------------------------------------------------------------------


class ConfirmForm(forms.Form):
    """What cannot be undone waits for a ticked box; `confirm_label` says what goes."""

    confirm_label = "Yes, go ahead"
    confirm = forms.BooleanField(error_messages={"required": "Tick the box to confirm."})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = self.confirm_label


class DestinationCancelForm(ConfirmForm):
    confirm_label = "Yes, cancel this setup and delete what it saved"


class DeleteForm(ConfirmForm):
    confirm_label = "Yes, delete this connector and everything it synchronised"
    keep_webhook = forms.BooleanField(label="Delete anyway, and remove the webhook myself", required=False)

    def __init__(self, *args, source: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["keep_webhook"].label = f"Delete anyway, and remove the webhook in {source} myself"
