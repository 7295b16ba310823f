"""Small checks for request bodies, collecting ASP.NET-style `{field: [messages]}` errors."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TIME_24H = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
GENDERS = ("Male", "Female", "Other", "PreferNotToSay")
FLAG_TYPES = ("Ban", "VIP", "Medical", "Alert", "Competency")


class Errors(dict[str, list[str]]):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


def text(
    errors: Errors,
    body: dict[str, Any],
    name: str,
    *,
    required: bool = False,
    max_length: int | None = None,
    prefix: str = "",
) -> str | None:
    value = body.get(name)
    field = f"{prefix}{name}"
    if value is None or value == "":
        if required:
            errors.add(field, f"The {name} field is required.")
        return None
    if not isinstance(value, str):
        errors.add(field, f"The {name} field must be a string.")
        return None
    if max_length is not None and len(value) > max_length:
        errors.add(field, f"The {name} field must be at most {max_length} characters.")
    return value


def boolean(errors: Errors, body: dict[str, Any], name: str, *, required: bool = False) -> bool | None:
    value = body.get(name)
    if value is None:
        if required:
            errors.add(name, f"The {name} field is required.")
        return None
    if not isinstance(value, bool):
        errors.add(name, f"The {name} field must be true or false.")
        return None
    return value


def integer(errors: Errors, value: Any, field: str, *, minimum: int | None = None) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        else:
            errors.add(field, f"The {field} field must be an integer.")
            return None
    if minimum is not None and value < minimum:
        errors.add(field, f"The {field} field must be at least {minimum}.")
        return None
    return value


def date(errors: Errors, value: Any, field: str, *, required: bool = True) -> str | None:
    if value is None or value == "":
        if required:
            errors.add(field, f"The {field} field is required.")
        return None
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        errors.add(field, f"The {field} field must be a date in yyyy-MM-dd format.")
        return None


def email(errors: Errors, value: str | None, field: str) -> None:
    if value is not None and (len(value) > 256 or not EMAIL.match(value.strip())):
        errors.add(field, "The email field is not a valid e-mail address.")


def number(errors: Errors, value: Any, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        errors.add(field, f"The {field} field must be a number.")
        return None
    return float(value)
