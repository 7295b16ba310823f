"""Activate's part of the setup wizard (integrations.setup.DestinationSetupSpec): the
Account ID and key checked with Activate, what to send, the custom fields to create first."""

from integrations.activate.mapping import CUSTOM_FIELDS
from integrations.activate.setup import credentials, forms, sending
from integrations.delivery.models import Destination
from integrations.delivery.services.destinations import destination_activate
from integrations.setup import DestinationSetupSpec, Prerequisite, SetupStep


def prerequisites(*, destination: Destination) -> list[Prerequisite]:
    """The custom fields Activate needs created before anything carries them (W-ce, W-bp)."""
    return [Prerequisite(field.name, field.kind, field.meaning) for field in CUSTOM_FIELDS]


def activate(*, destination: Destination) -> None:
    destination_activate(destination)


SETUP = DestinationSetupSpec(
    steps=(
        SetupStep("credentials", "Credentials", "credentials", rows=credentials.credentials_rows),
        SetupStep(
            "sending",
            "What to send",
            "form",
            form=forms.sending_form,
            save=sending.sending_save,
            rows=sending.sending_rows,
            intro="What goes from the store to Activate. Minors are never sent, and neither is anyone without an email.",
        ),
        SetupStep("summary", "Summary", "summary"),
        SetupStep("activate", "Activate", "activate"),
    ),
    credentials_form=forms.credentials_form,
    credentials_check=credentials.credentials_check,
    credentials_save=credentials.credentials_save,
    account=credentials.account_stored,
    activate=activate,
    prerequisites=prerequisites,
    account_noun="Activate account",
    credentials_title="Connect to Spotler Activate",
    credentials_intro="Enter your Activate Account ID and API key. Continue checks them with Activate before "
    "anything is saved.",
    credentials_help_template="activate/setup/credentials_help.html",
    prerequisites_title="Create these custom fields in Activate first",
    prerequisites_intro="Activate takes a custom field only once it exists. In Activate, create each of these under "
    "Settings → Custom fields, with exactly this name and type, before you activate.",
    erasure_instructions="In Activate, go to Settings → Privacy Requests and make a removal request for each email.",
    activate_intro="Activating sends what the store holds, products first, then profiles, then purchases, and "
    "from then on every change as it happens.",
)
