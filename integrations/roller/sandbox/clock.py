"""Time in the sandbox: stored as UTC epoch seconds, written the way ROLLER writes it.

Records keep `float` timestamps because they are compact (the bench venue holds hundreds of
thousands of them) and cheap to compare when the Data API filters on modified dates.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from zoneinfo import ZoneInfo

VENUE_TZ = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC

_LOCAL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LOCAL_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


def now() -> float:
    return time.time()


def _utc(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, UTC)


def iso_utc_7(ts: float) -> str:
    """`2026-06-30T08:12:48.1597733Z`: webhook envelopes and signed waivers."""
    return _utc(ts).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def iso_offset_7(ts: float) -> str:
    """`2026-06-30T08:12:40.4085882+00:00`: REST booking dates."""
    return _utc(ts).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0+00:00"


def iso_data(ts: float, *, venue_offset: bool = False) -> str:
    """Data API dates: UTC `...Z`, or venue time with its offset when the client sent
    `TimeZone-Designators: offset`."""
    if venue_offset:
        return _utc(ts).astimezone(VENUE_TZ).isoformat(timespec="seconds")
    # As strftime("%Y-%m-%dT%H:%M:%SZ"), which is several times slower (pages of 500 rows).
    return _utc(ts).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def venue_date(ts: float) -> str:
    return _utc(ts).astimezone(VENUE_TZ).date().isoformat()


def venue_today() -> dt.date:
    return dt.datetime.now(VENUE_TZ).date()


def local_midnight_ts(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=VENUE_TZ).timestamp()


class DateParamError(ValueError):
    pass


def parse_window_param(value: str) -> tuple[dt.datetime, bool]:
    """Parse a Data API `startDate`/`endDate`.

    Returns (moment, is_local): values without an offset are venue-local wall-clock times
    (ROLLER's rule); values with `Z` or an offset are absolute.
    """
    value = value.strip()
    if _LOCAL_DATE.match(value):
        day = dt.date.fromisoformat(value)
        return dt.datetime(day.year, day.month, day.day), True
    if _LOCAL_DATETIME.match(value):
        return dt.datetime.fromisoformat(value), True
    if _WITH_OFFSET.match(value):
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")), False
    raise DateParamError("Use yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss.")


def window_to_epoch(start: tuple[dt.datetime, bool], end: tuple[dt.datetime, bool]) -> tuple[float, float, float]:
    """Return (start_ts, end_ts, length_hours).

    The length of a window between two local values is measured on the wall clock, so that
    "one day" is always accepted, also across a daylight-saving change (23 or 25 real hours).
    """
    (start_at, start_local), (end_at, end_local) = start, end
    start_abs = start_at.replace(tzinfo=VENUE_TZ) if start_local else start_at
    end_abs = end_at.replace(tzinfo=VENUE_TZ) if end_local else end_at
    if start_local and end_local:
        hours = (end_at - start_at).total_seconds() / 3600
    else:
        hours = (end_abs - start_abs).total_seconds() / 3600
    return start_abs.timestamp(), end_abs.timestamp(), hours
