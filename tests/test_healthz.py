"""/healthz for a load balancer: 200 when the database and the broker answer, 503 naming what did not."""

import contextlib
import time

import pytest
from django.db import OperationalError

from connector_site.celery_app import app as celery_app

pytestmark = pytest.mark.django_db
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@contextlib.contextmanager
def broker_at(url: str):
    """Points the Celery app (not a copy of it) at another broker, and back.

    Celery prefers CELERY_BROKER_URL from the environment (set by .ci/run) to its conf.
    """
    environment = pytest.MonkeyPatch()
    environment.delenv("CELERY_BROKER_URL", raising=False)
    environment.delenv("CELERY_BROKER_READ_URL", raising=False)
    conf = celery_app.conf
    # The raw values: conf.broker_read_url falls back to broker_url when unset.
    saved = conf.get("broker_url"), conf.get("broker_read_url")
    conf.broker_url, conf.broker_read_url = url, None
    try:
        yield
    finally:
        conf.broker_url, conf.broker_read_url = saved
        environment.undo()


@pytest.fixture
def broker_down():
    with broker_at(CLOSED_PORT_BROKER):
        yield


def test_healthy_when_the_database_and_the_broker_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_the_broker_down_is_503_and_says_so_quickly(client, broker_down):
    started = time.monotonic()
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("unreachable")
    assert time.monotonic() - started < 5


def test_the_broker_url_never_shows_in_the_answer(client):
    with broker_at("redis://:s3cret-broker-password@127.0.0.1:1/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert "s3cret" not in response.content.decode()


def test_the_database_down_is_503_and_says_so(client, monkeypatch):
    class NoDatabase:
        def cursor(self):
            raise OperationalError("could not connect to server")

    monkeypatch.setattr("integrations.views.db_connection", NoDatabase())
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "unreachable: OperationalError", "broker": "ok"}


def test_healthz_answers_only_get(client):
    assert client.post("/healthz").status_code == 405


def test_a_head_request_gets_the_same_status(client, broker_down):
    assert client.head("/healthz").status_code == 503
