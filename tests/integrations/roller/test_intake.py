"""Receiving ROLLER webhooks (reliability scenarios 1–7 and 9) through the real view."""

import json
import logging
import threading
import uuid
from datetime import timedelta

import pytest
import requests
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from integrations.models import Connection, WebhookEvent
from integrations.outcomes import Reason
from integrations.payloads import unreadable_note
from integrations.roller import intake
from integrations.services.connections import connection_pause, connection_resume
from integrations.services.dispatch import webhook_events_dispatch
from tests.factories import RollerSettingsFactory
from tests.support.webhooks import WEBHOOK_KEY

KEY = WEBHOOK_KEY


def booking_message(message_id: str | None = None, **data) -> bytes:
    return json.dumps(
        {
            "id": message_id or str(uuid.uuid4()),
            "sendDate": "2026-06-30T08:12:48.1597733Z",
            "type": "Booking",
            "eventType": "Created",
            "eventDate": "2026-06-30T08:12:45.1132441Z",
            "data": {"bookingReference": "5032443", "uniqueId": str(uuid.uuid4()), **data},
        }
    ).encode()


def deliver(client, roller, body: bytes, *, key: str | None = KEY, slash: bool = True):
    url = f"/webhooks/roller/{roller.connection.public_id}{'/' if slash else ''}"
    headers = {"HTTP_X_ROLLER_APIKEY": key} if key is not None else {}
    return client.post(url, data=body, content_type="application/json", **headers)


def test_a_delivery_is_stored_and_answered_200(client, roller):
    response = deliver(client, roller, booking_message("msg-1"))

    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert (event.message_id, event.object_type, event.event_type) == ("msg-1", "Booking", "Created")
    assert event.status == WebhookEvent.Status.RECEIVED
    assert event.subject_reference == "5032443"
    assert event.event_date.isoformat().startswith("2026-06-30T08:12:45")


def test_the_stored_headers_never_hold_the_key(client, roller):
    deliver(client, roller, booking_message())
    event = WebhookEvent.objects.get()
    assert KEY not in json.dumps(event.headers)
    assert event.headers["CONTENT_TYPE"] == "application/json"


@pytest.mark.django_db(transaction=True)
def test_the_same_message_three_times_at_once_is_one_event_all_answered_200(live_server):
    roller = RollerSettingsFactory(webhook_key=KEY)
    body = booking_message("same-message")
    url = f"{live_server.url}/webhooks/roller/{roller.connection.public_id}/"
    barrier = threading.Barrier(3)
    statuses = []

    def send():
        barrier.wait()
        statuses.append(requests.post(url, data=body, headers={"x-roller-apikey": KEY}, timeout=10).status_code)

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200, 200, 200]
    assert WebhookEvent.objects.filter(message_id="same-message").count() == 1


def test_the_same_message_two_days_later_is_answered_200_and_not_processed_again(client, roller, published):
    deliver(client, roller, booking_message("msg-1"))
    WebhookEvent.objects.update(
        status=WebhookEvent.Status.PROCESSED,
        processed_at=timezone.now(),
        received_at=timezone.now() - timedelta(days=2),
    )

    assert deliver(client, roller, booking_message("msg-1")).status_code == 200
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.PROCESSED
    assert webhook_events_dispatch() == 0
    assert published == []


def test_a_missing_key_is_refused_with_401_and_nothing_stored(client, roller, caplog):
    with caplog.at_level(logging.WARNING, logger="integrations.roller.intake"):
        response = deliver(client, roller, booking_message(), key=None)
    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()
    assert "missing x-roller-apikey" in caplog.text


def test_a_wrong_key_is_refused_and_the_log_line_holds_neither_key(client, roller, caplog):
    with caplog.at_level(logging.WARNING, logger="integrations.roller.intake"):
        response = deliver(client, roller, booking_message(), key="guessed-key-123")
    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()
    assert "wrong x-roller-apikey" in caplog.text
    assert "guessed-key-123" not in caplog.text
    assert KEY not in caplog.text


def test_the_previous_key_is_accepted_during_its_grace_period_only(client, roller):
    roller.previous_webhook_key = "the-old-key-abcdefghijklmnopqrstuvwxyz"
    roller.previous_webhook_key_valid_until = timezone.now() + timedelta(hours=1)
    roller.save()
    assert deliver(client, roller, booking_message(), key="the-old-key-abcdefghijklmnopqrstuvwxyz").status_code == 200

    roller.previous_webhook_key_valid_until = timezone.now() - timedelta(seconds=1)
    roller.save()
    intake._receivers.clear()
    assert deliver(client, roller, booking_message(), key="the-old-key-abcdefghijklmnopqrstuvwxyz").status_code == 401


def test_a_new_key_works_at_once_even_while_the_old_one_is_cached(client, roller):
    assert deliver(client, roller, booking_message()).status_code == 200
    roller.webhook_key = "a-freshly-rotated-key-0123456789abcdefgh"
    roller.save()
    assert deliver(client, roller, booking_message(), key="a-freshly-rotated-key-0123456789abcdefgh").status_code == 200


def test_an_unknown_connection_is_404(client, db):
    response = client.post(
        f"/webhooks/roller/{uuid.uuid4()}/", data=booking_message(), content_type="application/json",
        HTTP_X_ROLLER_APIKEY=KEY,
    )  # fmt: skip
    assert response.status_code == 404


def test_a_paused_connection_stores_and_answers_200_and_processes_on_resume(
    client, roller, published, django_capture_on_commit_callbacks
):
    connection_pause(connection=roller.connection)

    assert deliver(client, roller, booking_message("while-paused")).status_code == 200
    assert webhook_events_dispatch() == 0

    with django_capture_on_commit_callbacks(execute=True):
        connection_resume(connection=Connection.objects.get(pk=roller.connection.pk))
    assert published == [WebhookEvent.objects.get(message_id="while-paused").pk]


