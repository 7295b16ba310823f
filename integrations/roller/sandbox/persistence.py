"""The sandbox's venue kept across restarts, as the real ROLLER keeps it.

Without it every start seeded the venue afresh: the webhook our connection registered was
gone, and new bookings reused ids the store already had. With a state file the venue (guests,
bookings, webhooks, the id counters) is loaded at start and saved at stop, and every
SAVE_EVERY seconds meanwhile (by a forked child, so the API never pauses for it) so a killed
process loses little. A file from another seed or size is ignored (the venue is seeded as
asked). `make reset` deletes it with the rest of var/.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .state import Store

if TYPE_CHECKING:
    from .app import Sandbox

log = logging.getLogger(__name__)

SAVE_EVERY = 30.0
FORMAT = 1


def state_load(path: Path, *, seed: int, size: str) -> tuple[Store, str, Any, dict] | None:
    """(store, anchor date, rng state, tokens) saved for this seed and size, or None."""
    try:
        # Only ever a file this sandbox wrote itself in var/ (a development stand-in, never production).
        saved = pickle.loads(path.read_bytes())  # noqa: S301
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a damaged or old file: seed afresh, say so
        log.warning("sandbox state %s is unreadable; seeding a fresh venue", path)
        return None
    if saved.get("format") != FORMAT or (saved.get("seed"), saved.get("size")) != (seed, size):
        log.warning("sandbox state %s is for another seed or size; seeding a fresh venue", path)
        return None
    return saved["store"], saved["anchor_date"], saved["rng"], saved.get("tokens", {})


def state_save(app: Sandbox, path: Path) -> None:
    """Writes the venue to `path` atomically (a reader never sees half a file)."""
    _write(pickle.dumps(_snapshot(app), protocol=pickle.HIGHEST_PROTOCOL), path)


def state_save_forked(app: Sandbox, path: Path) -> None:
    """The same, written by a forked child from its copy-on-write snapshot of the process, as
    Redis's BGSAVE does. Pickling a bench-sized venue (a million objects) takes seconds with
    the store's lock and the interpreter held: done in place every 30 seconds, it froze every
    API call and file download for that long, which ROLLER never does. The parent only forks."""
    if not hasattr(os, "fork"):
        state_save(app, path)
        return
    # Taken before the fork, under the lock, so the child copies a consistent venue and never
    # touches a lock another thread of the parent might have held at that moment.
    with app.store.lock:
        snapshot = _snapshot(app)
        pid = os.fork()
    if pid == 0:  # the child: write and leave at once, without the parent's exit handlers
        code = 1
        try:
            _write(pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL), path)
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise OSError(f"the child saving the sandbox state exited with {os.waitstatus_to_exitcode(status)}")


def _snapshot(app: Sandbox) -> dict:
    with app.store.lock:
        return {
            "format": FORMAT,
            "seed": app.config.seed,
            "size": app.config.size,
            "anchor_date": app.config.anchor_date,
            "store": app.store,
            "rng": app.rng.getstate(),
            # Issued access tokens stay valid across a restart, as ROLLER's do (time-based).
            "tokens": app.tokens.saved(),
        }


def _write(data: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)


class StateKeeper:
    """Saves the venue every SAVE_EVERY seconds and once more at stop."""

    def __init__(self, app: Sandbox, path: Path) -> None:
        self._app, self._path = app, path
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="roller-state", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._save()

    def _run(self) -> None:
        while not self._stop.wait(SAVE_EVERY):
            self._save(state_save_forked)

    def _save(self, save=state_save) -> None:
        try:
            save(self._app, self._path)
        except Exception:
            log.exception("could not save the sandbox state to %s", self._path)
