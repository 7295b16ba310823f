"""How Activate reads an event's `timestamp` (activate-api.md a2, from the API page):
integer seconds, or a string starting YYYY-mm-dd, with an ISO 8601 offset or else in CET;
anything else is TIMESTAMP_ERROR."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

TIMESTAMP_ERROR = "TIMESTAMP_ERROR"
_STARTS_WITH_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")

# How the time was read, recorded beside it so a test can tell a missing offset.
READ_EPOCH, READ_OFFSET, READ_NAIVE, READ_ABSENT = "epoch seconds", "offset", "no offset: read as CET", "absent: now"


@dataclass(frozen=True)
class ReadTime:
    at: dt.datetime  # aware, UTC
    read_as: str


class TimestampError(ValueError):
    pass


def timestamp_read(value: object, *, naive_zone: str, now: dt.datetime) -> ReadTime:
    if value is None:
        return ReadTime(now.astimezone(dt.UTC), READ_ABSENT)
    if isinstance(value, int) and not isinstance(value, bool):
        return ReadTime(dt.datetime.fromtimestamp(value, dt.UTC), READ_EPOCH)
    if not isinstance(value, str) or not _STARTS_WITH_DATE.match(value):
        raise TimestampError(TIMESTAMP_ERROR)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        try:  # "starts with YYYY-mm-dd": what follows a valid date may be anything
            parsed = dt.datetime.fromisoformat(value[:10])
        except ValueError as error:
            raise TimestampError(TIMESTAMP_ERROR) from error
    if parsed.tzinfo is None:
        return ReadTime(parsed.replace(tzinfo=ZoneInfo(naive_zone)).astimezone(dt.UTC), READ_NAIVE)
    return ReadTime(parsed.astimezone(dt.UTC), READ_OFFSET)
