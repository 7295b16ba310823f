"""Registering our webhook with ROLLER, checking it, removing it.

The body follows models/CreateWebhookConfiguration.yaml. ROLLER sends the `apiKey` we choose
back in the `x-roller-apikey` header of every delivery: it is the only proof a delivery is
ROLLER's, so it is a long random secret, never logged.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from integrations.roller.client import RollerClient
from integrations.roller.errors import NotFound, UnexpectedResponse


@dataclass(frozen=True, slots=True)
class WebhookStatus:
    exists: bool
    enabled: bool
    url: str
    subscribed: tuple[str, ...] = ()  # the webhook types ROLLER has for it ("bulkExport", ...)


def webhook_configuration(*, url: str, api_key: str) -> dict:
    """What we subscribe to: bookings with their tickets (to link waivers, never to read names),
    guests, signed waivers (to recognise minors), and bulk exports (a first import's history;
    ROLLER sends them to every subscriber at the venue, so those not ours are skipped)."""
    return {
        "url": url,
        # ROLLER's default is false: a webhook registered without it never fires.
        "enabled": True,
        "authentication": {"apiKey": api_key},
        "webhooks": {
            "booking": {
                "events": ["Created", "Updated", "Cancelled"],
                "include": {"externalId": True, "tickets": True},
            },
            "customer": {"events": ["Created", "Updated"]},
            "signedWaiver": {"events": ["Created"]},
            "bulkExport": {"events": ["Created"]},
        },
    }


# The webhook types our configuration subscribes to (its `webhooks` keys).
WEBHOOK_TYPES = tuple(webhook_configuration(url="", api_key="")["webhooks"])


def webhook_register(*, client: RollerClient, url: str, api_key: str) -> str:
    """Create the webhook; return ROLLER's webhookId as a string."""
    body = client.create_webhook(webhook_configuration(url=url, api_key=api_key))
    webhook_id = body.get("webhookId") if isinstance(body, dict) else None
    if webhook_id is None or isinstance(webhook_id, bool) or str(webhook_id).strip() == "":
        raise UnexpectedResponse("ROLLER created the webhook but did not say its id.")
    return str(webhook_id)


def webhook_update(*, client: RollerClient, webhook_id: str, url: str, api_key: str) -> None:
    """Replace the webhook's configuration (new address or key, re-enable it)."""
    client.update_webhook(webhook_id, webhook_configuration(url=url, api_key=api_key))


def webhook_status(*, client: RollerClient, webhook_id: str) -> WebhookStatus:
    """Whether ROLLER still has our webhook, enabled, and where it posts (ROLLER disables a
    webhook after seven failed deliveries)."""
    for webhook in client.list_webhooks():
        if isinstance(webhook, dict) and str(webhook.get("webhookId", "")) == str(webhook_id):
            configuration = webhook.get("configuration") or {}
            webhooks = configuration.get("webhooks") or {}
            return WebhookStatus(
                exists=True,
                enabled=configuration.get("enabled") is True,
                url=str(configuration.get("url") or ""),
                subscribed=tuple(
                    name for name, value in webhooks.items() if isinstance(value, dict) and value.get("events")
                )
                if isinstance(webhooks, dict)
                else (),
            )
    return WebhookStatus(exists=False, enabled=False, url="")


def webhook_remove(*, client: RollerClient, webhook_id: str) -> None:
    """Delete the webhook; one that is already gone is fine."""
    with contextlib.suppress(NotFound):
        client.delete_webhook(webhook_id)
