"""Where a connection is: its time zone, country and currency.

The connection's own settings win; a blank country or currency falls back to what the source
says about the venue (ConnectorSpec.locality), and an unknown time zone to UTC.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from integrations.models import Connection
from integrations.registry import SourceLocality, connector_get

UTC = ZoneInfo("UTC")


def zone_named(name: str | None) -> ZoneInfo:
    """The zone of that IANA name; UTC for a blank or unknown one."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def connection_zone(connection: Connection) -> ZoneInfo:
    """The venue's zone: days, windows and daily counts are the venue's days."""
    return zone_named(connection.time_zone)


def connection_country(connection: Connection) -> str:
    """ISO country code (for phone numbers), or "" when neither the connection nor the source has one."""
    return connection.country or source_locality(connection).country


def connection_currency(connection: Connection) -> str:
    """ISO currency code of the venue's amounts, or ""."""
    return connection.currency or source_locality(connection).currency


def source_locality(connection: Connection) -> SourceLocality:
    spec = connector_get(connection.connector_type)
    if spec is None or spec.locality is None:
        return SourceLocality()
    return spec.locality(connection)
