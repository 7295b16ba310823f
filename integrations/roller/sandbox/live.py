"""Live-venue mode: a thread making a random mix of activity at a steady rate."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import TYPE_CHECKING, Any

from .activity import ACTIVITIES

if TYPE_CHECKING:
    from .app import Sandbox

log = logging.getLogger(__name__)

# The live venue's mix: mostly sales, some paperwork, the odd cancellation or deletion.
LIVE_MIX = (
    ("online-booking", 35), ("pos-sale", 30), ("waiver", 10), ("guest-update", 10),
    ("booking-update", 7), ("booking-cancel", 3), ("product-change", 3), ("guest-delete", 2),
)  # fmt: skip


class LiveVenue:
    """A thread making a random mix of activity at `rate` events per second."""

    def __init__(self, app: Sandbox) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.rate = 0.0
        self.counts: Counter[str] = Counter()

    def start(self, rate: float) -> None:
        self.stop()
        with self._lock:
            self.rate, self._stop = rate, threading.Event()
            self._thread = threading.Thread(target=self._run, args=(self._stop,), name="roller-live", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
            self._stop.set()
        if thread is not None:
            thread.join(timeout=5)

    def status(self) -> dict[str, Any]:
        running = self._thread is not None and self._thread.is_alive()
        return {"running": running, "rate": self.rate if running else 0.0, "counts": dict(self.counts)}

    def _run(self, stop: threading.Event) -> None:
        kinds, weights = zip(*LIVE_MIX, strict=True)
        while not stop.wait(1.0 / self.rate):
            app = self._app
            try:
                with app.store.lock:
                    kind = app.rng.choices(kinds, weights)[0]
                    ACTIVITIES[kind](app, {})
                self.counts[kind] += 1
            except Exception:  # keep the venue alive whatever one activity does
                log.exception("Live venue activity failed")
