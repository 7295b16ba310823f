"""The stand-in application: every API call goes fault? -> both headers (401/403) -> handler.

The `/_sim/` control API and the read-only view at `/` skip authentication and faults.
Error bodies are `{"errors": ["<message>"]}`: Squeezely's Magento plugin reads
`response.errors[0]` (activate-api.md a2); the wording of each message is ours.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import view
from .config import SandboxConfig
from .faults import Faults
from .state import Store
from .timestamps import TIMESTAMP_ERROR, TimestampError
from .tracking import event_problems, event_received, events_of

AUTH_MISSING = "Authentication failed: send X-AUTH-ACCOUNT and X-AUTH-APIKEY"
AUTH_FAILED = "Authentication failed"
KEY_REVOKED = "This API key has been revoked"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: Any
    peer: str = ""


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    html: str | None = None


def errors(status: int, *messages: str, **headers: str) -> Response:
    return Response(status, {"errors": list(messages)}, dict(headers))


class Sandbox:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._startup_config = copy.deepcopy(config)
        self.store = Store()
        self.faults = Faults()
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self.api: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("POST", "/v1/verifyAuth"): self.verify_auth,
            ("GET", "/v1/contacts"): self.contacts,
            ("POST", "/v1/track"): self.track,
            ("POST", "/v1/products"): self.products_upsert,
            # No v1/ prefix: the path Squeezely's Magento plugin deletes on (activate-api.md a3).
            ("DELETE", "/products"): self.products_delete,
        }

    def reset(self) -> None:
        """Nothing held, no faults, the switches it started with."""
        self.store = Store()
        self.faults.clear()
        for switch in dataclasses.fields(self.config):
            setattr(self.config, switch.name, copy.deepcopy(getattr(self._startup_config, switch.name)))

    # --- the path every call takes ------------------------------------------------------
    def handle(self, request: Request) -> Response:
        if request.path == "/" or request.path.startswith("/_sim"):
            return self.control(request)
        response = self._api(request)
        self._log(request, response)
        return response

    def _api(self, request: Request) -> Response:
        if self.config.latency_ms:
            time.sleep(self.config.latency_ms / 1000)
        handler = self.api.get((request.method, request.path))
        if handler is None:
            known = any(path == request.path for _, path in self.api)
            return errors(405 if known else 404, "Method not allowed" if known else "Not found")
        fault = self.faults.take()
        if fault and fault.kind == "slow":
            time.sleep(fault.seconds)
        elif fault and fault.kind == "429":
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            return errors(429, "Too many requests", **headers)
        elif fault and fault.kind == "500":
            return errors(500, "Internal server error")
        refused = self._authenticate(request)
        return refused or handler(request)

    def _authenticate(self, request: Request) -> Response | None:
        account, key = request.headers.get("x-auth-account", ""), request.headers.get("x-auth-apikey", "")
        if not account or not key:
            return errors(401, AUTH_MISSING)
        right_account = hmac.compare_digest(account.encode(), self.config.account_id.encode())
        if not (right_account and hmac.compare_digest(key.encode(), self.config.api_key.encode())):
            return errors(401, AUTH_FAILED)
        if self.faults.key_revoked:
            return errors(403, KEY_REVOKED)
        return None

    def _log(self, request: Request, response: Response) -> None:
        body = request.body
        items = body.get("events") or body.get("products") if isinstance(body, dict) else None
        entry = {
            "method": request.method,
            "path": request.path,
            "status": response.status,
            "items": len(items) if isinstance(items, list) else (1 if body else 0),
            "peer": request.peer,  # the client's address and port: one port for a kept-alive session
            "at": self.clock().isoformat(),
        }
        with self.store.lock:
            self.store.requests.append(entry)

    # --- the API ------------------------------------------------------------------------
    def verify_auth(self, request: Request) -> Response:
        return Response(200, {"verified": True})

    def contacts(self, request: Request) -> Response:
        """Enough for a credentials check (`?limit=1`): the shape of a real answer is unknown."""
        limit = int(request.query.get("limit") or 100)
        with self.store.lock:
            emails = sorted(self.store.profiles)[:limit]
        return Response(200, {"data": [{"email": email} for email in emails]})

    def track(self, request: Request) -> Response:
        events = events_of(request.body)
        if not events:
            return errors(400, 'Send an event object or {"events": [...]}')
        if self.config.max_items_per_request and len(events) > self.config.max_items_per_request:
            return errors(413, f"At most {self.config.max_items_per_request} events per request")
        problems = [
            f"events[{index}]: {problem}" if len(events) > 1 else problem
            for index, event in enumerate(events)
            for problem in event_problems(event, config=self.config)
        ]
        if problems:
            return errors(400, *problems)
        now = self.clock()
        try:
            received = [event_received(event, config=self.config, now=now) for event in events]
        except TimestampError:
            return errors(400, TIMESTAMP_ERROR)
        with self.store.lock:
            self.store.events_apply(received, config=self.config)
        return Response(200, {"success": True, "processed": len(received)})

    def _products_of(self, request: Request) -> list[Any] | Response:
        products = request.body.get("products") if isinstance(request.body, dict) else None
        if not isinstance(products, list):
            return errors(400, 'Send {"products": [...]}')
        if self.config.max_items_per_request and len(products) > self.config.max_items_per_request:
            return errors(413, f"At most {self.config.max_items_per_request} products per request")
        return products

    def products_upsert(self, request: Request) -> Response:
        products = self._products_of(request)
        if isinstance(products, Response):
            return products
        with self.store.lock:
            return Response(200, self.store.products_upsert(products, now=self.clock()))

    def products_delete(self, request: Request) -> Response:
        products = self._products_of(request)
        if isinstance(products, Response):
            return products
        with self.store.lock:
            return Response(200, {"deleted": self.store.products_delete(products)})

    # --- control API and the read-only view -----------------------------------------------
    def control(self, request: Request) -> Response:
        route = (request.method, request.path.rstrip("/") or "/")
        try:
            if route == ("GET", "/"):
                with self.store.lock:
                    return Response(200, html=view.page(self.store.snapshot(), self.config.public()))
            if route == ("GET", "/_sim/health"):
                return Response(200, {"ok": True})
            if route == ("GET", "/_sim/state"):
                with self.store.lock:
                    return Response(200, self.store.snapshot())
            if route == ("GET", "/_sim/requests"):
                with self.store.lock:
                    return Response(200, {"requests": list(self.store.requests)})
            if route == ("POST", "/_sim/reset"):
                self.reset()
                return Response(200, {"ok": True})
            if route == ("GET", "/_sim/config"):
                return Response(200, {**self.config.public(), "faults": self.faults.public()})
            if route == ("POST", "/_sim/config"):
                self.config.update(request.body or {})
                return Response(200, self.config.public())
            if route == ("POST", "/_sim/faults"):
                self.faults.add(request.body or {})
                return Response(200, self.faults.public())
            if route == ("DELETE", "/_sim/faults"):
                self.faults.clear()
                return Response(200, self.faults.public())
        except (ValueError, TypeError) as error:
            return errors(400, str(error))
        return errors(404, "Not found")
