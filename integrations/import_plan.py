"""What a first import reads, in the order it reads it: a plan of steps.

The order a marketer values: products (orders need them); the recent tail by windows (the
last TAIL_DAYS days, fewer when a look-back is shorter), the age checks and contacts of those
days before their orders; then the history, by the source's export where the connector has one
(one request per stream, generated while the tail is read), by windows otherwise.

A re-read of a range (a re-import, a reconciliation) goes the same way when it is long: over
EXPORT_MIN_DAYS whole days of a stream by the source's export while the source's slot for it is
free, the part of today after them by windows; by windows otherwise (range_plan).

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
# A re-read of more whole days than this goes by the source's export (one request, its usage a
# unit a month) rather than a call a day; shorter ones by windows, at once.
EXPORT_MIN_DAYS = 30


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


def range_plan(
    *, connection: Connection, ranges: list[tuple[str, dt.datetime, dt.datetime]], slots_free: set[str]
) -> list[PlanStep]:
    """The steps of a re-read of (stream, start, end) ranges. A stream's range of more than
    EXPORT_MIN_DAYS whole venue-local days goes by the source's export while its slot is free
    (`slots_free`: integrations.selectors.history.export_slots_free), the rest of the last day
    by windows first, as a first import's tail; then every stream is history, so contacts and
    orders wait for the age checks of the batch. Otherwise by windows."""
    spec = connector_get(connection.connector_type)
    tz = connection_zone(connection)
    exported = set()
    for stream, start, end in ranges:
        whole_end = local_midnight(end.astimezone(tz).date(), tz)
        if (
            spec is not None
            and spec.exports is not None
            and start == local_midnight(start.astimezone(tz).date(), tz)
            and whole_end - start > dt.timedelta(days=EXPORT_MIN_DAYS)
            and stream in slots_free
        ):
            exported.add(stream)
    if not exported:
        return [PlanStep(stream, start, end) for stream, start, end in ranges]
    tail, history = [], []
    for stream, start, end in ranges:
        if stream not in exported:
            history.append(PlanStep(stream, start, end, Phase.HISTORY))
            continue
        whole_end = local_midnight(end.astimezone(tz).date(), tz)
        history.append(PlanStep(stream, start, whole_end, Phase.HISTORY, by_export=True))
        if whole_end < end:
            tail.append(PlanStep(stream, whole_end, end, Phase.TAIL))
    return tail + history
