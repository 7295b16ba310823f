"""Fault switches: the next N API calls answer 429 or 500 or are slow; or the key is revoked."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

KINDS = ("429", "500", "slow", "revoked")


@dataclass
class Fault:
    kind: str
    remaining: int = 1
    retry_after: int | None = None  # for 429: the Retry-After header, in seconds
    seconds: float = 0.0  # for slow: how long the answer waits


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[Fault] = []
        self.key_revoked = False

    def add(self, values: dict[str, Any]) -> None:
        kind = str(values.get("kind"))
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        if kind == "revoked":
            self.key_revoked = bool(values.get("on", True))
            return
        fault = Fault(kind, int(values.get("count", 1)), values.get("retry_after"), float(values.get("seconds", 0)))
        with self._lock:
            self._queue.append(fault)

    def take(self) -> Fault | None:
        with self._lock:
            if not self._queue:
                return None
            fault = self._queue[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._queue.pop(0)
            return fault

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
        self.key_revoked = False

    def public(self) -> dict[str, Any]:
        with self._lock:
            return {"key_revoked": self.key_revoked, "queued": [vars(f).copy() for f in self._queue]}
