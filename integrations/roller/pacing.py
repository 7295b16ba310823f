"""Keeping our calls inside ROLLER's rate limits, with headroom, across every process.

ROLLER allows 600 REST and 120 Reporting calls a minute per credential set, then refuses every
call for 60 seconds (docs/roller-facts.md, Rate limits). We pace below that: 8 REST and 1.5
Reporting calls a second, with a small burst (GCRA: each call moves a "theoretical arrival
time" on by one interval and waits until it is no more than `burst - 1` intervals ahead of now).

The limit is per credential set, not per process: two workers on one connection, or the web
process checking the same credentials, used to pace each on its own and together earned the
60-second lock-out. So the arrival time of each (client id, family) is one row in the database
(integrations.roller.models.PacingSlot), which every process of both stacks shares (SQLite on the
embedded one, PostgreSQL in production; the embedded stack has no shared cache), moved by ONE
statement: `INSERT … ON CONFLICT … DO UPDATE SET arrival = max(arrival, now) + interval
RETURNING …` (SQLite ≥ 3.35, PostgreSQL). "now" is the database's clock, the same for every host.

Callers may be inside a transaction (a webhook's handler fetches its guest inside one), so:

- PostgreSQL: the statement runs on a connection of this thread's own, in autocommit: the
  reservation is seen by every other process at once and no lock outlives the statement.
- SQLite: on the default connection. A database file has one writer at a time, so a second
  connection would wait for the write lock this thread's own transaction holds. Inside a
  transaction the reservation commits with it; meanwhile no other process can pace, since they
  wait for the same lock.

When the database cannot be reached, calls are paced in this process only (the old behaviour,
a warning in the log) for FALLBACK_SECONDS before it is tried again: a call is never blocked
for want of the table. Switch pacing off for tests and benchmarks with the setting
ROLLER_PACING_ENABLED = False.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend

from integrations.roller.tokens import retry_if_locked

logger = logging.getLogger(__name__)

REST = "rest"
REPORTING = "reporting"
# Calls per second and burst size per family: 8 × 60 + 5 = 485 ≤ 600; 1.5 × 60 + 2 = 92 ≤ 120.
RATES = {REST: (8.0, 5), REPORTING: (1.5, 2)}
# After the shared table failed, pace in this process for this long before trying it again,
# so an unreachable database costs one connection attempt per period, not one per call.
FALLBACK_SECONDS = 30.0
# A database that does not answer in this time is "down" for pacing (PostgreSQL's default is
# to wait for the network's own time-out, minutes).
CONNECT_TIMEOUT_SECONDS = 3

# The database's clock in seconds since the epoch, stable within one statement.
_NOW = {
    "postgresql": "EXTRACT(EPOCH FROM statement_timestamp())::double precision",
    "sqlite": "(julianday('now') - 2440587.5) * 86400.0",
}
_GREATEST = {"postgresql": "GREATEST", "sqlite": "max"}
_RESERVE = """
    INSERT INTO {table} (client_id, family, arrival, requested_at)
    VALUES (%s, %s, COALESCE(CAST(%s AS double precision), {now}) + %s, COALESCE(CAST(%s AS double precision), {now}))
    ON CONFLICT (client_id, family) DO UPDATE
    SET arrival = {greatest}({table}.arrival, excluded.requested_at) + %s, requested_at = excluded.requested_at
    RETURNING arrival, requested_at
"""


@dataclass
class _Pacer:
    """The in-process GCRA, used while the shared table cannot be reached."""

    interval: float
    burst: int
    arrival: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reserve(self, now: float) -> float:
        with self.lock:
            self.arrival = max(self.arrival, now) + self.interval
            return gcra_wait(arrival=self.arrival, now=now, interval=self.interval, burst=self.burst)


_pacers: dict[tuple[str, str], _Pacer] = {}
_pacers_lock = threading.Lock()
_local = threading.local()
_shared_retry_at = 0.0  # time.monotonic() before which the shared table is not tried again


def pacing_enabled() -> bool:
    return bool(getattr(settings, "ROLLER_PACING_ENABLED", True))


def gcra_wait(*, arrival: float, now: float, interval: float, burst: int) -> float:
    """How long a call waits, given the arrival time its reservation moved the slot to."""
    return max(0.0, arrival - burst * interval - now)


def pace(
    client_id: str,
    family: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] | None = None,
) -> float:
    """Wait, if needed, before a call of `family` with these credentials; return the wait.

    `clock` replaces the database's (and, in the fallback, the monotonic) clock, for tests."""
    if not pacing_enabled():
        return 0.0
    now = clock() if clock is not None else None
    wait = shared_reserve(client_id, family, now=now)
    if wait is None:
        wait = local_reserve(client_id, family, now=now if now is not None else time.monotonic())
    if wait > 0:
        sleep(wait)
    return wait


