"""Keeping our calls inside ROLLER's rate limits, with headroom.

ROLLER allows 600 REST and 120 Reporting calls a minute per credential set, then refuses every
call for 60 seconds (docs/roller-facts.md, Rate limits). We pace below that: 8 REST and 1.5 Reporting calls a
second, with a small burst.

The pacing is per process (a lock and a clock per client id and family, in memory): several
worker processes on one connection can together exceed it, which the 429 handling then covers.
Switch it off for tests and benchmarks with the setting ROLLER_PACING_ENABLED = False.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from django.conf import settings

REST = "rest"
REPORTING = "reporting"
# Calls per second and burst size per family: 8 × 60 + 5 = 485 ≤ 600; 1.5 × 60 + 2 = 92 ≤ 120.
RATES = {REST: (8.0, 5), REPORTING: (1.5, 2)}


@dataclass
class _Pacer:
    """GCRA: each call moves a "theoretical arrival time" on by one interval; a call waits
    until it is no more than `burst - 1` intervals ahead of now."""

    interval: float
    burst: int
    arrival: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reserve(self, now: float) -> float:
        with self.lock:
            arrival = max(self.arrival, now)
            wait = max(0.0, arrival - (self.burst - 1) * self.interval - now)
            self.arrival = arrival + self.interval
            return wait


_pacers: dict[tuple[str, str], _Pacer] = {}
_pacers_lock = threading.Lock()


def pacing_enabled() -> bool:
    return bool(getattr(settings, "ROLLER_PACING_ENABLED", True))


def pace(client_id: str, family: str, *, sleep=time.sleep, clock=time.monotonic) -> float:
    """Wait, if needed, before a call of `family` with these credentials; return the wait."""
    if not pacing_enabled():
        return 0.0
    key = (client_id, family)
    with _pacers_lock:
        pacer = _pacers.get(key)
        if pacer is None:
            per_second, burst = RATES[family]
            pacer = _pacers[key] = _Pacer(interval=1.0 / per_second, burst=burst)
    wait = pacer.reserve(clock())
    if wait > 0:
        sleep(wait)
    return wait


def reset() -> None:
    """Forget all pacing state (for tests)."""
    with _pacers_lock:
        _pacers.clear()
