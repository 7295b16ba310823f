"""Reading one field of a ROLLER payload as the type the records hold (the value coercers).

Ids are integers in the REST API and strings in the Reporting API (records hold `str`); money is
a decimal number in the venue currency (records hold `Decimal`); a time without a UTC offset is
venue-local, made aware in the `tz` given. A missing optional field gives "" / None; a missing
required field, or a value of the wrong type, raises PayloadError naming the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from integrations.roller.parsing.records import PayloadError

UTC = dt.UTC


def field_name(key: str, where: str) -> str:
    return f"{where}.{key}" if where else key


def mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PayloadError(f"The {what} is not a JSON object.")
    return value


def items(payload: Mapping[str, Any], key: str, where: str = "") -> list[Any]:
    """An array, tolerating null/missing (empty) and a single object (ROLLER's spec types
    BookingDetail.items and Items.tickets as one object; the live API sends arrays)."""
    value = payload.get(key)
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [value]
    if not isinstance(value, list):
        raise PayloadError(f"Field '{field_name(key, where)}' is not an array.")
    return value


def id_value(value: Any, key: str, where: str = "") -> str:
    # The common cases first, and the field's name only made for an error: an import parses
    # a few ids on each of a venue's hundreds of thousands of rows.
    if type(value) is str:
        stripped = value.strip()
        if stripped:
            return stripped
    elif isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    elif isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        raise PayloadError(f"Field '{field_name(key, where)}' is not an id: {value!r}.")
    raise PayloadError(f"Field '{field_name(key, where)}' is not an id.")


def optional_id(payload: Mapping[str, Any], key: str, where: str = "") -> str | None:
    value = payload.get(key)
    if value is None or value == "":
        return None
    return id_value(value, key, where)


def required_id(payload: Mapping[str, Any], key: str, where: str = "") -> str:
    value = optional_id(payload, key, where)
    if value is None:
        raise PayloadError(f"Required field '{field_name(key, where)}' is missing.")
    return value


def holder_id(payload: Mapping[str, Any], key: str, where: str = "") -> str | None:
    # .NET sends 0 for an unset integer id: no holder, not a guest numbered 0.
    value = optional_id(payload, key, where)
    return None if value == "0" else value


def text(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value).strip()


def boolean(payload: Mapping[str, Any], key: str, where: str = "") -> bool | None:
    value = payload.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise PayloadError(f"Field '{field_name(key, where)}' is not true or false.")


def integer(payload: Mapping[str, Any], key: str, where: str = "", **kwargs: Any) -> Any:
    value = payload.get(key)
    if value is None or value == "":
        if "default" in kwargs:
            return kwargs["default"]
        raise PayloadError(f"Required field '{field_name(key, where)}' is missing.")
    if isinstance(value, bool):
        raise PayloadError(f"Field '{field_name(key, where)}' is not a whole number.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise PayloadError(f"Field '{field_name(key, where)}' is not a whole number.")


_ZERO = Decimal("0")


def money(payload: Mapping[str, Any], key: str, where: str = "", default: Decimal | None = _ZERO) -> Any:
    """A decimal amount in venue currency; missing or null gives `default` (0 unless told)."""
    value = payload.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise PayloadError(f"Field '{field_name(key, where)}' is not an amount.")
    try:
        # str() first: Decimal(0.1) would carry the float's binary error into the amount.
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise PayloadError(f"Field '{field_name(key, where)}' is not an amount.") from exc
    if not amount.is_finite():
        raise PayloadError(f"Field '{field_name(key, where)}' is not an amount.")
    return amount


def date(payload: Mapping[str, Any], key: str, where: str = "") -> dt.date | None:
    """A calendar date (`yyyy-MM-dd`; a `…T00:00:00` value is taken by its date part)."""
    value = payload.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PayloadError(f"Field '{field_name(key, where)}' is not a date.")
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError as exc:
        raise PayloadError(f"Field '{field_name(key, where)}' is not a date: {value!r}.") from exc


def moment(payload: Mapping[str, Any], key: str, tz: ZoneInfo | None, where: str = "") -> dt.datetime | None:
    """An aware datetime: with `Z`/offset it is UTC; without, it is venue-local (`tz`)."""
    value = payload.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PayloadError(f"Field '{field_name(key, where)}' is not a date and time.")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise PayloadError(f"Field '{field_name(key, where)}' is not a date and time: {value!r}.") from exc
    if parsed.tzinfo is not None:
        try:
            return parsed.astimezone(UTC)
        except OverflowError as exc:  # 9999-12-31T23:59:59-05:00 is past the range in UTC
            raise PayloadError(f"Field '{field_name(key, where)}' is out of range: {value!r}.") from exc
    if tz is None:
        raise PayloadError(f"Field '{field_name(key, where)}' has no UTC offset and no venue time zone was given.")
    return parsed.replace(tzinfo=tz)
