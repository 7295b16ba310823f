"""What people do to a destination, and the sweep that finds what a worker lost."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from integrations.delivery.models import Backfill, OutboxItem
from integrations.delivery.registry import destination_spec, destination_specs
from integrations.delivery.services.delivery import outbox_sweep
from integrations.delivery.services.destinations import connection_exclusion_set, destination_credentials_confirmed
from tests.integrations.delivery.conftest import booking, items, person, store

pytestmark = pytest.mark.django_db


def test_activate_registers_its_spec():
    spec = destination_spec("activate")
    assert spec in destination_specs()
    assert (spec.label, spec.batch_size("products"), spec.batch_size("events")) == ("Spotler Activate", 150, 100)


def test_the_delivery_tasks_run_on_their_own_queue():
    assert settings.CELERY_TASK_ROUTES["integrations.delivery.tasks.*"] == {"queue": "exports"}


def test_a_connection_left_out_stops_its_pending_rows_and_taken_back_in_is_backfilled(destination, connection):
    store(connection, contacts=[person()], orders=[booking()])
    connection_exclusion_set(destination, connection, excluded=True)
    assert {(row.state, row.reason) for row in items(destination)} == {
        ("filtered", "The connection is left out of this destination")
    }
    store(connection, contacts=[person("g2")])
    assert len(items(destination)) == 2  # nothing new queued
    connection_exclusion_set(destination, connection, excluded=False)
    assert sorted(Backfill.objects.values_list("kind", flat=True)) == ["product", "profile", "purchase"]


def test_confirmed_credentials_heal_only_a_destination_paused_for_them(destination):
    assert destination_credentials_confirmed(destination) is False
    destination.status, destination.status_reason = "needs_attention", "refused"
    destination.save()
    assert destination_credentials_confirmed(destination) is True
    assert destination.status == "active"


def test_the_sweep_takes_back_rows_a_dead_worker_held(destination, connection):
    store(connection, contacts=[person()])
    OutboxItem.objects.update(state="delivering", claimed_at=timezone.now() - dt.timedelta(minutes=5))
    assert outbox_sweep() == 1
    assert items(destination)[0].state == "queued"


def test_the_sweep_leaves_a_live_workers_rows(destination, connection):
    store(connection, contacts=[person()])
    OutboxItem.objects.update(state="delivering", claimed_at=timezone.now())
    outbox_sweep()
    assert items(destination)[0].state == "delivering"
