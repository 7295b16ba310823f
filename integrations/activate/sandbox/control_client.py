"""A Python client for the stand-in's /_sim/ control API, used by the tests' fixture (and
a demo command later), so the control paths are written down in one place."""

from __future__ import annotations

from typing import Any

import requests


class SandboxControlError(RuntimeError):
    pass


class SandboxControl:
    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._session.request(method, f"{self.url}/_sim/{path}", json=body, timeout=self.timeout)
        if response.status_code >= 400:
            raise SandboxControlError(f"{method} /_sim/{path} -> {response.status_code}: {response.text}")
        return response.json()

    def health(self) -> dict[str, Any]:
        return self._call("GET", "health")

    def reset(self) -> None:
        self._call("POST", "reset")

    def configure(self, **switches: Any) -> dict[str, Any]:
        """e.g. configure(repeated_orderid="append", custom_fields=["custom_venue"])."""
        return self._call("POST", "config", switches)

    def fault(self, kind: str, **values: Any) -> dict[str, Any]:
        """kind: "429" (count, retry_after), "500" (count), "slow" (count, seconds), "revoked" (on)."""
        return self._call("POST", "faults", {"kind": kind, **values})

    def faults_clear(self) -> None:
        self._call("DELETE", "faults")

    def state(self) -> dict[str, Any]:
        """Profiles with consent, purchases (with revenue), recent events, catalogue."""
        return self._call("GET", "state")

    def requests(self) -> list[dict[str, Any]]:
        return self._call("GET", "requests")["requests"]
