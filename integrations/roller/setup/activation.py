"""What activating a ROLLER connection registers, shown before and after it is pressed."""

from integrations.models import Connection
from integrations.roller.models import RollerSettings
from integrations.roller.services import roller_webhook_url, roller_webhook_url_problem
from integrations.setup import WebhookPlan

SUBSCRIBED = (
    "Bookings: created, updated and cancelled",
    "Guests: created and updated",
    "Signed waivers: created (to recognise minors)",
    "Bulk exports: created (the first import's history, in minutes)",
)


def webhook_plan(*, connection: Connection) -> WebhookPlan:
    """Our webhook at ROLLER; an address ROLLER would refuse is named before anyone asks it."""
    roller = RollerSettings.objects.filter(connection=connection).select_related("connection").first()
    return WebhookPlan(
        url=roller_webhook_url(connection=connection),
        subscribed=SUBSCRIBED,
        problem=roller_webhook_url_problem(roller_settings=roller) if roller else None,
        registered_id=roller.webhook_id if roller else "",
    )
