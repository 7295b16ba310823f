"""Creates a ROLLER connection with the default preset for an account and activates it; a
venue the account has connected already gets its existing connection, with these credentials.

For the demo and for operators; the wizard does the same in the browser. The Client Secret
is read from ROLLER_CLIENT_SECRET (or the sandbox's demo secret), not from the command line,
where any user of the machine could read it in the process list.
"""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.errors import SyncError
from integrations.models import Account, Connection
from integrations.roller.errors import RollerError
from integrations.roller.models import RollerSettings
from integrations.roller.services import roller_connection_create, roller_venue_refresh
from integrations.roller.setup.credentials import credentials_verify
from integrations.services.connections import connection_activate

SANDBOX_CLIENT_ID = "sandbox-demo-client"
SANDBOX_CLIENT_SECRET = "sandbox-demo-secret"


class Command(BaseCommand):
    help = "Connects an account to a ROLLER venue (the local sandbox by default) and activates it."

    def add_arguments(self, parser):
        parser.add_argument("--account", default="Demo Venues", help="Account name (created if missing).")
        parser.add_argument("--name", default="", help="Connection name (default: the venue's name).")
        parser.add_argument(
            "--environment", default="sandbox", choices=[choice for choice, _ in RollerSettings.Environment.choices]
        )
        parser.add_argument("--url", default="", help="Base URL for the sandbox or a venue's own domain.")
        parser.add_argument("--client-id", default="")
        parser.add_argument(
            "--contacts-lookback-days", type=int, help="First import of contacts (default: the preset's)."
        )
        parser.add_argument("--orders-lookback-days", type=int, help="First import of orders (default: the preset's).")

    def handle(self, *args, account, name, environment, url, client_id, **options):
        lookbacks = {
            field: options[field] for field in ("contacts_lookback_days", "orders_lookback_days") if options[field]
        }
        if environment == "sandbox":
            url = url or settings.ROLLER_SANDBOX_URL or "http://127.0.0.1:8100"
            client_id = client_id or os.environ.get("ROLLER_SANDBOX_CLIENT_ID", SANDBOX_CLIENT_ID)
            secret = os.environ.get("ROLLER_CLIENT_SECRET") or os.environ.get(
                "ROLLER_SANDBOX_CLIENT_SECRET", SANDBOX_CLIENT_SECRET
            )
        else:
            secret = os.environ.get("ROLLER_CLIENT_SECRET", "")
        if not client_id or not secret:
            raise CommandError("Give --client-id and set ROLLER_CLIENT_SECRET in the environment.")
        if environment == "custom" and not url:
            raise CommandError("--url is required for a venue's own domain.")

        account_row, _ = Account.objects.get_or_create(name=account)
        base_url = url if environment in ("sandbox", "custom") else ""
        credentials = {"environment": environment, "client_id": client_id, "client_secret": secret}
        existing = _connection_of_venue(account_row, base_url=base_url, **credentials)
        if existing is not None:
            # The venue is connected already: a second connection would process every booking twice.
            connection = existing
            _credentials_store(connection.roller, custom_base_url=base_url, **credentials)
        else:
            connection = roller_connection_create(
                account=account_row,
                name=name or f"ROLLER ({client_id})",
                custom_base_url=base_url,
                **credentials,
            )
        try:
            venue = roller_venue_refresh(roller_settings=connection.roller)
            if not name and existing is None:
                connection.name = _unique_name(account_row, venue.name or connection.name)
            for field, days in lookbacks.items():
                setattr(connection, field, days)
            connection.save(update_fields=["name", *lookbacks])
            connection_activate(connection=connection)
        except SyncError as exc:
            raise CommandError(
                f"{exc} The connection '{connection.name}' was kept as a draft (id {connection.pk})."
            ) from exc
        connection.roller.refresh_from_db()
        reused = " (the venue's existing connection, reused)" if existing is not None else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Connection '{connection.name}'{reused} is active (venue {venue.name}, {venue.time_zone}); "
                f"webhook {connection.roller.webhook_id} registered."
            )
        )


def _connection_of_venue(
    account: Account, *, environment: str, base_url: str, client_id: str, client_secret: str
) -> Connection | None:
    """The account's connection to the venue behind these credentials, or None (also when
    ROLLER cannot tell now: the new connection's own check then says why)."""
    probe = RollerSettings(environment=environment, custom_base_url=base_url)
    try:
        venue = credentials_verify(base_url=probe.base_url, client_id=client_id, client_secret=client_secret)
    except RollerError:
        return None
    return (
        Connection.objects.filter(account=account, connector_type="roller", source_account_id=venue.venue_id)
        .select_related("roller")
        .order_by("created_at")
        .first()
    )


def _credentials_store(
    roller_settings: RollerSettings, *, environment: str, custom_base_url: str, client_id: str, client_secret: str
) -> None:
    changed = (roller_settings.client_id, roller_settings.client_secret) != (client_id, client_secret)
    roller_settings.environment = environment
    roller_settings.custom_base_url = custom_base_url
    roller_settings.client_id = client_id
    roller_settings.client_secret = client_secret
    if changed:
        # A token belongs to the credentials that got it.
        roller_settings.access_token = ""
        roller_settings.access_token_expires_at = None
    roller_settings.save()


def _unique_name(account: Account, wanted: str) -> str:
    name, n = wanted, 2
    while account.connections.filter(name=name).exists():
        name, n = f"{wanted} ({n})", n + 1
    return name
