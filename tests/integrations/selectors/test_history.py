"""A history's contacts and orders wait for every age check of their batch (issue 14)."""

import uuid

import pytest

from integrations.models import SyncRun
from integrations.selectors.history import stream_may_go
from tests.factories import ConnectionFactory, SyncRunFactory

Stream, Status, Phase = SyncRun.Stream, SyncRun.Status, SyncRun.Phase

pytestmark = pytest.mark.django_db


def batch_of_runs(*, tail_ages: str, history_ages: str, tail_orders: str = Status.SUCCEEDED):
    connection, batch = ConnectionFactory(), uuid.uuid4()

    def run(stream: str, phase: str, status: str) -> SyncRun:
        return SyncRunFactory(connection=connection, batch=batch, stream=stream, phase=phase, status=status)

    run(Stream.AGES, Phase.TAIL, tail_ages)
    run(Stream.ORDERS, Phase.TAIL, tail_orders)
    run(Stream.AGES, Phase.HISTORY, history_ages)
    return run(Stream.CONTACTS, Phase.HISTORY, Status.QUEUED)


def test_history_contacts_go_once_every_age_check_of_the_batch_is_read():
    assert stream_may_go(batch_of_runs(tail_ages=Status.SUCCEEDED, history_ages=Status.SUCCEEDED))


def test_history_contacts_wait_while_the_historys_age_checks_are_read():
    assert not stream_may_go(batch_of_runs(tail_ages=Status.SUCCEEDED, history_ages=Status.RUNNING))


def test_history_contacts_wait_when_the_recent_days_age_checks_failed():
    # The newest waivers name the newest minors: the history read past their failure would store them.
    assert not stream_may_go(batch_of_runs(tail_ages=Status.FAILED, history_ages=Status.SUCCEEDED))


def test_history_files_wait_until_the_recent_days_are_read():
    # The last week's orders first: files read beside them took the workers and the source's
    # rate limit from them.
    assert not stream_may_go(
        batch_of_runs(tail_ages=Status.SUCCEEDED, history_ages=Status.SUCCEEDED, tail_orders=Status.RUNNING)
    )


def test_the_history_s_age_checks_wait_for_the_recent_days_too():
    connection, batch = ConnectionFactory(), uuid.uuid4()
    SyncRunFactory(connection=connection, batch=batch, stream=Stream.CONTACTS, phase=Phase.TAIL, status=Status.QUEUED)
    ages = SyncRunFactory(
        connection=connection, batch=batch, stream=Stream.AGES, phase=Phase.HISTORY, status=Status.RUNNING
    )

    assert not stream_may_go(ages)
