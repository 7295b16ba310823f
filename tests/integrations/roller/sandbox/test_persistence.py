"""The sandbox keeps its venue across restarts when given a state file, as ROLLER would."""

from __future__ import annotations

import os
import time

from integrations.roller.sandbox import persistence
from integrations.roller.sandbox.activity import ACTIVITIES
from integrations.roller.sandbox.app import Sandbox
from integrations.roller.sandbox.config import SandboxConfig
from integrations.roller.sandbox.entities import Webhook
from integrations.roller.sandbox.persistence import state_save, state_save_forked


def sandbox(state_file, **config) -> Sandbox:
    return Sandbox(SandboxConfig(**{"size": "small", "anchor_date": "2026-03-01", **config}), state_file=state_file)


def test_a_restart_keeps_the_webhooks_bookings_and_id_counters(tmp_path):
    state_file = tmp_path / "var" / "roller-sandbox.pickle"
    first = sandbox(state_file)
    first.store.webhooks[1] = Webhook(id=1, created=time.time(), configuration={"url": "http://x/", "enabled": True})
    booked = ACTIVITIES["online-booking"](first, {"newGuest": True})
    token = first.tokens.issue("sandbox-demo-client", 3600)
    state_save(first, state_file)

    second = sandbox(state_file, anchor_date="2026-04-01")
    again = ACTIVITIES["online-booking"](second, {"newGuest": True})

    assert second.restored
    assert list(second.store.webhooks) == [1]
    assert booked["uniqueId"] in second.store.bookings
    assert again["uniqueId"] != booked["uniqueId"]  # no replayed booking ids
    assert second.config.anchor_date == "2026-03-01"  # the saved history's, not today's
    assert second.tokens.client_for(token) == "sandbox-demo-client"  # no 401 after a restart


def test_a_state_of_another_seed_is_ignored_and_the_venue_seeded(tmp_path):
    state_file = tmp_path / "roller-sandbox.pickle"
    first = sandbox(state_file)
    first.store.webhooks[1] = Webhook(id=1, created=time.time(), configuration={"enabled": True})
    state_save(first, state_file)

    other = sandbox(state_file, seed=7)

    assert not other.restored and other.store.webhooks == {}


def test_without_a_state_file_every_start_is_a_fresh_seed(tmp_path):
    assert not sandbox(None).restored


def test_the_periodic_save_is_written_by_a_child_while_the_venue_keeps_answering(tmp_path, monkeypatch):
    state_file = tmp_path / "roller-sandbox.pickle"
    first = sandbox(state_file)
    booked = ACTIVITIES["online-booking"](first, {"newGuest": True})
    writers = []
    monkeypatch.setattr(persistence, "_write", lambda data, path, write=persistence._write: (
        writers.append(os.getpid()), write(data, path)
    ))  # fmt: skip

    state_save_forked(first, state_file)

    assert writers == []  # the parent only forked: the child wrote, in its own process
    assert booked["uniqueId"] in sandbox(state_file).store.bookings
    assert first.store.lock.acquire(blocking=False)  # and the parent's lock is free again
    first.store.lock.release()
