"""Webhook delivery: a background thread that posts envelopes and retries like ROLLER.

ROLLER retries only on 500, 503, 504 and time-outs, on the schedule in the config
(multiplied by `time_factor` so tests need not wait days), and disables the webhook after
the last attempt fails. Any other non-200 answer puts the webhook "under review" without a
retry. A message keeps its `id` across retries and duplicates.
"""

from __future__ import annotations

import heapq
import itertools
import json
import random
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import requests

from . import clock
from .config import SandboxConfig
from .state import Store
from .webhooks import EVENT_IDS, TYPE_IDS, Event, matches, payload_for

RETRYABLE_STATUSES = (500, 503, 504)


@dataclass
class Delivery:
    message_id: str
    webhook_id: int
    event: Event
    data: Any
    generation: int
    attempt: int = 1
    duplicate: bool = False


@dataclass(order=True)
class _Scheduled:
    due: float
    seq: int
    delivery: Delivery = field(compare=False)


class Dispatcher:
    def __init__(self, config: SandboxConfig, store_ref: Any) -> None:
        self._config = config
        self._store_ref = store_ref  # callable returning the current Store (reset swaps it)
        self._cond = threading.Condition()
        self._queue: list[_Scheduled] = []
        self._seq = itertools.count()
        self._in_flight = 0
        self._generation = 0
        self._stopped = False
        self._log: deque[dict[str, Any]] = deque(maxlen=20000)
        self._rng = random.Random()
        self._session = requests.Session()
        self._thread = threading.Thread(target=self._run, name="roller-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    # --- publishing -----------------------------------------------------------------------
    def publish(self, event: Event) -> int:
        """Queue the event for every enabled webhook that subscribes to it."""
        config, store = self._config, self._store_ref()
        with store.lock:
            targets = [
                (hook.id, payload_for(hook.configuration, event, booking_wrapper=config.booking_wrapper))
                for hook in store.webhooks.values()
                if matches(hook.configuration, event)
            ]
        now = time.monotonic()
        with self._cond:
            for webhook_id, data in targets:
                delivery = Delivery(str(uuid.uuid4()), webhook_id, event, data, self._generation)
                due = now + config.delivery_delay_seconds + self._jitter()
                self._schedule(due, delivery)
                if config.deliver_twice:
                    twin = Delivery(**{**delivery.__dict__, "duplicate": True})
                    self._schedule(due + 0.05 + self._jitter(), twin)
            self._cond.notify_all()
        return len(targets)

    def _jitter(self) -> float:
        if not self._config.shuffle:
            return 0.0
        return self._rng.random() * self._config.shuffle_jitter_seconds

    def _schedule(self, due: float, delivery: Delivery) -> None:
        heapq.heappush(self._queue, _Scheduled(due, next(self._seq), delivery))

    # --- control ----------------------------------------------------------------------------
    def reset(self) -> None:
        with self._cond:
            self._generation += 1
            self._queue.clear()
            self._log.clear()

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + self._in_flight

    def log(self, *, webhook_id: int | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        with self._cond:
            entries = [e for e in self._log if webhook_id is None or e["webhookId"] == webhook_id]
        return entries[-limit:] if limit else entries

    # --- the thread -------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and not self._due_now():
                    timeout = self._queue[0].due - time.monotonic() if self._queue else None
                    self._cond.wait(timeout if timeout is None else max(timeout, 0.001))
                if self._stopped:
                    return
                batch = []
                while self._due_now():
                    batch.append(heapq.heappop(self._queue).delivery)
                if self._config.shuffle:
                    self._rng.shuffle(batch)
                self._in_flight += len(batch)
            for delivery in batch:
                try:
                    self._deliver(delivery)
                finally:
                    with self._cond:
                        self._in_flight -= 1

    def _due_now(self) -> bool:
        return bool(self._queue) and self._queue[0].due <= time.monotonic()

    def _deliver(self, delivery: Delivery) -> None:
        store: Store = self._store_ref()
        with store.lock:
            hook = store.webhooks.get(delivery.webhook_id)
            url = hook.configuration.get("url") if hook else None
            api_key = hook.configuration.get("authentication", {}).get("apiKey") if hook else None
            enabled = bool(hook and hook.enabled)
        if not enabled:
            self._record(delivery, url, None, "dropped_webhook_disabled")
            return
        status, error = self._post(url, api_key, self._envelope(delivery))
        self._handle_result(delivery, url, status, error)

    def _envelope(self, delivery: Delivery) -> bytes:
        event, as_int = delivery.event, self._config.enum_style == "int"
        envelope = {
            "id": delivery.message_id,
            "sendDate": clock.iso_utc_7(time.time()),
            "type": TYPE_IDS[event.type] if as_int else event.type,
            "eventType": EVENT_IDS[event.event_type] if as_int else event.event_type,
            "eventDate": clock.iso_utc_7(event.date),
            "data": delivery.data,
        }
        return json.dumps(envelope).encode()

    def _post(self, url: str, api_key: str | None, body: bytes) -> tuple[int | None, str | None]:
        headers = {"Content-Type": "application/json", "x-roller-apikey": api_key or ""}
        try:
            response = self._session.post(
                url, data=body, headers=headers, timeout=self._config.delivery_timeout_seconds
            )
            response.close()
            return response.status_code, None
        except requests.Timeout:
            return None, "timeout"
        except requests.RequestException as exc:
            return None, f"error: {type(exc).__name__}"

    def _handle_result(self, delivery: Delivery, url: str, status: int | None, error: str | None) -> None:
        config = self._config
        if status == 200:
            self._record(delivery, url, status, "delivered")
            return
        retryable = status is None or status in RETRYABLE_STATUSES or config.other_status_is_failure
        store: Store = self._store_ref()
        if not retryable:
            with store.lock:
                if (hook := store.webhooks.get(delivery.webhook_id)) is not None:
                    hook.under_review = True
            self._record(delivery, url, status, "under_review", error)
            return
        with store.lock:
            if (hook := store.webhooks.get(delivery.webhook_id)) is not None:
                hook.failures += 1
        schedule = config.retry_schedule
        if delivery.duplicate:
            self._record(delivery, url, status, "failed", error)
        elif delivery.attempt < len(schedule):
            wait = schedule[delivery.attempt] * config.time_factor
            self._record(delivery, url, status, "retry_scheduled", error, next_in=wait)
            retry = Delivery(**{**delivery.__dict__, "attempt": delivery.attempt + 1})
            with self._cond:
                if retry.generation == self._generation:
                    self._schedule(time.monotonic() + wait, retry)
                    self._cond.notify_all()
        else:
            with store.lock:
                if (hook := store.webhooks.get(delivery.webhook_id)) is not None:
                    hook.configuration["enabled"] = False
                    hook.disabled_reason = f"Disabled after {delivery.attempt} failed attempts"
            self._record(delivery, url, status, "failed_webhook_disabled", error)

    def _record(
        self,
        delivery: Delivery,
        url: str | None,
        status: int | None,
        outcome: str,
        error: str | None = None,
        next_in: float | None = None,
    ) -> None:
        entry = {
            "messageId": delivery.message_id,
            "webhookId": delivery.webhook_id,
            "url": url,
            "type": delivery.event.type,
            "eventType": delivery.event.event_type,
            "attempt": delivery.attempt,
            "duplicate": delivery.duplicate,
            "status": status,
            "outcome": outcome,
            "error": error,
            "nextAttemptInSeconds": next_in,
            "time": clock.iso_utc_7(time.time()),
        }
        with self._cond:
            if delivery.generation == self._generation:
                self._log.append(entry)