@pytest.mark.parametrize(
    "body",
    [b"this is not json", b'{"hello": "world"}', b"[1, 2, 3]", b'{"id": "x1", "type": "Booking"}'],
    ids=["not-json", "unknown-shape", "not-an-object", "no-data"],
)
def test_an_unreadable_body_is_stored_as_failed_with_the_reason_and_answered_200(client, roller, body, published):
    response = deliver(client, roller, body)

    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.Status.FAILED
    assert event.reason == Reason.INVALID_PAYLOAD
    assert event.last_error.endswith(unreadable_note(body))  # the reason, then size and SHA-256
    assert (event.body, event.body_redacted) == ("", True)  # nothing in it could be redacted
    assert webhook_events_dispatch() == 0


def test_the_same_unreadable_body_twice_is_one_event(client, roller):
    deliver(client, roller, b"garbage")
    deliver(client, roller, b"garbage")
    assert WebhookEvent.objects.count() == 1


def test_an_oversized_body_is_refused_before_it_is_stored(client, roller, monkeypatch):
    monkeypatch.setattr(intake, "MAX_BODY_BYTES", 1000)
    response = deliver(client, roller, booking_message(comments="x" * 2000))
    assert response.status_code == 413
    assert not WebhookEvent.objects.exists()


def test_the_database_down_answers_503_so_roller_retries_and_nothing_is_half_written(client, roller, monkeypatch):
    def unreachable(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(intake, "webhook_event_store", unreachable)
    response = deliver(client, roller, booking_message())
    assert response.status_code == 503
    assert not WebhookEvent.objects.exists()


@pytest.mark.postgres
def test_a_lost_database_connection_answers_503_and_the_next_delivery_is_stored(client, transactional_db):
    import psycopg
    from django.db import close_old_connections
    from django.db import connection as db

    roller = RollerSettingsFactory(webhook_key=KEY)
    assert deliver(client, roller, booking_message()).status_code == 200  # keys cached, statement prepared
    db.ensure_connection()
    backend = db.connection.info.backend_pid
    with psycopg.connect(db.connection.info.dsn, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])

    lost = booking_message()
    assert deliver(client, roller, lost).status_code == 503  # ROLLER retries it
    close_old_connections()  # what request_finished does outside tests (the test client skips it)
    assert deliver(client, roller, lost).status_code == 200  # on a new connection
    assert WebhookEvent.objects.count() == 2


def test_no_redirect_for_a_missing_trailing_slash(client, roller):
    response = deliver(client, roller, booking_message(), slash=False)
    assert response.status_code == 200
    assert WebhookEvent.objects.count() == 1


def test_no_csrf_token_is_needed(roller):
    strict_client = Client(enforce_csrf_checks=True)
    assert deliver(strict_client, roller, booking_message()).status_code == 200


def test_it_works_with_atomic_requests(client, roller, settings):
    assert settings.DATABASES["default"]["ATOMIC_REQUESTS"] is True
    assert deliver(client, roller, booking_message()).status_code == 200


def test_only_post_is_accepted(client, roller):
    response = client.get(f"/webhooks/roller/{roller.connection.public_id}/")
    assert response.status_code == 405


# --- through the ROLLER handlers (reliability scenario 12) --------------------------------


@pytest.fixture
def sandbox_roller(db, settings, roller_sandbox):
    settings.ROLLER_PACING_ENABLED = False
    return RollerSettingsFactory(
        webhook_key=KEY, custom_base_url=roller_sandbox.url, client_id=roller_sandbox.client_id,
        client_secret=roller_sandbox.client_secret,
    )  # fmt: skip


def stored_booking(client, roller) -> WebhookEvent:
    from pathlib import Path

    fixture = Path(__file__).parent / "fixtures" / "booking_created.json"
    assert deliver(client, roller, fixture.read_bytes()).status_code == 200
    return WebhookEvent.objects.get()


def test_roller_unavailable_while_fetching_the_guest_is_retried_with_back_off(client, sandbox_roller, roller_sandbox):
    from integrations.services.events import webhook_event_process

    event = stored_booking(client, sandbox_roller)
    roller_sandbox.fault("/guests", status=503, count=10)

    result = webhook_event_process(event_id=event.pk, task_id="t")
    assert result.status == WebhookEvent.Status.FAILED and result.retry_in > 0
    last_error = WebhookEvent.objects.get().last_error
    assert "ROLLER kept failing with 503" in last_error
    assert "27718291" not in last_error  # a guest id could be a minor's: never in a message


def test_a_429_while_fetching_the_guest_waits_out_rollers_penalty(client, sandbox_roller, roller_sandbox):
    from integrations.services.events import webhook_event_process

    event = stored_booking(client, sandbox_roller)
    roller_sandbox.fault("/guests", status=429, retry_after=60, count=1)

    result = webhook_event_process(event_id=event.pk, task_id="t")
    assert result.retry_in >= 60


def test_revoked_credentials_turn_the_connection_to_needs_attention_and_keep_the_event(
    client, sandbox_roller, roller_sandbox
):
    from integrations.services.events import webhook_event_process

    event = stored_booking(client, sandbox_roller)
    sandbox_roller.client_secret = "revoked-in-roller"
    sandbox_roller.save()

    result = webhook_event_process(event_id=event.pk, task_id="t")
    assert result.status == WebhookEvent.Status.FAILED and result.retry_in is None
    connection = Connection.objects.get(pk=sandbox_roller.connection_id)
    assert connection.status == Connection.Status.NEEDS_ATTENTION
    assert "rejected the Client ID and Secret" in connection.status_reason
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.FAILED
