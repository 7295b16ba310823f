"""Nothing about a minor stays in a body kept for replay (issue 13, "Nothing about minors on any
path"): an event that failed, is being retried or is dead keeps its body, redacted before the
first failure is recorded, and a replay works from that redacted body.

Events go through the core (integrations.services.events.webhook_event_process) and the ROLLER
handlers, with the holder fetched from the sandbox over HTTP. The tests commit their writes, so
on PostgreSQL the proof is a real `pg_dump` of the test database; on SQLite, every row of it.
"""

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from django.core import serializers
from django.core.cache import cache
from django.db import connection as db

from integrations.models import Contact, KnownMinor, Order, RecordOutcome, WebhookEvent
from integrations.outcomes import Reason
from integrations.payloads import unreadable_note
from integrations.services.events import MAX_ATTEMPTS, webhook_event_process, webhook_events_replay
from tests.factories import ProductFactory, RollerSettingsFactory
from tests.support.webhooks import WEBHOOK_KEY, fixture_text

pytestmark = pytest.mark.django_db(transaction=True)
FIXTURES = Path(__file__).parent / "fixtures"
Status = WebhookEvent.Status
CHILD = "Noah Jansen"  # on a ticket of the booking fixture


@pytest.fixture
def sandbox(roller_sandbox, settings, monkeypatch):
    settings.ROLLER_PACING_ENABLED = False
    settings.ROLLER_HTTP_BACKOFF_SECONDS = 0.01
    # A replay publishes after commit; here the test processes the events itself.
    monkeypatch.setattr("integrations.tasks.process_webhook_events.apply_async", lambda *args, **kwargs: None)
    cache.clear()
    yield roller_sandbox
    cache.clear()


@pytest.fixture
def connection(sandbox):
    roller = RollerSettingsFactory(
        custom_base_url=sandbox.url,
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
        webhook_key=WEBHOOK_KEY,
    )
    for product_id in (123999221, 970411, 107400):  # the booking fixture's products
        ProductFactory(connection=roller.connection, external_id=str(product_id))
    return roller.connection


def stored(connection, name: str, **data) -> WebhookEvent:
    envelope = json.loads((FIXTURES / f"{name}.json").read_text())
    envelope["id"] = str(uuid.uuid4())
    envelope["data"].update(data)
    return WebhookEvent.objects.create(
        connection=connection,
        message_id=envelope["id"],
        object_type=envelope["type"],
        event_type=envelope["eventType"],
        body=json.dumps(envelope),
    )


def process(event: WebhookEvent) -> WebhookEvent:
    webhook_event_process(event_id=event.pk, task_id=str(uuid.uuid4()))
    return WebhookEvent.objects.get(pk=event.pk)


def dump() -> str:
    """What a database dump shows: pg_dump of the test database on PostgreSQL, else every row."""
    if db.vendor == "postgresql":
        conf = db.settings_dict
        command = ["pg_dump", "--data-only", "-h", conf["HOST"] or "127.0.0.1", "-U", conf["USER"] or "postgres"]
        command += ["-p", str(conf["PORT"] or 5432), conf["NAME"]]
        env = {**os.environ, "PGPASSWORD": conf["PASSWORD"] or ""}
        return subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    models = (Contact, Order, RecordOutcome, WebhookEvent, KnownMinor)
    return "".join(serializers.serialize("json", model.objects.all()) for model in models)


def test_a_booking_whose_holder_fetch_roller_refused_fails_without_the_childs_name(connection, sandbox):
    holder = sandbox.online_booking(newGuest=True)["customerId"]
    sandbox.fault("/guests", status=400, count=100)

    event = process(stored(connection, "booking_created", customerId=holder))

    assert (event.status, event.reason) == (Status.FAILED, Reason.SOURCE_ERROR)
    assert CHILD.split()[0] not in dump()

    sandbox.clear_faults()
    assert webhook_events_replay(connection=connection) == 1
    assert process(event).status == Status.PROCESSED  # from the redacted body
    assert Order.objects.get(connection=connection).lines.count() >= 1
    assert CHILD.split()[0] not in dump()


