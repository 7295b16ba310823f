"""Connecting a destination sends what the store holds: products, then profiles, then
purchases, resumable after a crash, with progress in records."""

import pytest

from integrations.delivery.models import Backfill, Destination, OutboxItem
from integrations.delivery.services import backfill as backfill_service
from integrations.delivery.services.backfill import backfill_step
from integrations.delivery.services.destinations import destination_activate, destination_settings_changed
from integrations.delivery.services.outbox import outbox_queue
from tests.integrations.delivery.conftest import booking, deliver, items, person, store

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(destination, connection):
    Destination.objects.filter(pk=destination.pk).update(status=Destination.Status.DRAFT)
    store(
        connection, contacts=[person(f"g{n}") for n in range(5)], orders=[booking(f"b{n}", f"g{n}") for n in range(5)]
    )
    destination.refresh_from_db()
    return destination


def run_all(destination):
    """What the workers do: each open backfill in order, step after step."""
    while backfill := Backfill.objects.filter(destination=destination, state__in=["queued", "running"]).first():
        while backfill_step(backfill_id=backfill.pk, batch=2):
            pass


def test_activation_queues_products_then_profiles_then_purchases(draft, activate_sandbox):
    backfills = destination_activate(draft)
    assert [(b.kind, b.total) for b in backfills] == [("product", 1), ("profile", 5), ("purchase", 5)]
    assert items(draft) == []
    run_all(draft)
    assert [b.state for b in Backfill.objects.order_by("pk")] == ["done"] * 3
    assert [(b.queued, b.total) for b in Backfill.objects.order_by("pk")] == [(1, 1), (5, 5), (5, 5)]
    deliver(draft)
    state = activate_sandbox.state()
    assert (len(state["products"]), len(state["profiles"]), len(state["purchases"])) == (1, 5, 5)


def test_a_backfill_crashed_half_way_resumes_where_its_cursor_is(draft, monkeypatch):
    (_products, profiles, _purchases) = destination_activate(draft)
    assert backfill_step(backfill_id=profiles.pk, batch=2) is True
    calls = []

    def crash(**kwargs):
        calls.append(kwargs)
        outbox_queue(**kwargs)  # the rows are written, then the worker dies before the commit
        raise SystemExit("worker killed")

    monkeypatch.setattr(backfill_service, "outbox_queue", crash)
    with pytest.raises(SystemExit):
        backfill_step(backfill_id=profiles.pk, batch=2)
    monkeypatch.undo()
    profiles.refresh_from_db()
    assert (profiles.cursor > 0, profiles.queued, profiles.state) == (True, 2, "running")
    assert len(items(draft, "profile")) == 2  # the crashed batch left nothing
    while backfill_step(backfill_id=profiles.pk, batch=2):
        pass
    profiles.refresh_from_db()
    assert (profiles.queued, profiles.total, profiles.state) == (5, 5, "done")
    rows = items(draft, "profile")
    assert len(rows) == 5 and {row.version for row in rows} == {1}  # each queued once


def test_turning_a_kind_on_backfills_it_and_off_stops_its_pending_rows(destination, connection):
    store(connection, contacts=[person()], orders=[booking()])
    Destination.objects.filter(pk=destination.pk).update(send_purchases=False)
    destination.refresh_from_db()
    destination_settings_changed(destination, before={"send_purchases": True})
    (purchase,) = items(destination, "purchase")
    assert (purchase.state, purchase.reason) == (
        "filtered",
        "Turned off on the destination: not sent (the destination keeps what it has)",
    )
    Destination.objects.filter(pk=destination.pk).update(send_purchases=True)
    destination.refresh_from_db()
    (backfill,) = destination_settings_changed(destination, before={"send_purchases": False})
    assert (backfill.kind, backfill.why) == ("purchase", "Settings changed")


def test_a_new_language_sends_products_profiles_and_purchases_again(destination, connection):
    Destination.objects.filter(pk=destination.pk).update(language="en_GB")
    destination.refresh_from_db()
    backfills = destination_settings_changed(destination, before={"language": "nl_NL"})
    assert [b.kind for b in backfills] == ["product", "profile", "purchase"]


def test_a_delivered_record_backfilled_again_is_queued_again(destination, connection, activate_sandbox):
    store(connection, contacts=[person()])
    deliver(destination)
    destination_settings_changed(destination, before={"language": "de_DE"})
    run_all(destination)
    (row,) = items(destination, "profile")
    assert (row.state, row.version) == (OutboxItem.State.QUEUED, 2)
