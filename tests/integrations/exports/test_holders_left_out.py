"""Orders whose holder the same import read and left out are left out for the same reason,
without asking ROLLER for each holder again (a 10-year history has thousands of guests without
an email or phone, and fetching each took the whole REST rate limit)."""

import pytest
from django.core.cache import cache

from integrations.models import RecordOutcome, SyncRun
from integrations.outcomes import Entity, Outcome, Reason
from tests.integrations.exports.test_first_import_by_export import (
    activate,
    arrive,
    sequences_expected,
    wait_for_webhooks,
)

pytestmark = pytest.mark.django_db
Phase = SyncRun.Phase


def skipped(connection, entity: str, *, phase: str | None = None):
    outcomes = RecordOutcome.objects.filter(connection=connection, entity=entity, outcome=Outcome.SKIPPED)
    return outcomes.filter(sync_run__phase=phase) if phase else outcomes


def test_orders_of_holders_the_import_left_out_keep_their_holders_reason_and_ask_nothing(sandbox, worker, receiver):
    connection = activate(sandbox, worker, contacts_days=100, orders_days=100)
    worker.drain()  # the recent days
    cache.clear()  # no guest read a minute ago helps: the history is read hours after the tail
    guest_reads_before_history = sandbox.stats()["callsByPath"].get("rest /guests", 0)
    for body in wait_for_webhooks(receiver, sequences_expected(connection)):
        arrive(worker, connection, body)
    worker.drain()

    left_out = dict(
        skipped(connection, Entity.CONTACT)
        .filter(reason__in=[Reason.NO_EMAIL_OR_PHONE, Reason.NO_MATCHING_KEY])
        .values_list("source_id", "reason")
    )
    assert left_out, "the sandbox venue has guests without an email or phone"
    orders = skipped(connection, Entity.ORDER, phase=Phase.HISTORY).filter(
        reason__in=[Reason.NO_EMAIL_OR_PHONE, Reason.NO_MATCHING_KEY]
    )
    assert orders.exists(), "some of them hold bookings in the history"
    assert not skipped(connection, Entity.ORDER, phase=Phase.HISTORY).filter(reason=Reason.NO_CONTACT).exists()
    guest_reads = sandbox.stats()["callsByPath"].get("rest /guests", 0) - guest_reads_before_history
    # Every holder of the history's bookings is in the Customers file the import read first.
    assert guest_reads == 0
