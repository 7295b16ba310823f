"""The HTTP client for ROLLER's REST and Reporting APIs.

It returns ROLLER's JSON as it comes (dicts and lists); integrations.roller.parsing turns that
into records. What it adds on top of HTTP:

- one shared access token per connection (integrations.roller.tokens); a 401 renews it once;
- time-outs on every call; retries with jittered back-off on 500/502/503/504, time-outs and
  connection errors (idempotent calls only: a POST is retried only when it never reached
  ROLLER), then RollerUnavailable;
- a 429 raises RateLimited(retry_after) at once: waiting out ROLLER's 60 s penalty is the
  caller's (task's) business, never a sleep inside a request;
- pacing inside ROLLER's rate limits (integrations.roller.pacing, shared by every process
  using the same credentials);
- Reporting API paging as generators, one-day venue-local windows;
- bulk export requests (always with `TimeZone-Designators: Offset`); their files are read by
  integrations.roller.bulk_files, without this client's token;
- a log line per call (method, path, status, duration), never a secret, token or header;
- one keep-alive HTTP session per thread, shared by its clients (see _shared_session).

Settings read (all optional): ROLLER_HTTP_TIMEOUT (connect, read) seconds, default (5, 30);
ROLLER_HTTP_ATTEMPTS, default 3; ROLLER_HTTP_BACKOFF_SECONDS (first retry delay), default 1.0;
ROLLER_PACING_ENABLED, default True.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import http.cookiejar
import logging
import os
import random
import re
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from django.conf import settings
from django.utils import timezone

from integrations.fields import Secret
from integrations.roller import pacing
from integrations.roller.errors import (
    BulkExportUnavailable,
    CredentialsRejected,
    NoApiAccess,
    NotFound,
    RateLimited,
    RollerUnavailable,
    UnexpectedResponse,
)
from integrations.roller.tokens import AccessToken, DatabaseTokenStore, InMemoryTokenStore, TokenStore, access_token_get

logger = logging.getLogger("integrations.roller.client")

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE", "HEAD"})
DEFAULT_RETRY_AFTER = 60.0  # ROLLER's documented penalty; it sends no Retry-After we can rely on
MAX_BACKOFF_SECONDS = 10.0
_sessions = threading.local()
_CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
PAGE_SIZE = 500  # the Reporting API's maximum
MAX_PAGES = 2000  # 1,000,000 rows in one window: beyond that something loops
ONE_DAY = dt.timedelta(days=1)
JSON = "application/json; charset=UTF-8"
BULK_EXPORT_PATH = "/reporting/bulk"
OFFSET_TIMES = {"TimeZone-Designators": "Offset"}  # times in bulk files with their offset, not UTC


class RollerClient:
    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        token_store: TokenStore | None = None,
        time_zone: ZoneInfo | None = None,
        timeout: tuple[float, float] | None = None,
        attempts: int | None = None,
        backoff: float | None = None,
        page_size: int = PAGE_SIZE,
        max_pages: int = MAX_PAGES,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = Secret(client_secret)
        self.token_store = token_store if token_store is not None else InMemoryTokenStore()
        self.time_zone = time_zone
        timeout = timeout or getattr(settings, "ROLLER_HTTP_TIMEOUT", (5.0, 30.0))
        self.timeout = (float(timeout), float(timeout)) if isinstance(timeout, (int, float)) else tuple(timeout)
        self.attempts = max(1, int(attempts or getattr(settings, "ROLLER_HTTP_ATTEMPTS", 3)))
        self.backoff = float(backoff if backoff is not None else getattr(settings, "ROLLER_HTTP_BACKOFF_SECONDS", 1.0))
        self.page_size = page_size
        self.max_pages = max_pages
        self.session = session or _shared_session()
        self.session.headers.update({"Accept": "application/json", "Content-Type": JSON})
        self._token: AccessToken | None = None
        self._sleep = time.sleep

    @classmethod
    def from_settings(cls, roller_settings, **options: Any) -> RollerClient:
        """The client of one connection, sharing its token through the RollerSettings row."""
        options.setdefault("time_zone", _zone(roller_settings.venue_time_zone or roller_settings.connection.time_zone))
        return cls(
            base_url=roller_settings.base_url,
            client_id=roller_settings.client_id,
            client_secret=roller_settings.client_secret,
            token_store=DatabaseTokenStore(roller_settings.pk),
            **options,
        )

    def __repr__(self) -> str:
        return f"RollerClient(base_url={self.base_url!r}, client_id={self.client_id!r})"

    # --- REST -------------------------------------------------------------------------------

    def check_credentials(self, *, fresh: bool = False) -> None:
        """Get a token now: raises CredentialsRejected, RollerUnavailable… (for the wizard).

        `fresh` asks ROLLER for a new token even when a stored one looks usable (one that ROLLER
        issued before it revoked the key proves nothing); the new token is stored for the next
        calls, so the check costs one token request."""
        stored = self.token_store.load() if fresh else None
        if fresh:
            self._token = None
        self._access_token(rejected=stored.value if stored else None)

    def get_venue(self) -> dict:
        return self._request("GET", "/venues/me")

    def get_products(self) -> list:
        return self._request("GET", "/products")

    def get_guest(self, guest_id: str | int) -> dict:
        return self._request("GET", f"/guests/{_segment(guest_id)}")

    def get_booking(self, unique_id_or_reference: str | int) -> dict:
        return self._request("GET", f"/bookings/{_segment(unique_id_or_reference)}")

    def get_signed_waiver(self, signed_waiver_id: str | int) -> dict:
        return self._request("GET", f"/signed-waivers/{_segment(signed_waiver_id)}")

    def create_webhook(self, config: dict) -> dict:
        return self._request("POST", "/webhooks", json_body=config)

    def list_webhooks(self) -> list[dict]:
        body = self._request("GET", "/webhooks")
        # The spec shows one object, the API a list (docs/roller-facts.md, Payload shapes): accept both.
        if body is None:
            return []
        if isinstance(body, dict):
            body = body.get("webhooks", [body] if "webhookId" in body else [])
        if not isinstance(body, list):
            raise UnexpectedResponse("ROLLER's list of webhooks is not a list.")
        return body

    def update_webhook(self, webhook_id: str | int, config: dict) -> Any:
        return self._request("PUT", f"/webhooks/{_segment(webhook_id)}", json_body=config)

    def delete_webhook(self, webhook_id: str | int) -> None:
        self._request("DELETE", f"/webhooks/{_segment(webhook_id)}")

    # --- Reporting ---------------------------------------------------------------------------

    def iter_customers(self, window_start: dt.date | dt.datetime, window_end: dt.date | dt.datetime) -> Iterator[dict]:
        """Guests modified in the window (`/data/customers`), page by page."""
        return self._iter_windows("/data/customers", window_start, window_end)

    def iter_booking_items(
        self, window_start: dt.date | dt.datetime, window_end: dt.date | dt.datetime
    ) -> Iterator[dict]:
        """Booking item rows of bookings modified in the window (`/data/bookingitems`)."""
        return self._iter_windows("/data/bookingitems", window_start, window_end)

    def iter_signed_waivers(
        self, window_start: dt.date | dt.datetime, window_end: dt.date | dt.datetime
    ) -> Iterator[dict]:
        """Signed waivers modified in the window (`/data/signedwaivers`)."""
        return self._iter_windows("/data/signedwaivers", window_start, window_end)

    def iter_products(self) -> Iterator[dict]:
        """Every product, parents and variations in one list (`/data/products`)."""
        return self._iter_pages("/data/products", {})

    def request_bulk_export(self, *, export_type: str, start_date: dt.date, end_date: dt.date) -> None:
        """Ask ROLLER for a bulk export of [start_date, end_date) (venue-local days, the end at
        least a day later). The files come later by `BulkExport` webhook; the answer carries no
        process id. Raises RateLimited on 429 (one request per export type every 6 hours, or the
        reporting rate limit: ROLLER's answer does not say which), BulkExportUnavailable on 403.

        Always with `TimeZone-Designators: Offset`: every time in the files then carries its
        offset, instead of a UTC time that looks like the venue's own."""
        if isinstance(start_date, dt.datetime) or isinstance(end_date, dt.datetime):
            raise TypeError("A bulk export covers whole venue-local days: give dates.")
        if end_date < start_date + ONE_DAY:
            raise ValueError("A bulk export's end date must be at least a day after its start date.")
        body = {"exportType": export_type, "startDate": start_date.isoformat(), "endDate": end_date.isoformat()}
        try:
            self._request("POST", BULK_EXPORT_PATH, json_body=body, headers=OFFSET_TIMES, family=pacing.REPORTING)
        except NoApiAccess as exc:
            raise BulkExportUnavailable(status=403) from exc

    def _iter_windows(self, path: str, start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> Iterator[dict]:
        windows = day_windows(start, end, tz=self.time_zone)  # refused before the first call
        for window_start, window_end in windows:
            yield from self._iter_pages(path, {"startDate": window_start, "endDate": window_end})

    def _iter_pages(self, path: str, params: dict[str, str]) -> Iterator[dict]:
        page, first_total, previous = 1, None, None
        while True:
            body = self._request(
                "GET", path, params={**params, "pageNumber": page, "pageSize": self.page_size}, family=pacing.REPORTING
            )
            if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                raise UnexpectedResponse(f"ROLLER's answer to {path} is not a page of items.")
            items, current, total = body["items"], _page_number(body, "currentPage"), _page_number(body, "totalPages")
            # Guards against a server that loops: an earlier page again, the same page twice, or a
            # page count that keeps growing. Rows can legitimately shift while we page (the window
            # is on modified dates), so a few more pages than at the start are allowed.
            if current is not None and current != page:
                raise UnexpectedResponse(f"ROLLER answered page {current} of {path} when asked for page {page}.")
            if items and items == previous:
                raise UnexpectedResponse(f"ROLLER returned the same page of {path} twice.")
            first_total = first_total if first_total is not None else total
            if total is not None and first_total is not None and total > 2 * first_total + 10:
                raise UnexpectedResponse(f"The number of pages of {path} keeps growing ({first_total} → {total}).")
            yield from items
            done = (current or page) >= total if total is not None else len(items) < self.page_size
            if done or not items:
                return
            if page >= self.max_pages:
                raise UnexpectedResponse(f"{path} has more than {self.max_pages} pages; stopped.")
            page, previous = page + 1, items

    # --- HTTP --------------------------------------------------------------------------------

    def _access_token(self, *, rejected: str | None = None) -> AccessToken:
        token = self._token
        if token is None or not token.usable(now=timezone.now(), rejected=rejected):
            token = access_token_get(store=self.token_store, fetch=self._fetch_token, rejected=rejected)
            self._token = token
        return token

    def _fetch_token(self) -> AccessToken:
        body = {"client_id": self.client_id, "client_secret": str(self._client_secret)}
        response = self._send("POST", "/token", json_body=body, token=None, family=pacing.REST, retry_post=True)
        if response.status_code in (400, 401):
            raise CredentialsRejected(status=response.status_code)
        if response.status_code == 200:
            data = _json(response, "/token")
            value, expires_in = (data or {}).get("access_token"), (data or {}).get("expires_in", 3600)
            if not isinstance(value, str) or not value or isinstance(expires_in, bool):
                raise UnexpectedResponse("ROLLER's token answer has no access token.")
            try:
                expires_at = timezone.now() + dt.timedelta(seconds=float(expires_in))
            except (TypeError, ValueError) as exc:
                raise UnexpectedResponse("ROLLER's token answer has no valid expires_in.") from exc
            return AccessToken(value=Secret(value), expires_at=expires_at)
        raise _error_for(response, "POST", "/token")

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json_body: Any = None,
        family: str = pacing.REST,
        headers: dict[str, str] | None = None,
    ) -> Any:
        token = self._access_token()
        extra = {"params": params, "json_body": json_body, "family": family, "headers": headers}
        response = self._send(method, path, token=token, **extra)
        if response.status_code == 401:
            # The token expired or was revoked early: renew it once (every worker that saw the
            # same 401 shares the one renewal), then try again.
            token = self._access_token(rejected=token.value)
            response = self._send(method, path, token=token, **extra)
            if response.status_code == 401:
                raise CredentialsRejected(
                    "ROLLER refused a newly issued access token: the API key may have been revoked. "
                    "Check it in ROLLER under Settings → Integrations → API keys.",
                    status=401,
                )
        if 200 <= response.status_code < 300:
            return _json(response, path)
        raise _error_for(response, method, path)

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json_body: Any = None,
        token: AccessToken | None,
        family: str,
        retry_post: bool = False,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """One call with retries on 5xx and network errors; any other answer is returned."""
        retry_any = method in IDEMPOTENT_METHODS or retry_post
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token.value}"
        for attempt in range(1, self.attempts + 1):
            pacing.pace(self.client_id, family)
            started = time.monotonic()
            try:
                response = self.session.request(
                    method,
                    self.base_url + path,
                    params=params,
                    json=json_body,
                    headers=headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                _log(method, path, type(exc).__name__, started, attempt, logging.WARNING)
                # A POST that may have reached ROLLER is not sent twice (it could register a
                # second webhook); one that never connected is safe to repeat.
                if attempt < self.attempts and (retry_any or isinstance(exc, requests.ConnectTimeout)):
                    self._back_off(attempt)
                    continue
                kind = "did not answer in time" if isinstance(exc, requests.Timeout) else "could not be reached"
                raise RollerUnavailable(
                    f"ROLLER {kind} ({method} {_path_template(path)}, {attempt} attempt(s)); try again later."
                ) from None
            status = response.status_code
            # A call that worked is DEBUG: an import makes several a second, and a line for each
            # drowned the log (issue 16). Failures stay WARNING.
            _log(method, path, status, started, attempt, logging.WARNING if status >= 400 else logging.DEBUG)
            if status in RETRYABLE_STATUSES and retry_any and attempt < self.attempts:
                self._back_off(attempt)
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _back_off(self, attempt: int) -> None:
        delay = min(MAX_BACKOFF_SECONDS, self.backoff * 2 ** (attempt - 1))
        self._sleep(delay * (0.5 + random.random()))


# --- helpers --------------------------------------------------------------------------------


def _shared_session() -> requests.Session:
    """This thread's session. A client is made per task, window or guest fetch; each with a
    session of its own opened a new TCP connection per call (an import's guest fetches spent
    more time connecting than asking). A session is not safe to share between threads."""
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = requests.Session()
        # Shared by the clients of every venue this thread serves: nothing a response sets
        # may travel with another venue's requests.
        session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        # requests reads the proxy and CA variables (and ~/.netrc) again on every call, which
        # cost an import more than its TLS-free sandbox calls themselves. When none is set
        # there is nothing to trust the environment for.
        if not urllib.request.getproxies() and not any(os.environ.get(name) for name in _CA_BUNDLE_VARIABLES):
            session.trust_env = False
    return session


def day_windows(
    start: dt.date | dt.datetime, end: dt.date | dt.datetime, *, tz: ZoneInfo | None
) -> list[tuple[str, str]]:
    """[start, end) as consecutive windows of at most one day, in ROLLER's venue-local format.

    Dates and naive datetimes are venue-local; aware datetimes are converted to `tz`.
    """
    start_at, end_at = _venue_local(start, tz, "window_start"), _venue_local(end, tz, "window_end")
    if end_at <= start_at:
        raise ValueError("The window's end must be after its start.")
    windows, cursor = [], start_at
    while cursor < end_at:
        upto = min(cursor + ONE_DAY, end_at)
        windows.append((_window_param(cursor), _window_param(upto)))
        cursor = upto
    return windows


def _venue_local(value: dt.date | dt.datetime, tz: ZoneInfo | None, name: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.replace(microsecond=0)
        if tz is None:
            raise ValueError(f"{name} is an aware datetime but the venue's time zone is unknown: give a local value.")
        return value.astimezone(tz).replace(tzinfo=None, microsecond=0)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    raise TypeError(f"{name} must be a date or a datetime.")


def _window_param(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d") if moment.time() == dt.time() else moment.strftime("%Y-%m-%dT%H:%M:%S")


def _segment(value: str | int) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError("An id is required.")
    return quote(text, safe="")


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _page_number(body: dict, key: str) -> int | None:
    value = body.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _json(response: requests.Response, path: str) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError as exc:
        raise UnexpectedResponse(
            f"ROLLER's answer to {_path_template(path)} is not JSON.", status=response.status_code
        ) from exc


def _retry_after(response: requests.Response) -> float:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return DEFAULT_RETRY_AFTER
    try:
        return max(1.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return max(1.0, (moment - timezone.now()).total_seconds())


def _error_for(response: requests.Response, method: str, path: str) -> Exception:
    status = response.status_code
    if status == 403:
        return NoApiAccess(status=403)
    if status == 404:
        return NotFound(f"ROLLER does not know {_path_template(path)} (404).", status=404)
    if status == 429:
        return RateLimited(_retry_after(response))
    if status >= 500:
        return RollerUnavailable(
            f"ROLLER kept failing with {status} on {method} {_path_template(path)}; try again later.", status=status
        )
    return UnexpectedResponse(
        f"ROLLER refused {method} {_path_template(path)} with {status}{_summary(response)}.", status=status
    )


def _summary(response: requests.Response) -> str:
    """ROLLER's own reason (ASP.NET `title`/`errors` or `errors[].message`), briefly."""
    try:
        body = response.json()
    except ValueError:
        return ""
    parts: list[str] = []
    if isinstance(body, dict):
        if isinstance(body.get("title"), str):
            parts.append(body["title"])
        errors = body.get("errors")
        if isinstance(errors, dict):
            parts += [f"{field}: {'; '.join(map(str, msgs))}" for field, msgs in errors.items()]
        elif isinstance(errors, list):
            parts += [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors]
    elif isinstance(body, str):
        parts.append(body)
    text = " ".join(parts)
    return f": {text[:300]}" if text else ""


_ID_SEGMENT = re.compile(r"/(?=[^/]*\d)[^/]+")


def _path_template(path: str) -> str:
    """`/guests/27718291` → `/guests/{id}`: a guest id in a log line could be a minor's."""
    return _ID_SEGMENT.sub("/{id}", path)


def _log(method: str, path: str, outcome: int | str, started: float, attempt: int, level: int) -> None:
    # The path's shape only: never ids, the query, headers or body (the token call's body
    # holds the secret).
    path = _path_template(path)
    duration_ms = round((time.monotonic() - started) * 1000)
    logger.log(
        level,
        "ROLLER %s %s -> %s in %d ms (attempt %d)",
        method,
        path,
        outcome,
        duration_ms,
        attempt,
        extra={"roller_method": method, "roller_path": path, "roller_status": outcome, "duration_ms": duration_ms},
    )
