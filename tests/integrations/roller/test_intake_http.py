"""Deliveries over real HTTP, chunked and not: through gunicorn (which decodes chunked bodies)
and Django's own server (which cannot). PostgreSQL only: gunicorn is another process and must
see the test database."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from django.db import connection as db

from integrations.models import WebhookEvent
from integrations.outcomes import Reason
from integrations.payloads import unreadable_note
from tests.factories import RollerSettingsFactory
from tests.support.webhooks import WEBHOOK_KEY

REPO_ROOT = Path(__file__).resolve().parents[3]
KEY = WEBHOOK_KEY
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    database = db.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "connector_site.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
    }
    log = tmp_path / "gunicorn.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "connector_site.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
        cwd=REPO_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()
            try:
                requests.get(f"{url}/favicon.ico", timeout=5, allow_redirects=False)
                break
            except requests.RequestException:  # not listening yet, or still loading Django
                assert time.monotonic() < deadline, "gunicorn did not start:\n" + log.read_text()
                time.sleep(0.2)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


@pytest.fixture
def roller():
    return RollerSettingsFactory(webhook_key=KEY)


def chunks(body: bytes, size: int = 7):
    # A generator: requests sends it with Transfer-Encoding: chunked and no Content-Length.
    for start in range(0, len(body), size):
        yield body[start : start + size]


def booking(message_id: str) -> bytes:
    return json.dumps(
        {"id": message_id, "type": "Booking", "eventType": "Created", "eventDate": "2026-06-30T08:12:45Z",
         "data": {"bookingReference": message_id}}
    ).encode()  # fmt: skip


def post(url: str, roller, body, *, key: str = KEY) -> requests.Response:
    return requests.post(
        f"{url}/webhooks/roller/{roller.connection.public_id}/", data=body,
        headers={"x-roller-apikey": key, "content-type": "application/json"}, timeout=30,
    )  # fmt: skip


def test_chunked_deliveries_through_gunicorn_are_each_stored_byte_for_byte(gunicorn, roller):
    bodies = [booking(f"chunked-{number}") for number in range(3)]
    for body in bodies:
        assert post(gunicorn, roller, chunks(body)).status_code == 200

    events = WebhookEvent.objects.order_by("message_id")
    assert [event.message_id for event in events] == ["chunked-0", "chunked-1", "chunked-2"]
    assert [event.stored_bytes for event in events] == bodies
    assert {event.status for event in events} == {WebhookEvent.Status.RECEIVED}


def test_a_chunked_body_that_cannot_be_read_is_failed_with_its_reason(gunicorn, roller):
    body = b'{"id": "nul\x00", "type": "Booking"}\xff\xfe'
    assert post(gunicorn, roller, chunks(body)).status_code == 200

    event = WebhookEvent.objects.get()
    assert (event.status, event.reason) == (WebhookEvent.Status.FAILED, Reason.INVALID_PAYLOAD)
    assert event.last_error.endswith(unreadable_note(body))  # its size and SHA-256, not the body
    assert (event.body, event.raw_body) == ("", None)


def test_a_chunked_body_over_the_limit_gets_413_and_an_unauthenticated_one_stores_nothing(gunicorn, roller):
    nine_mib = b"x" * (9 * 1024 * 1024)
    assert post(gunicorn, roller, chunks(nine_mib, size=1024 * 1024)).status_code == 413
    assert post(gunicorn, roller, chunks(booking("no-key")), key="wrong").status_code == 401
    assert not WebhookEvent.objects.exists()


def test_a_delivery_with_a_length_through_gunicorn_is_stored_as_before(gunicorn, roller):
    body = booking(str(uuid.uuid4()))
    assert post(gunicorn, roller, body).status_code == 200
    assert WebhookEvent.objects.get().stored_bytes == body


def test_djangos_own_server_cannot_read_a_chunked_body_so_it_is_refused_not_lost(live_server, roller):
    response = post(live_server.url, roller, chunks(booking("runserver")))
    assert response.status_code == 411
    assert not WebhookEvent.objects.exists()
