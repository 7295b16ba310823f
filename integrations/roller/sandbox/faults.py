"""Fault injection and call statistics, for testing clients against a misbehaving ROLLER.

A fault makes the next N calls whose path starts with a prefix answer a chosen status, or
hang for a while first (to exercise client time-outs).
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Fault:
    id: int
    path_prefix: str
    remaining: int
    status: int | None = None  # None: answer normally (after the hang)
    hang_seconds: float = 0.0
    method: str | None = None
    retry_after: int | None = None
    body: Any = None

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method:
            return False
        return path.lower().startswith(self.path_prefix.lower())


def parse_fault(spec: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate a control-API fault body; return (fields, errors)."""
    errors: dict[str, list[str]] = {}
    prefix = spec.get("pathPrefix", spec.get("path_prefix", "/"))
    status = spec.get("status")
    count = spec.get("count", 1)
    hang = spec.get("hangSeconds", spec.get("hang_seconds", 0))
    retry_after = spec.get("retryAfter", spec.get("retry_after"))
    if not isinstance(prefix, str) or not prefix.startswith("/"):
        errors["pathPrefix"] = ["Must be a path starting with '/'."]
    if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
        errors["status"] = ["Must be an HTTP status code."]
    if not isinstance(count, int) or count < 1:
        errors["count"] = ["Must be a positive integer."]
    if not isinstance(hang, (int, float)) or hang < 0:
        errors["hangSeconds"] = ["Must be a non-negative number."]
    if status is None and not hang:
        errors["status"] = ["Give a status, hangSeconds, or both."]
    fields = {
        "path_prefix": prefix,
        "remaining": count,
        "status": status,
        "hang_seconds": float(hang) if isinstance(hang, (int, float)) else 0.0,
        "method": spec.get("method"),
        "retry_after": retry_after,
        "body": spec.get("body"),
    }
    return fields, errors


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._faults: list[Fault] = []

    def add(self, fields: dict[str, Any]) -> Fault:
        with self._lock:
            fault = Fault(id=next(self._ids), **fields)
            self._faults.append(fault)
            return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first active fault for this call, counted as used."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def active(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


def path_family(path: str) -> str:
    """`/data/customers` and `/bookings/123/cancel` -> `/data/customers`, `/bookings`."""
    parts = [p for p in path.lower().split("/") if p]
    if not parts:
        return "/"
    if parts[0] in ("data", "reporting", "_sim") and len(parts) > 1:
        return f"/{parts[0]}/{parts[1]}"
    return f"/{parts[0]}"


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.token_requests = 0
            self.token_requests_by_client: Counter[str] = Counter()
            self.calls_by_family: Counter[str] = Counter()
            self.calls_by_path: Counter[str] = Counter()
            self.statuses: Counter[str] = Counter()
            self.rate_limited = 0
            self.faults_served = 0
            self.usage_units = 0

    def record(self, family: str, path: str, status: int) -> None:
        with self._lock:
            self.calls_by_family[family] += 1
            self.calls_by_path[f"{family} {path_family(path)}"] += 1
            self.statuses[str(status)] += 1
            if status == 429:
                self.rate_limited += 1

    def record_token_request(self, client_id: str | None) -> None:
        with self._lock:
            self.token_requests += 1
            self.token_requests_by_client[client_id or "(none)"] += 1

    def record_usage(self, units: int) -> None:
        """ROLLER's API usage: a reporting call is one unit, a bulk export its records' units."""
        with self._lock:
            self.usage_units += units

    def record_fault(self) -> None:
        with self._lock:
            self.faults_served += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "tokenRequests": self.token_requests,
                "tokenRequestsByClient": dict(self.token_requests_by_client),
                "calls": dict(self.calls_by_family),
                "callsByPath": dict(self.calls_by_path),
                "statuses": dict(self.statuses),
                "rateLimited": self.rate_limited,
                "faultsServed": self.faults_served,
                "usageUnits": self.usage_units,
            }
