"""What the destination tests share: addresses, and a destination at any step."""

from integrations.activate.models import ActivateSettings
from integrations.delivery.models import Destination

TYPE = "activate"


def step_url(key: str) -> str:
    return f"/connectors/destinations/{TYPE}/setup/{key}/"


PAGE_URL = f"/connectors/destinations/{TYPE}/"


def credentials_form(stand_in, **overrides) -> dict:
    return {"where": "stand_in", "account_id": stand_in.account_id, "api_key": stand_in.api_key, **overrides}


def make_destination(account, *, step: str = "destination", status: str = "draft", stand_in=None, **fields):
    """A destination of the account that completed `step`, with the stand-in's credentials
    once past the credentials step."""
    destination = Destination.objects.create(
        account=account, destination_type=TYPE, name="Spotler Activate", wizard_step=step, status=status, **fields
    )
    if step != "destination" and stand_in is not None:
        ActivateSettings.objects.create(
            destination=destination,
            account_id=stand_in.account_id,
            api_key=stand_in.api_key,
            base_url=stand_in.url,
        )
    return destination


# The sending step's form, filled as a person would leave it.
SENDING = {
    "send_profiles": "on",
    "send_purchases": "on",
    "send_products": "on",
    "language": "nl_NL",
    "currency": "EUR",
    "repeated_orders": "replace",
}
