"""A record whose rows go on from one export file into the next is counted once in the records
seen, whichever file is read first (integrations.services.export_files.batch_seen_settle)."""

import datetime as dt
import itertools

import pytest
from django.db import transaction
from django.utils import timezone

from integrations.models import ExportFile, SyncRun
from integrations.records import RecordBatch
from integrations.services.export_files import batch_seen_settle
from integrations.services.import_runs import export_create
from tests.factories import ConnectionFactory, SyncRunFactory
from tests.support import fake_connector

pytestmark = pytest.mark.django_db


@pytest.fixture
def run():
    fake_connector.register()
    now = timezone.now()
    return SyncRunFactory(
        connection=ConnectionFactory(connector_type=fake_connector.TYPE, status="active"),
        kind=SyncRun.Kind.FIRST_IMPORT, stream=SyncRun.Stream.ORDERS, phase=SyncRun.Phase.HISTORY,
        status=SyncRun.Status.RUNNING, window_start=now - dt.timedelta(days=40), window_end=now - dt.timedelta(days=7),
    )  # fmt: skip


def files_of(run, count: int) -> list[ExportFile]:
    sequence = export_create(run=run).sequences.first()
    return [
        ExportFile.objects.create(sequence=sequence, index=index, url="fake-export://1", url_display="fake-export://…")
        for index in range(1, count + 1)
    ]


def batch(seen: int, first: str, last: str) -> RecordBatch:
    return RecordBatch(records_seen=seen, first_source_id=first, last_source_id=last)


def seen_of(files: list[ExportFile]) -> list[int]:
    return [ExportFile.objects.get(pk=f.pk).records_seen for f in files]


def test_the_next_file_does_not_count_the_booking_the_previous_one_ended_with(run):
    one, two = files_of(run, 2)

    gained = [
        batch_seen_settle(run=run, file=one, batch=batch(3, "a", "b"), first=True),
        batch_seen_settle(run=run, file=two, batch=batch(2, "b", "c"), first=True),
    ]

    assert gained == [3, 1]
    assert seen_of([one, two]) == [3, 1]  # "b" counts in the file that holds its first row


def test_a_file_ending_with_the_booking_the_next_one_counted_takes_it_back(run):
    one, two = files_of(run, 2)

    gained = [
        batch_seen_settle(run=run, file=two, batch=batch(2, "b", "c"), first=True),
        batch_seen_settle(run=run, file=one, batch=batch(3, "a", "b"), first=True),
    ]

    assert sum(gained) == 4  # a, b, c, and b once
    assert seen_of([one, two]) == [3, 1]


def test_only_the_first_batch_of_a_file_can_continue_the_previous_file(run):
    one, two = files_of(run, 2)
    batch_seen_settle(run=run, file=one, batch=batch(3, "a", "b"), first=True)

    # A later batch of the second file starting with the same id is not a continuation.
    assert batch_seen_settle(run=run, file=two, batch=batch(2, "b", "c"), first=False) == 2


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_a_booking_in_three_files_counts_once_in_any_order(run, order):
    files = files_of(run, 3)
    batches = [batch(2, "a", "b"), batch(1, "b", "b"), batch(2, "b", "c")]

    gained = sum(batch_seen_settle(run=run, file=files[i], batch=batches[i], first=True) for i in order)

    assert gained == 3  # a, b, c
    assert sum(seen_of(files)) == 3
    assert min(seen_of(files)) >= 0


def test_records_that_cannot_straddle_count_as_read(run):
    one, two = files_of(run, 2)  # contacts and waivers: one row a record, no ids given

    gained = [batch_seen_settle(run=run, file=f, batch=RecordBatch(records_seen=5), first=True) for f in (one, two)]

    assert gained == [5, 5]


def test_a_batch_rolled_back_by_a_dying_worker_is_settled_again_once(run):
    one, two = files_of(run, 2)
    batch_seen_settle(run=run, file=one, batch=batch(3, "a", "b"), first=True)
    with pytest.raises(RuntimeError), transaction.atomic():
        batch_seen_settle(run=run, file=two, batch=batch(2, "b", "c"), first=True)
        raise RuntimeError("the worker died before the commit")

    # The file is read again from its cursor (row 0): the same first batch, settled again.
    assert batch_seen_settle(run=run, file=two, batch=batch(2, "b", "c"), first=True) == 1
    assert seen_of([one, two]) == [3, 1]
