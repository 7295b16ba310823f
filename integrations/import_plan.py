"""What a first import reads, in the order it reads it: a plan of (stream, start, end).

Low in the core: the runs service queues it (integrations.services.import_runs) and the
estimate shown before activation counts its windows (integrations.selectors.progress).
"""

import datetime as dt

from django.utils import timezone

from integrations.locality import connection_zone
from integrations.models import Connection, SyncRun
from integrations.registry import connector_get
from integrations.windows import local_midnight

Stream = SyncRun.Stream

# The streams read window by window; age evidence first, so minors are known before anyone
# is stored.
WINDOWED = (Stream.AGES, Stream.CONTACTS, Stream.ORDERS)


def first_import_plan(*, connection: Connection, now: dt.datetime | None = None) -> list[tuple]:
    """[(stream, start, end)] of the first import, in the order it runs (products: no range)."""
    spec = connector_get(connection.connector_type)
    now, tz = now or timezone.now(), connection_zone(connection)
    today = now.astimezone(tz).date()

    def back(days: int) -> dt.datetime:
        return local_midnight(today - dt.timedelta(days=days), tz)

    # Up to the next whole minute: the source's window parameters have whole seconds, and what
    # changed in the moments before the webhook was registered must not fall in between.
    end = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    plan: list[tuple] = []
    windowed = spec is not None and spec.read_window is not None and connection.contacts_enabled
    if windowed:
        waivers_days = max(connection.contacts_lookback_days, connection.orders_lookback_days)
        plan.append((Stream.AGES, back(waivers_days), end))
    if spec is not None and spec.read_products is not None and connection.products_enabled:
        plan.append((Stream.PRODUCTS, None, None))
    if windowed:
        plan.append((Stream.CONTACTS, back(connection.contacts_lookback_days), end))
        plan.append((Stream.ORDERS, back(connection.orders_lookback_days), end))
    return plan
