"""OAuth2 client-credentials the ROLLER way, and ROLLER's per-credential rate limits.

ROLLER's token endpoint takes a JSON body (not a form), answers `expires_in` seconds, and
an expired or unknown token gets a bare 401. Rate limits: a sliding 60 s window per
credential set (600 REST / 120 reporting calls), then a penalty during which every call of
that family is refused with 429.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
import urllib.parse
from collections import deque
from typing import Any

from .config import SandboxConfig
from .routing import Request, Response, empty, json_response


class Tokens:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, float]] = {}  # token -> (client id, expires at)

    def issue(self, client_id: str, ttl: int) -> str:
        token = secrets.token_hex(16)
        with self._lock:
            self._tokens[token] = (client_id, time.time() + ttl)
        return token

    def client_for(self, token: str) -> str | None:
        with self._lock:
            entry = self._tokens.get(token)
            if entry is None:
                return None
            client_id, expires_at = entry
            if time.time() >= expires_at:
                del self._tokens[token]
                return None
            return client_id

    def saved(self) -> dict[str, tuple[str, float]]:
        with self._lock:
            return dict(self._tokens)

    def restore(self, tokens: dict[str, tuple[str, float]]) -> None:
        with self._lock:
            self._tokens.update(tokens)

    def expire_all(self) -> int:
        with self._lock:
            count = len(self._tokens)
            self._tokens.clear()
            return count


class RateLimiter:
    def __init__(self, config: SandboxConfig) -> None:
        self._config = config
        self._lock = threading.Lock()
        self._calls: dict[tuple[str, str], deque[float]] = {}
        self._locked_until: dict[tuple[str, str], float] = {}

    def limit_for(self, family: str) -> int:
        if family == "reporting":
            return self._config.reporting_limit
        if family == "token":
            return self._config.token_limit_per_minute
        return self._config.rest_limit

    def check(self, client_id: str, family: str) -> int | None:
        """Record a call; return the Retry-After seconds when it must be refused."""
        config = self._config
        limit = self.limit_for(family)
        if not config.rate_limit_enabled or limit <= 0:
            return None
        key, now = (client_id, family), time.monotonic()
        with self._lock:
            locked_until = self._locked_until.get(key, 0.0)
            if now < locked_until:
                return max(1, math.ceil(locked_until - now))
            calls = self._calls.setdefault(key, deque())
            while calls and calls[0] <= now - config.rate_window_seconds:
                calls.popleft()
            if len(calls) >= limit:
                calls.clear()
                self._locked_until[key] = now + config.lockout_seconds
                return max(1, math.ceil(config.lockout_seconds))
            calls.append(now)
            return None

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._locked_until.clear()


def read_credentials(request: Request) -> tuple[str | None, str | None]:
    """Accept snake_case and camelCase keys; ignore grant_type. A form body is tolerated."""
    body: Any = request.body
    if isinstance(body, (bytes, str)) and body:
        text = body.decode() if isinstance(body, bytes) else body
        body = {k: v[0] for k, v in urllib.parse.parse_qs(text).items()}
    if not isinstance(body, dict):
        return None, None
    client_id = body.get("client_id", body.get("clientId"))
    secret = body.get("client_secret", body.get("clientSecret"))
    return (
        client_id if isinstance(client_id, str) else None,
        secret if isinstance(secret, str) else None,
    )


def token_endpoint(request: Request, config: SandboxConfig, tokens: Tokens, limiter: RateLimiter) -> Response:
    client_id, secret = read_credentials(request)
    known = {
        config.client_id: config.client_secret,
        config.noaccess_client_id: config.noaccess_client_secret,
    }
    if client_id is None or secret is None or known.get(client_id) != secret:
        # Not documented by ROLLER; an OAuth-style answer (docs/roller-facts.md, Tokens).
        return json_response(400, {"error": "invalid_client"})
    retry_after = limiter.check(client_id, "token")
    if retry_after is not None:
        return empty(429, **{"Retry-After": str(retry_after)})
    token = tokens.issue(client_id, config.token_ttl_seconds)
    return json_response(
        200,
        {"access_token": token, "token_type": "Bearer", "expires_in": config.token_ttl_seconds},
    )


def bearer_token(request: Request) -> str | None:
    value = request.header("authorization")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
