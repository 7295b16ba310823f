"""Reading ROLLER's bulk export files from their presigned URLs, row by row.

A bulk export's files (integrations.roller.parsing.payloads.parse_bulk_export) are JSON on a
file server (S3 at ROLLER), reached by presigned URLs. What this module keeps to:

- **Presigned URLs are secrets**: the query signs the request, so whoever has the URL has the
  file. No ROLLER token and no Authorization header is sent (S3 refuses a second way to
  authenticate with 403 anyway); logs and error messages name the host and path only, never
  the query; urllib3's own debug line is masked too (see _MaskPresignedQueries).
- **Memory stays flat**: the body is streamed in chunks through ijson (a C-backed streaming
  parser), one row at a time, whatever the size of the file.
- **Both shapes**: ROLLER does not document whether a file is a bare array of rows or a page
  envelope (`{..., "items": [...]}`); both are read.
- **Errors to act on**: 403 (expired or no longer valid) raises BulkFileExpired; a time-out,
  a broken connection or a 5xx, RollerUnavailable (transient: stream the file again, passing
  `skip` = the rows already handled); anything else, UnexpectedResponse.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from typing import Any

import ijson
import requests
from django.conf import settings

from integrations.roller.errors import BulkFileExpired, RollerUnavailable, UnexpectedResponse

logger = logging.getLogger("integrations.roller.bulk_files")

CHUNK_BYTES = 64 * 1024
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
_sessions = threading.local()
_PRESIGNED_QUERY = re.compile(r"\?[^\s\"']*")


def bulk_file_rows(
    url: str,
    *,
    skip: int = 0,
    session: requests.Session | None = None,
    timeout: tuple[float, float] | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> Iterator[dict[str, Any]]:
    """The rows of one bulk export file, streamed; the first `skip` rows are read past (to
    resume a file after a crash without handling a row twice)."""
    response = _open(url, session or _session(), timeout or getattr(settings, "ROLLER_HTTP_TIMEOUT", (5.0, 30.0)))
    where = presigned_url_display(url)
    started, count = time.monotonic(), 0
    try:
        for count, row in enumerate(_rows(_chunks(response, chunk_bytes), where), start=1):
            if count > skip:
                yield row
    finally:
        response.close()
    logger.info(
        "ROLLER bulk file %s: %d rows in %d ms",
        where,
        count,
        round((time.monotonic() - started) * 1000),
        extra={"roller_bulk_file": where, "rows": count},
    )


def presigned_url_display(url: str) -> str:
    """`https://host/path/file.json?…`: the URL without its signing query, for logs and pages."""
    parts = urllib.parse.urlsplit(url)
    masked = "?…" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}{parts.path}{masked}"


# --- HTTP ------------------------------------------------------------------------------------


def _strip_authorization(request: requests.PreparedRequest) -> requests.PreparedRequest:
    # An explicit auth also keeps requests from adding credentials of its own from ~/.netrc.
    request.headers.pop("Authorization", None)
    return request


def _session() -> requests.Session:
    """This thread's session for file servers: never the ROLLER API's session, so no header
    set for ROLLER can travel with a file request."""
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = requests.Session()
    return session


def _open(url: str, session: requests.Session, timeout: tuple[float, float]) -> requests.Response:
    where = presigned_url_display(url)
    attempts = max(1, int(getattr(settings, "ROLLER_HTTP_ATTEMPTS", 3)))
    for attempt in range(1, attempts + 1):
        started = time.monotonic()
        try:
            response = session.get(url, stream=True, timeout=timeout, auth=_strip_authorization, allow_redirects=False)
        except (requests.Timeout, requests.ConnectionError) as exc:
            _log(where, type(exc).__name__, started, attempt)
            if attempt < attempts:
                continue
            # `from None`: requests' own message holds the whole URL, query and all.
            raise RollerUnavailable(f"The bulk export file {where} could not be fetched; try again later.") from None
        _log(where, response.status_code, started, attempt)
        if response.status_code == 200:
            return response
        response.close()
        if response.status_code in RETRYABLE_STATUSES and attempt < attempts:
            continue
        break
    status = response.status_code
    if status == 403:
        raise BulkFileExpired(status=403)
    if status in RETRYABLE_STATUSES:
        raise RollerUnavailable(f"The file server kept failing with {status} for {where}.", status=status)
    raise UnexpectedResponse(f"The bulk export file {where} was answered with {status}.", status=status)


def _chunks(response: requests.Response, chunk_bytes: int) -> Iterator[bytes]:
    try:
        yield from response.iter_content(chunk_size=chunk_bytes)
    except (requests.RequestException, OSError):
        raise RollerUnavailable("The connection broke while a bulk export file was read; read it again.") from None


def _log(where: str, outcome: int | str, started: float, attempt: int) -> None:
    level = logging.INFO if outcome == 200 else logging.WARNING
    duration_ms = round((time.monotonic() - started) * 1000)
    logger.log(level, "ROLLER bulk file GET %s -> %s in %d ms (attempt %d)", where, outcome, duration_ms, attempt)


# --- JSON ------------------------------------------------------------------------------------


def _rows(chunks: Iterable[bytes], where: str) -> Iterator[dict[str, Any]]:
    """Rows from a bare array (`[...]`) or a page envelope (`{"items": [...]}`), decided by the
    first byte of the body, parsed incrementally as the chunks arrive."""
    rows: list[Any] = ijson.sendable_list()
    parser = None
    try:
        for chunk in chunks:
            if parser is None:
                chunk = chunk.lstrip().removeprefix(b"\xef\xbb\xbf")
                if not chunk:
                    continue
                parser = ijson.items_coro(rows, _prefix(chunk[:1], where), use_float=True)
            parser.send(chunk)
            yield from _drain(rows, where)
        if parser is None:
            raise UnexpectedResponse(f"The bulk export file {where} is empty.")
        parser.close()
    except ijson.JSONError:
        raise UnexpectedResponse(f"The bulk export file {where} is not valid JSON.") from None
    yield from _drain(rows, where)


def _prefix(first: bytes, where: str) -> str:
    if first == b"[":
        return "item"
    if first == b"{":
        return "items.item"
    raise UnexpectedResponse(f"The bulk export file {where} is neither a list of rows nor a page of items.")


def _drain(rows: list[Any], where: str) -> Iterator[dict[str, Any]]:
    for row in rows:
        if not isinstance(row, dict):
            raise UnexpectedResponse(f"The bulk export file {where} holds a row that is not an object.")
        yield row
    del rows[:]


# --- logging ---------------------------------------------------------------------------------


class _MaskPresignedQueries(logging.Filter):
    """urllib3 logs each request line at DEBUG, query included: a presigned URL's signature
    would reach the log of anyone who turns debug logging on."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, str) and "X-Amz-" in a for a in record.args):
            record.args = tuple(
                _PRESIGNED_QUERY.sub("?…", a) if isinstance(a, str) and "X-Amz-" in a else a for a in record.args
            )
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_MaskPresignedQueries())
