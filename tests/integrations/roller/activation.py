"""A ROLLER connection on the sandbox as the wizard leaves it, activated: shared by the import
and the export tests."""

from integrations.models import Connection
from integrations.roller.models import RollerSettings
from integrations.roller.services import roller_connection_create, roller_venue_refresh
from integrations.services.connections import connection_activate
from tests.factories import AccountFactory


def activate(sandbox, worker, *, contacts_days: int = 3, orders_days: int = 2) -> Connection:
    """Webhook registered, first import queued, with these look-backs."""
    connection = roller_connection_create(
        account=AccountFactory(), name="Bounce", environment=RollerSettings.Environment.SANDBOX,
        client_id=sandbox.client_id, client_secret=sandbox.client_secret, custom_base_url=sandbox.url,
    )  # fmt: skip
    roller_venue_refresh(roller_settings=connection.roller)
    Connection.objects.filter(pk=connection.pk).update(
        contacts_lookback_days=contacts_days, orders_lookback_days=orders_days
    )
    connection.refresh_from_db()
    worker.call(connection_activate, connection=connection)
    return connection
