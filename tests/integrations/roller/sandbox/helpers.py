"""Helpers for the sandbox tests: an API client, a webhook receiver, registration."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests


class Api:
    """requests against the sandbox with a bearer token for the demo credentials."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(f"{self.url}{path}", params=params or None, timeout=10)

    def post(self, path: str, body: Any = None) -> requests.Response:
        return self.session.post(f"{self.url}{path}", json=body, timeout=10)

    def put(self, path: str, body: Any = None) -> requests.Response:
        return self.session.put(f"{self.url}{path}", json=body, timeout=10)

    def delete(self, path: str) -> requests.Response:
        return self.session.delete(f"{self.url}{path}", timeout=10)


@dataclass
class Received:
    headers: dict[str, str]
    body: dict[str, Any] | list[Any]


@dataclass
class WebhookReceiver:
    url: str
    status: int = 200
    sleep_seconds: float = 0.0
    received: list[Received] = field(default_factory=list)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.received)

    def events(self) -> list[tuple[Any, Any]]:
        return [(r.body["type"], r.body["eventType"]) for r in self.received]


class ReceiverHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        receiver: WebhookReceiver = self.server.receiver  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        receiver.received.append(Received({k.lower(): v for k, v in self.headers.items()}, json.loads(body)))
        if receiver.sleep_seconds:
            time.sleep(receiver.sleep_seconds)
        try:
            self.send_response(receiver.status)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:
            pass

    def log_message(self, *args: Any) -> None:
        pass


def register_webhook(api: Api, url: str, *, api_key: str = "test-shared-key", **hooks: Any) -> int:
    """Register a webhook for everything the sandbox sends (or the `hooks` given)."""
    webhooks = hooks or {
        "booking": {"events": ["Created", "Updated", "Cancelled"], "include": {"tickets": True, "externalId": True}},
        "customer": {"events": ["Created", "Updated"], "include": {"flags": True}},
        "signedWaiver": {"events": ["Created"]},
    }
    response = api.post(
        "/webhooks", {"url": url, "enabled": True, "authentication": {"apiKey": api_key}, "webhooks": webhooks}
    )
    assert response.status_code == 201, response.text
    return response.json()["webhookId"]


def variation_id(api: Api, name: str) -> int:
    """The (integer) id of the product variation called `name` in GET /products."""
    for parent in api.get("/products").json():
        for variation in parent["products"]:
            if variation["name"] == name:
                return int(variation["id"])
    raise AssertionError(f"No product variation called {name!r}")


@contextlib.contextmanager
def receiver_serving(path: str = "") -> Iterator[WebhookReceiver]:
    """A local endpoint that records every delivery and answers `status`, for the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), ReceiverHandler)
    server.daemon_threads = True
    receiver = WebhookReceiver(url=f"http://127.0.0.1:{server.server_port}{path}")
    server.receiver = receiver  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
