"""Spotler Activate's API over HTTP: one keep-alive session, time-outs on every call.

The paths and headers are those of Squeezely's own Magento plugin (activate-api.md a1):
`X-AUTH-ACCOUNT` (the Account ID) and `X-AUTH-APIKEY` (the API key) on every request. The
key is never logged: only the method, path and status are, and `repr()` leaves it out.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from integrations.activate.errors import (
    ActivateAuthRefused,
    ActivateError,
    ActivateRejected,
    ActivateRetryable,
    ActivateUnreachable,
)

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.squeezely.tech"
# Squeezely's Magento plugin sends 150 products a call (250 before 2023); no limit is documented.
PRODUCTS_PER_REQUEST = 150
# No limit on events per request is documented either; our choice (docs/activate-facts.md).
EVENTS_PER_REQUEST = 100
# (connect, read) seconds. The plugin waits 30 s; a worker should not hold a batch that long.
TIMEOUT = (5.0, 20.0)

CHECK_PATH = "v1/contacts"  # the credentials check: GET v1/contacts?limit=1 (docs/activate-facts.md)
TRACK_PATH = "v1/track"
PRODUCTS_PATH = "v1/products"
PRODUCTS_DELETE_PATH = "products"  # no v1/ prefix, as the plugin deletes


@dataclass(frozen=True)
class ProductsResult:
    created: int = 0
    updated: int = 0
    errors: tuple[str, ...] = ()


def batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ActivateClient:
    def __init__(
        self,
        *,
        account_id: str,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: tuple[float, float] = TIMEOUT,
        events_per_request: int = EVENTS_PER_REQUEST,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.account_id = account_id
        self.timeout = timeout
        self.events_per_request = events_per_request
        self._session = session or requests.Session()
        self._headers = {"X-AUTH-ACCOUNT": account_id, "X-AUTH-APIKEY": api_key}

    def __repr__(self) -> str:
        return f"ActivateClient(base_url={self.base_url!r}, account_id={self.account_id!r})"

    def close(self) -> None:
        self._session.close()

    # --- the calls ----------------------------------------------------------------------
    def credentials_check(self) -> None:
        """Raises ActivateAuthRefused for a wrong Account ID or key, ActivateUnreachable when
        Activate cannot be reached. `verifyAuth` is only seen with Magento's channel=2 and
        its OAuth fields, so the check is the smallest read the key allows."""
        self._request("GET", CHECK_PATH, params={"limit": 1})

    def events_track(self, events: Sequence[dict[str, Any]]) -> int:
        """Sends the events, `events_per_request` a request, as {"events": [...]}. Returns
        how many were sent. A failure says in `accepted` how many went before it."""
        return self._in_batches("POST", TRACK_PATH, "events", events, self.events_per_request)

    def products_upsert(self, products: Sequence[dict[str, Any]]) -> ProductsResult:
        """150 a request. Activate answers 200 with `errors` for products it skipped: those are
        in the result, not raised."""
        created = updated = 0
        errors: list[str] = []
        for index, batch in enumerate(batches(products, PRODUCTS_PER_REQUEST)):
            answer = self._batch("POST", PRODUCTS_PATH, "products", batch, accepted=index * PRODUCTS_PER_REQUEST)
            created += int(answer.get("created") or 0)
            updated += int(answer.get("updated") or 0)
            errors += [str(error) for error in answer.get("errors") or []]
        return ProductsResult(created, updated, tuple(errors))

    def products_delete(self, products: Sequence[dict[str, Any]]) -> int:
        """`products`: [{"id": ..., "language": ...}]. Returns how many were sent."""
        return self._in_batches("DELETE", PRODUCTS_DELETE_PATH, "products", products, PRODUCTS_PER_REQUEST)

    # --- the plumbing -------------------------------------------------------------------
    def _in_batches(self, method: str, path: str, key: str, items: Sequence[Any], size: int) -> int:
        sent = 0
        for batch in batches(items, size):
            self._batch(method, path, key, batch, accepted=sent)
            sent += len(batch)
        return sent

    def _batch(self, method: str, path: str, key: str, batch: Sequence[Any], *, accepted: int) -> dict[str, Any]:
        try:
            return self._request(method, path, json={key: list(batch)})
        except ActivateError as error:
            error.accepted = accepted
            raise

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = f"{self.base_url}/{path}"
        started = time.monotonic()
        try:
            response = self._session.request(method, url, headers=self._headers, timeout=self.timeout, **kwargs)
        except requests.Timeout as error:
            raise ActivateUnreachable(f"Activate did not answer {method} /{path} in time") from error
        except requests.RequestException as error:
            raise ActivateUnreachable(
                f"Activate could not be reached at {self.base_url}: {type(error).__name__}"
            ) from error
        log.debug(
            "Activate %s /%s -> %s in %.0f ms", method, path, response.status_code, (time.monotonic() - started) * 1000
        )
        if response.status_code < 300:
            return _json(response)
        raise _error_for(response, method=method, path=path)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def activate_message(response: requests.Response) -> str:
    """Activate's own reason: `errors[0]`, as Squeezely's plugin reads it."""
    errors = _json(response).get("errors")
    if isinstance(errors, list) and errors:
        return str(errors[0])
    return response.text[:200].strip()


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After in seconds or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_for(response: requests.Response, *, method: str, path: str) -> ActivateError:
    status, message = response.status_code, activate_message(response)
    where = f"{method} /{path}"
    if status in (401, 403):
        return ActivateAuthRefused(
            f"Activate refused the Account ID and API key ({status}: {message}): check them in Activate under "
            "Settings → API",
            status=status,
            activate_message=message,
        )
    if status == 429 or status >= 500:
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        return ActivateRetryable(
            f"Activate answered {status} to {where}: try again later", status=status, activate_message=message,
            retry_after=retry_after,
        )  # fmt: skip
    return ActivateRejected(f"Activate rejected {where} ({status}): {message}", status=status, activate_message=message)
