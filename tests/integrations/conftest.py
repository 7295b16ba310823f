import pytest

from tests.support import fake_connector


@pytest.fixture
def fake_connector_registered():
    fake_connector.register()
    return fake_connector.TYPE


@pytest.fixture
def published(monkeypatch):
    """Task ids the dispatcher, the sweeper or a replay published, instead of a broker."""
    from integrations.tasks import process_webhook_events

    sent: list[int] = []
    monkeypatch.setattr(process_webhook_events, "apply_async", lambda args, **kwargs: sent.extend(args[0]))
    return sent
