"""Fixtures for the sandbox's own tests: an authenticated API client and a webhook receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest

from .helpers import Api, ReceiverHandler, WebhookReceiver

PLUGIN = "tests.fixtures.roller_sandbox"


def pytest_configure(config: pytest.Config) -> None:
    # The root conftest registers the plugin; this keeps these tests runnable before it does.
    if not config.pluginmanager.has_plugin(PLUGIN):
        config.pluginmanager.import_plugin(PLUGIN)


@pytest.fixture
def api(roller_sandbox) -> Api:
    return Api(roller_sandbox.url, roller_sandbox.token())


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """A local endpoint that records every delivery and answers `status`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), ReceiverHandler)
    server.daemon_threads = True
    receiver = WebhookReceiver(url=f"http://127.0.0.1:{server.server_port}/roller/webhook")
    server.receiver = receiver  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
