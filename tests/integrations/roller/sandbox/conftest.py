"""Fixtures for the sandbox's own tests: an authenticated API client and a webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .helpers import Api, WebhookReceiver, receiver_serving

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
    with receiver_serving("/roller/webhook") as receiver:
        yield receiver
