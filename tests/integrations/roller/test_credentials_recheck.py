"""ROLLER refuses the connection's key, then accepts it again: the connection heals by itself,
with the booking that failed meanwhile processed (issue 13), against the sandbox's switches for
a revoked key (a fault on /token) and for a venue without the API add-on (403)."""

import json
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache

from integrations.models import Connection, Order, WebhookEvent
from integrations.roller.errors import CredentialsRejected, NoApiAccess
from integrations.roller.services import roller_credentials_recheck
from integrations.services.credentials import connections_credentials_recheck
from integrations.services.events import webhook_event_process
from tests.factories import ProductFactory, RollerSettingsFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
EventStatus = WebhookEvent.Status


@pytest.fixture
def sandbox(roller_sandbox, settings):
    settings.ROLLER_PACING_ENABLED = False
    settings.ROLLER_HTTP_BACKOFF_SECONDS = 0.01
    cache.clear()
    yield roller_sandbox
    cache.clear()


@pytest.fixture
def connection(sandbox) -> Connection:
    roller = RollerSettingsFactory(
        custom_base_url=sandbox.url, client_id=sandbox.client_id, client_secret=sandbox.client_secret
    )
    for product_id in (123999221, 970411, 107400):  # the booking fixture's products
        ProductFactory(connection=roller.connection, external_id=str(product_id))
    return roller.connection


def booking_event(connection, sandbox) -> WebhookEvent:
    envelope = json.loads((FIXTURES / "booking_created.json").read_text())
    envelope["id"] = str(uuid.uuid4())
    envelope["data"]["customerId"] = sandbox.online_booking(newGuest=True)["customerId"]
    return WebhookEvent.objects.create(
        connection=connection,
        message_id=envelope["id"],
        object_type="Booking",
        event_type="Created",
        body=json.dumps(envelope),
    )


def revoke_key(sandbox) -> None:
    """ROLLER stops issuing tokens for the key, and the one it issued stops working."""
    sandbox.fault("/token", status=401, count=1000)
    sandbox.expire_tokens()


def token_requests(sandbox) -> int:
    return sandbox.stats()["tokenRequests"]


def calls(sandbox) -> int:
    return sum(sandbox.stats()["statuses"].values())


def test_a_revoked_key_is_checked_again_with_one_token_request_and_heals_once_accepted(
    connection, sandbox, django_capture_on_commit_callbacks, monkeypatch
):
    published = []
    monkeypatch.setattr(
        "integrations.tasks.process_webhook_events.apply_async", lambda args, **kwargs: published.extend(args[0])
    )
    revoke_key(sandbox)
    event = booking_event(connection, sandbox)
    assert webhook_event_process(event_id=event.pk, task_id="t").status == EventStatus.FAILED
    connection.refresh_from_db()
    assert connection.status == Connection.Status.NEEDS_ATTENTION
    assert connection.credentials_refused_at is not None

    tokens_before, calls_before = token_requests(sandbox), calls(sandbox)
    assert connections_credentials_recheck() == 0
    assert (token_requests(sandbox) - tokens_before, calls(sandbox) - calls_before) == (1, 1)

    sandbox.clear_faults()  # ROLLER accepts the key again
    with django_capture_on_commit_callbacks(execute=True):
        assert connections_credentials_recheck() == 1

    connection.refresh_from_db()
    assert connection.status == Connection.Status.ACTIVE
    assert published == [event.pk]
    assert webhook_event_process(event_id=event.pk, task_id="replay").status == EventStatus.PROCESSED
    assert Order.objects.filter(connection=connection).count() == 1


def test_a_venue_without_api_access_is_refused_until_the_add_on_is_back(sandbox):
    roller = RollerSettingsFactory(
        custom_base_url=sandbox.url, client_id=sandbox.noaccess_client_id, client_secret=sandbox.noaccess_client_secret
    )
    with pytest.raises(NoApiAccess):  # ROLLER issues tokens, and answers 403 to the API
        roller_credentials_recheck(roller.connection)

    # The venue's API add-on is switched back on: the same key is a key like any other.
    sandbox.configure(
        client_id=sandbox.noaccess_client_id, client_secret=sandbox.noaccess_client_secret, noaccess_client_id="-"
    )
    roller_credentials_recheck(roller.connection)  # accepted: returns


def test_a_stored_token_is_not_taken_for_an_accepted_key(connection, sandbox):
    roller_credentials_recheck(connection)  # a token is stored now
    sandbox.fault("/token", status=401, count=5)

    with pytest.raises(CredentialsRejected):
        roller_credentials_recheck(connection)