def test_a_booking_being_retried_or_dead_keeps_no_childs_name(connection, sandbox):
    holder = sandbox.online_booking(newGuest=True)["customerId"]
    sandbox.fault("/guests", status=503, count=1000)  # ROLLER down: retried, then dead
    retried = process(stored(connection, "booking_created", customerId=holder))
    dead = stored(connection, "booking_created", customerId=holder)
    WebhookEvent.objects.filter(pk=dead.pk).update(attempts=MAX_ATTEMPTS - 1)
    dead = process(dead)

    assert (retried.status, retried.next_attempt_at is not None) == (Status.FAILED, True)
    assert dead.status == Status.DEAD
    assert CHILD.split()[0] not in dump()


def test_a_minors_guest_event_that_failed_keeps_nothing_personal_and_replays_as_a_minor(connection, sandbox):
    sandbox.fault("/guests", status=503, count=1000)  # Updated asks ROLLER: it is down
    event = process(stored(connection, "customer_updated", customerId=64310294, firstName="Noah",
                           lastName="Jansen", dateOfBirth="2017-03-02"))  # fmt: skip

    assert event.status == Status.FAILED
    assert "Noah" not in dump() and "2017-03-02" not in dump()

    sandbox.clear_faults()
    webhook_events_replay(connection=connection, statuses=(Status.FAILED,))
    assert process(event).status == Status.PROCESSED
    assert not Contact.objects.exists()  # remembered as a minor: left out on replay too
    assert RecordOutcome.objects.filter(webhook_event=event, reason=Reason.MINOR).exists()


def test_an_adults_guest_event_that_failed_keeps_what_a_replay_needs(connection, sandbox):
    sandbox.fault("/guests", status=503, count=1000)
    event = process(stored(connection, "customer_updated", firstName="Eva", dateOfBirth="1985-05-01"))

    assert event.status == Status.FAILED
    assert json.loads(event.body)["data"]["firstName"] == "Eva"


# --- bodies that cannot be read: nothing can be redacted from them, so nothing of them is kept ---

BOOKING = fixture_text("booking_created").encode()


@pytest.mark.parametrize(
    "body",
    [
        BOOKING[: BOOKING.rindex(CHILD.encode()) + 20],  # cut off after the name: not JSON
        BOOKING.replace(b'"Noah Jansen"', b'"Noah\x00 Jansen"', 1),  # a raw NUL byte
        BOOKING.decode().encode("utf-16"),  # not UTF-8
        BOOKING.replace(b'"id"', b'"ID"', 1),  # JSON, not an envelope (no message id)
    ],
    ids=["cut-off", "nul-byte", "utf-16", "no-message-id"],
)
def test_an_unreadable_delivery_naming_a_child_keeps_its_size_and_hash_not_its_body(client, connection, body):
    assert CHILD.encode() in body.replace(b"\x00", b"") or CHILD.encode("utf-16-le") in body

    response = client.post(
        f"/webhooks/roller/{connection.public_id}/", data=body, content_type="application/json",
        HTTP_X_ROLLER_APIKEY=WEBHOOK_KEY,
    )  # fmt: skip

    assert response.status_code == 200
    event = WebhookEvent.objects.get(connection=connection)
    assert (event.status, event.reason) == (Status.FAILED, Reason.INVALID_PAYLOAD)
    assert (event.body, event.raw_body, event.body_redacted) == ("", None, True)
    assert event.last_error.endswith(unreadable_note(body))  # the reason first, then size and SHA-256
    assert f"{len(body)} bytes" in event.last_error
    assert "Noah" not in dump()


def test_a_booking_its_handler_cannot_read_keeps_no_childs_name_though_the_redaction_would_miss_it(connection):
    # Items as text, not rows: the intake reads the envelope, the handler cannot read the booking,
    # and the ticket redaction finds no tickets to clear.
    event = process(stored(connection, "booking_created", items=f"{CHILD}'s birthday party"))

    assert (event.status, event.reason) == (Status.FAILED, Reason.INVALID_PAYLOAD)
    assert (event.body, event.body_redacted) == ("", True)
    assert "items" in event.last_error and "SHA-256" in event.last_error
    assert "Noah" not in dump()
