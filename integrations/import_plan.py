"""What a first import reads, in the order it reads it: a plan of steps.

The order a marketer values: products (orders need them); the recent tail by windows (the
last TAIL_DAYS days, fewer when a look-back is shorter), the age checks and contacts of those
days before their orders; then the history, by the source's export where the connector has one
(one request per stream, generated while the tail is read), by windows otherwise.

Low in the core: the runs service queues it (integrations.services.import_runs) and the
estimate shown before activation counts it (integrations.selectors.progress).
"""

import datetime as dt
from typing import NamedTuple

from django.utils import timezone

from integrations.locality import connection_zone
from integrations.models import Connection, SyncRun
from integrations.registry import connector_get
from integrations.windows import local_midnight

Stream, Phase = SyncRun.Stream, SyncRun.Phase

# The streams read window by window; age evidence first, so minors are known before anyone
# is stored.
WINDOWED = (Stream.AGES, Stream.CONTACTS, Stream.ORDERS)
# The recent days read first, by windows: a week's orders and their contacts within minutes.
TAIL_DAYS = 7


class PlanStep(NamedTuple):
    stream: str
    start: dt.datetime | None  # None: a stream without a range (products)
    end: dt.datetime | None
    phase: str = Phase.NONE
    by_export: bool = False  # read from the source's export files, not by windows


def first_import_plan(*, connection: Connection, now: dt.datetime | None = None) -> list[PlanStep]:
    """The first import's steps, in the order they run."""
    spec = connector_get(connection.connector_type)
    now, tz = now or timezone.now(), connection_zone(connection)
    today = now.astimezone(tz).date()

    def back(days: int) -> dt.datetime:
        return local_midnight(today - dt.timedelta(days=days), tz)

    # Up to the next whole minute: the source's window parameters have whole seconds, and what
    # changed in the moments before the webhook was registered must not fall in between.
    end = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    plan: list[PlanStep] = []
    if spec is not None and spec.read_products is not None and connection.products_enabled:
        plan.append(PlanStep(Stream.PRODUCTS, None, None))
    if spec is None or spec.read_window is None or not connection.contacts_enabled:
        return plan
    lookbacks = {
        Stream.AGES: max(connection.contacts_lookback_days, connection.orders_lookback_days),
        Stream.CONTACTS: connection.contacts_lookback_days,
        Stream.ORDERS: connection.orders_lookback_days,
    }
    for stream in WINDOWED:
        plan.append(PlanStep(stream, back(min(TAIL_DAYS, lookbacks[stream])), end, Phase.TAIL))
    by_export = spec.exports is not None
    for stream in WINDOWED:
        if lookbacks[stream] > TAIL_DAYS:
            plan.append(PlanStep(stream, back(lookbacks[stream]), back(TAIL_DAYS), Phase.HISTORY, by_export))
    return plan
