"""The heartbeat and the sweep of a delivery's claims never wait for a row another statement
holds (a batch being settled): two UPDATEs that lock the same rows in different orders
deadlock, and PostgreSQL kills one of them."""

import datetime as dt
import threading

import pytest
from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from integrations.delivery.models import Destination, OutboxItem
from integrations.delivery.services.claims import heartbeat
from integrations.delivery.services.delivery import outbox_sweep
from tests.factories import ConnectionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
Delivering = OutboxItem.State.DELIVERING


@pytest.fixture
def rows():
    connection = ConnectionFactory()
    destination = Destination.objects.create(
        account=connection.account, destination_type="activate", name="Spotler Activate", status="active"
    )
    long_ago = timezone.now() - dt.timedelta(hours=1)
    return [
        OutboxItem.objects.create(
            destination=destination,
            kind="profile",
            record_key=f"p{i}@example.com",
            state=Delivering,
            claimed_at=long_ago,
        )
        for i in range(3)
    ]


class RowHeld:
    """Another connection holds a lock on the row, as a settle in flight does, until it ends."""

    def __init__(self, row: OutboxItem) -> None:
        self.row, self.locked, self.done = row, threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        try:
            with transaction.atomic():
                OutboxItem.objects.select_for_update().filter(pk=self.row.pk).get()
                self.locked.set()
                self.done.wait(10)
        finally:
            db.close()

    def __enter__(self) -> "RowHeld":
        self.thread.start()
        assert self.locked.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()


def test_the_heartbeat_skips_a_row_being_settled_and_beats_the_others_without_waiting(rows):
    busy, *others = rows
    with heartbeat.held(row.pk for row in rows), RowHeld(busy):
        with db.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # a beat that waited would fail here
        assert heartbeat.beat() == 2

    refreshed = {row.pk for row in OutboxItem.objects.filter(claimed_at__gt=timezone.now() - dt.timedelta(minutes=1))}
    assert refreshed == {row.pk for row in others}


def test_the_sweep_skips_a_stale_row_being_settled_and_queues_the_others_again(rows):
    busy, *others = rows
    with RowHeld(busy):
        with db.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        outbox_sweep()

    states = dict(OutboxItem.objects.values_list("pk", "state"))
    assert states == {busy.pk: Delivering, **{row.pk: OutboxItem.State.QUEUED for row in others}}
