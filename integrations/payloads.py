"""Reading a delivered body as a JSON document the store can hold, or saying why not.

Any connector's intake reads its webhooks through here, so one rule holds for all of them:
a document that would fail later, in PostgreSQL or in a worker, fails here instead, with a
reason a person can act on. Each check names the failure it prevents.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

# Source documents are a few levels deep (a booking's tickets are four); anything deeper is
# not a source's. Code that walks documents may recurse, and 1,000 levels is a RecursionError.
MAX_DEPTH = 64
# More digits than any id, amount or count has: Python refuses to convert 4,300 and more
# (ValueError), and a worker must never meet such a number.
MAX_NUMBER_DIGITS = 100


class UnreadableDocument(ValueError):
    """The body is not a document the store can hold; the message says why."""


@dataclass(frozen=True, slots=True)
class BodyText:
    """A body for the text column: `raw` is set when the text cannot hold its bytes exactly."""

    text: str
    raw: bytes | None


def body_text(body: bytes) -> BodyText:
    """The body as text, exact when it can be; with its bytes kept when not.

    PostgreSQL's text refuses a NUL byte and anything that is not UTF-8 (psycopg.DataError):
    the intake answered 503 for such bodies, as if the database were down.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and "\x00" not in text:
        if text.startswith("\ufeff"):
            # Whoever reads the text as JSON (handlers, redaction, the admin) trips on a
            # byte-order mark: the text goes without it, the bytes keep it.
            return BodyText(text[1:], body)
        return BodyText(text, None)
    return BodyText(body.decode("utf-8", "backslashreplace").replace("\x00", "\\x00"), body)


def unreadable_note(body: bytes) -> str:
    """What is kept of a body that could not be read, in place of the body: its size and its
    SHA-256, enough to tell two deliveries apart or match one a sender still has, and nothing
    personal. Such a body cannot be cleared of personal data field by field (a child's name on
    a ticket may be in it), so it is not kept at all (issue 13: nothing about minors on any path).
    """
    return f"[body not kept: {len(body)} bytes, SHA-256 {hashlib.sha256(body).hexdigest()}]"


def printable(value: object, *, limit: int = 500) -> str:
    """A header value or error message any column can hold: no NUL, no lone surrogate."""
    text = str(value).encode("utf-8", "backslashreplace").decode("utf-8")
    return text.replace("\x00", "\\x00")[:limit]


# What only a document failing one of the checks below can contain, searched in C: a NUL (raw
# or escaped), an escaped surrogate, a number-like run longer than MAX_NUMBER_DIGITS, a
# three-digit exponent (a float out of range), NaN or Infinity. A body without any is parsed
# by json.loads alone; a body with one (or a false alarm inside a string) is checked in full.
_LONG = MAX_NUMBER_DIGITS + 1
_SUSPECT = re.compile(rf"\x00|\\u0000|\\u[dD][89a-fA-F]|[0-9.eE+\-]{{{_LONG}}}|[eE][+-]?[0-9]{{3}}|NaN|Infinity")


def json_document_read(body: bytes) -> Any:
    """The parsed document; raises UnreadableDocument with the reason."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(f"The body is not UTF-8 text (byte {exc.start} is not).") from exc
    # Fewer brackets than MAX_DEPTH: no deeper than that either.
    if text.count("{") + text.count("[") <= MAX_DEPTH and not _SUSPECT.search(text):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise UnreadableDocument(f"The body is not JSON: {printable(exc, limit=200)}") from exc
    return document_checked(text)


def document_checked(text: str) -> Any:
    """The document read with every check (what json_document_read's quick path stands for)."""
    try:
        document = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except RecursionError as exc:
        raise UnreadableDocument(f"The body is nested more than {MAX_DEPTH} levels deep.") from exc
    except ValueError as exc:  # JSONDecodeError, and our number checks
        raise UnreadableDocument(f"The body is not JSON: {printable(exc, limit=200)}") from exc
    _check_values(document)
    return document


def _int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise ValueError(f"a number has more than {MAX_NUMBER_DIGITS} digits")
    return int(digits)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_DIGITS:
        raise ValueError(f"a number has more than {MAX_NUMBER_DIGITS} digits")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("a number is out of range")
    return value


def _constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _check_values(document: Any) -> None:
    """Every string must be storable; no deeper than MAX_DEPTH. A loop, not a recursion."""
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            _check_text(value)
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise UnreadableDocument(f"The body is nested more than {MAX_DEPTH} levels deep.")
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(key)
                pending.append((item, depth + 1))
        else:
            pending.extend((item, depth + 1) for item in value)


def _check_text(text: str) -> None:
    # "\u0000" and lone surrogates ("\ud800") are valid JSON escapes, but PostgreSQL refuses
    # the first and no encoder takes the second (UnicodeEncodeError, a 500 in the intake).
    if "\x00" in text:
        raise UnreadableDocument("The body holds a NUL character (\\u0000) in a text.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UnreadableDocument("The body holds a lone surrogate (\\ud800–\\udfff) in a text.") from exc
