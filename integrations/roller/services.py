"""ROLLER's part of a connection's lifecycle: the venue, the webhook, activation, removal."""

import logging
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from integrations.models import Connection
from integrations.registry import SourceLocality
from integrations.roller.client import RollerClient
from integrations.roller.errors import NotFound, RollerError
from integrations.roller.models import RollerSettings
from integrations.roller.parsing.payloads import parse_venue
from integrations.roller.parsing.records import VenueRecord
from integrations.roller.webhooks import webhook_register, webhook_remove, webhook_update
from integrations.services.connections import ActivationError

logger = logging.getLogger(__name__)

# ROLLER may still be retrying deliveries signed with the old key after a rotation.
PREVIOUS_KEY_GRACE = timedelta(days=4)


def roller_webhook_url(*, connection: Connection) -> str:
    path = reverse("roller_webhook", kwargs={"public_id": connection.public_id})
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def roller_locality(connection: Connection) -> SourceLocality:
    """The venue's country and currency as ROLLER told them when the credentials were checked."""
    roller = getattr(connection, "roller", None)  # cached on the connection once read
    if roller is None:
        return SourceLocality()
    return SourceLocality(country=roller.venue_country, currency=roller.venue_currency)


def roller_webhook_url_problem(*, roller_settings: RollerSettings) -> str | None:
    """Why ROLLER would refuse our webhook address, before asking it; None when fine."""
    url = roller_webhook_url(connection=roller_settings.connection)
    needs_https = roller_settings.environment != RollerSettings.Environment.SANDBOX
    if needs_https and urlsplit(url).scheme != "https":
        return (
            f"ROLLER only posts webhooks to HTTPS addresses, and this site's address is {settings.PUBLIC_BASE_URL}. "
            "Set PUBLIC_BASE_URL to this site's public https:// address and try again."
        )
    return None


def roller_venue_refresh(*, roller_settings: RollerSettings, client: RollerClient | None = None) -> VenueRecord:
    """Reads the venue behind the credentials and stores its name, time zone, currency, country."""
    client = client or RollerClient.from_settings(roller_settings)
    venue = parse_venue(client.get_venue())
    roller_settings.venue_id = venue.venue_id
    roller_settings.venue_name = venue.name
    roller_settings.venue_time_zone = venue.time_zone
    roller_settings.venue_currency = venue.currency
    roller_settings.venue_country = venue.country_code
    roller_settings.save(
        update_fields=["venue_id", "venue_name", "venue_time_zone", "venue_currency", "venue_country", "updated_at"]
    )
    connection = roller_settings.connection
    connection.time_zone = venue.time_zone or connection.time_zone
    connection.currency = venue.currency
    connection.country = venue.country_code[:2]
    connection.source_account_id = venue.venue_id
    connection.save(update_fields=["time_zone", "currency", "country", "source_account_id", "updated_at"])
    return venue


def roller_credentials_recheck(connection: Connection) -> None:
    """Whether ROLLER accepts the stored key again (`ConnectorSpec.credentials_recheck`).

    While the key is refused this is one token request. Once ROLLER issues a token again, one
    GET /venues/me confirms the venue's API access too (a venue without the API add-on gets
    tokens and a 403 on every other call). Raises CredentialsRejected or NoApiAccess while
    refused, RollerUnavailable or RateLimited when ROLLER could not be asked.
    """
    roller_settings = RollerSettings.objects.select_related("connection").get(connection=connection)
    client = RollerClient.from_settings(roller_settings)
    client.check_credentials(fresh=True)
    client.get_venue()


def roller_activate(connection: Connection) -> None:
    """Registers (or re-registers) our webhook at ROLLER under a newly generated key.

    All or nothing: when ROLLER refuses, nothing is stored and ActivationError says why.
    When ROLLER accepted but storing its answer fails, the new webhook is removed again so
    no stray webhook posts to us with a key we do not have.
    """
    roller_settings = RollerSettings.objects.select_related("connection").get(connection=connection)
    problem = roller_webhook_url_problem(roller_settings=roller_settings)
    if problem:
        raise ActivationError(problem)
    client = RollerClient.from_settings(roller_settings)
    url = roller_webhook_url(connection=connection)
    new_key = secrets.token_urlsafe(32)
    existing_id = roller_settings.webhook_id
    try:
        webhook_id = ""
        if existing_id:
            try:
                webhook_update(client=client, webhook_id=existing_id, url=url, api_key=new_key)
                webhook_id = existing_id
            except NotFound:
                # ROLLER no longer has it (deleted there, or a sandbox started afresh): a new one.
                existing_id = ""
        if not webhook_id:
            webhook_id = webhook_register(client=client, url=url, api_key=new_key)
    except RollerError as exc:
        raise ActivationError(f"ROLLER did not register the webhook: {exc}") from exc

    try:
        with transaction.atomic():
            _store_webhook(roller_settings, webhook_id=webhook_id, new_key=new_key)
    except Exception:
        if not existing_id:
            logger.exception("storing webhook %s failed; removing it at ROLLER again", webhook_id)
            try:
                webhook_remove(client=client, webhook_id=webhook_id)
            except RollerError:
                logger.exception("could not remove webhook %s at ROLLER", webhook_id)
        raise
    logger.info("connection %s: ROLLER webhook %s registered", connection.pk, webhook_id)


def _store_webhook(roller_settings: RollerSettings, *, webhook_id: str, new_key: str) -> None:
    if roller_settings.webhook_key:
        roller_settings.previous_webhook_key = roller_settings.webhook_key
        roller_settings.previous_webhook_key_valid_until = timezone.now() + PREVIOUS_KEY_GRACE
    roller_settings.webhook_id = webhook_id
    roller_settings.webhook_key = new_key
    roller_settings.webhook_checked_at = timezone.now()
    roller_settings.save()


def roller_delete(connection: Connection) -> None:
    """Removes our webhook at ROLLER, so a deleted connection gets no more deliveries."""
    roller_settings = RollerSettings.objects.filter(connection=connection).first()
    if roller_settings is None or not roller_settings.webhook_id:
        return
    webhook_remove(client=RollerClient.from_settings(roller_settings), webhook_id=roller_settings.webhook_id)
    RollerSettings.objects.filter(pk=roller_settings.pk).update(webhook_id="")


@transaction.atomic
def roller_connection_create(
    *,
    account,
    name: str,
    environment: str,
    client_id: str,
    client_secret: str,
    custom_base_url: str = "",
) -> Connection:
    """A draft ROLLER connection with the default preset (not yet checked or activated)."""
    from integrations.presets import preset_apply

    connection = Connection(account=account, connector_type="roller", name=name)
    preset_apply(connection=connection)
    connection.save()
    RollerSettings.objects.create(
        connection=connection,
        environment=environment,
        custom_base_url=custom_base_url,
        client_id=client_id,
        client_secret=client_secret,
    )
    return connection