def shared_reserve(client_id: str, family: str, *, now: float | None = None) -> float | None:
    """Reserve the next call in the shared slot and return its wait; None when the database
    cannot be reached (then the caller paces in-process)."""
    global _shared_retry_at
    if time.monotonic() < _shared_retry_at:
        return None
    per_second, burst = RATES[family]
    interval = 1.0 / per_second
    try:
        db = _pacing_connection()
        vendor = db.vendor
        table = db.ops.quote_name(apps.get_model("roller", "PacingSlot")._meta.db_table)
        sql = _RESERVE.format(table=table, now=_NOW[vendor], greatest=_GREATEST[vendor])

        def reserve() -> tuple[float, float]:
            with db.cursor() as cursor:
                cursor.execute(sql, [client_id, family, now, interval, now, interval])
                return cursor.fetchone()

        arrival, reserved_at = retry_if_locked(reserve) if vendor == "sqlite" else reserve()
    except DatabaseError as exc:
        _shared_retry_at = time.monotonic() + FALLBACK_SECONDS
        _pacing_connection_drop()
        logger.warning(
            "ROLLER calls are paced in this process only for %.0f s: the shared pacing table "
            "could not be used (%s: %s). Several processes may then exceed ROLLER's rate limit.",
            FALLBACK_SECONDS,
            type(exc).__name__,
            str(exc).strip().splitlines()[0] if str(exc).strip() else "",
        )
        return None
    return gcra_wait(arrival=arrival, now=reserved_at, interval=interval, burst=burst)


def local_reserve(client_id: str, family: str, *, now: float) -> float:
    """Reserve the next call in this process's slot for these credentials; return its wait."""
    key = (client_id, family)
    with _pacers_lock:
        pacer = _pacers.get(key)
        if pacer is None:
            per_second, burst = RATES[family]
            pacer = _pacers[key] = _Pacer(interval=1.0 / per_second, burst=burst)
    return pacer.reserve(now)


def _pacing_connection() -> BaseDatabaseWrapper:
    """SQLite: the default connection. PostgreSQL: this thread's own, in autocommit, made again
    in a forked child (a worker process must not share its parent's socket)."""
    default = connections[DEFAULT_DB_ALIAS]
    if default.vendor == "sqlite":
        return default
    own = getattr(_local, "connection", None)
    if own is None or getattr(_local, "pid", None) != os.getpid():
        db = connections.settings[DEFAULT_DB_ALIAS]
        options = {"connect_timeout": CONNECT_TIMEOUT_SECONDS, **db.get("OPTIONS", {})}
        own = load_backend(db["ENGINE"]).DatabaseWrapper({**db, "OPTIONS": options}, DEFAULT_DB_ALIAS)
        _local.connection, _local.pid = own, os.getpid()
    return own


def _pacing_connection_drop() -> None:
    """Forget this thread's own connection after an error: the next try opens a new one."""
    own = getattr(_local, "connection", None)
    _local.connection = None
    if own is not None and getattr(_local, "pid", None) == os.getpid():
        with contextlib.suppress(DatabaseError):  # it is being dropped for being broken
            own.close()


def reset() -> None:
    """Forget this process's pacing state (for tests). The shared rows need no reset: a slot
    whose arrival time has passed paces nothing, and tests use client ids of their own."""
    global _shared_retry_at
    with _pacers_lock:
        _pacers.clear()
    _shared_retry_at = 0.0
    _pacing_connection_drop()
