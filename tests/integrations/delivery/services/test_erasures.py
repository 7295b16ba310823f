"""A guest deleted at the source or found to be a minor leaves the outbox and the log, and an
erasure with their email stays open until a person marks it done."""

import pytest

from integrations.delivery.models import DeliveryAttempt, Erasure
from integrations.delivery.services.erasures import erasure_mark_done
from integrations.records import AgeEvidence
from tests.factories import ConnectionFactory
from tests.integrations.delivery.conftest import booking, deliver, items, person, store

pytestmark = pytest.mark.django_db


def test_a_guest_deleted_at_the_source_is_purged_and_an_erasure_opened(destination, connection, activate_sandbox):
    store(connection, contacts=[person()], orders=[booking()])
    deliver(destination)
    assert DeliveryAttempt.objects.count() == 2
    store(connection, removed=["g1"])
    assert items(destination) == []
    assert DeliveryAttempt.objects.count() == 0
    (erasure,) = Erasure.objects.all()
    assert (erasure.email, erasure.why, erasure.done_at) == ("g1@example.com", "deleted_at_source", None)
    erasure_mark_done(erasure, by="ops@example.com")
    assert (erasure.done_by, erasure.done_at is not None) == ("ops@example.com", True)


def test_a_guest_found_to_be_a_minor_is_purged_with_the_reason(destination, connection, activate_sandbox):
    store(connection, contacts=[person()])
    deliver(destination)
    store(connection, ages=[AgeEvidence(source_id="g1", for_minor=True)])
    assert items(destination) == []
    assert [e.why for e in Erasure.objects.all()] == ["minor"]


def test_a_guest_never_sent_needs_no_erasure(destination, connection):
    store(connection, contacts=[person()])
    store(connection, removed=["g1"])
    assert items(destination) == [] and Erasure.objects.count() == 0


def test_an_email_another_venue_still_holds_is_sent_again_not_erased(destination, connection, activate_sandbox):
    other = ConnectionFactory(account=connection.account)
    store(connection, contacts=[person()])
    store(other, contacts=[person("x1", email="g1@example.com")])
    deliver(destination)
    store(connection, removed=["g1"])
    assert Erasure.objects.count() == 0
    (row,) = items(destination)
    assert (row.record_key, row.state) == ("g1@example.com", "queued")
