"""Import windows: at most one venue-local day each, so a window is one task and one
transaction, and a crash loses at most one day's work."""

import datetime as dt
from zoneinfo import ZoneInfo


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz)


def window_end(start: dt.datetime, limit: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """The end of the window starting at `start`: the next venue-local midnight, or `limit`."""
    return min(local_midnight(start.astimezone(tz).date() + dt.timedelta(days=1), tz), limit)


def windows_count(start: dt.datetime, end: dt.datetime, tz: ZoneInfo) -> int:
    count, cursor = 0, start
    while cursor < end:
        cursor, count = window_end(cursor, end, tz), count + 1
    return count


def month_slices(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """[start, end) cut at the first of each month: the calendar months a range touches (a
    source's export comes a month at a time)."""
    slices, cursor = [], start
    while cursor < end:
        next_month = (cursor.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        upto = min(next_month, end)
        slices.append((cursor, upto))
        cursor = upto
    return slices
