"""One estimate, computed in one selector, shown the same on the summary, the activation's
result page and the connection page; an export still being generated says how long it waited."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import SourceExport, SyncRun
from integrations.selectors.progress import first_import_progress
from integrations.services.import_runs import export_create
from tests.factories import ConnectionFactory, SyncRunFactory, UserFactory

pytestmark = pytest.mark.django_db
Stream, Status, Phase, Kind = SyncRun.Stream, SyncRun.Status, SyncRun.Phase, SyncRun.Kind


@pytest.fixture
def connection():
    connection = ConnectionFactory(connector_type="roller", status="active", time_zone="Europe/Amsterdam")
    now = timezone.now()
    SyncRunFactory(connection=connection, kind=Kind.FIRST_IMPORT, stream=Stream.ORDERS, phase=Phase.TAIL,
                   status=Status.SUCCEEDED, windows_done=8, windows_total=8, records_seen=1204,
                   window_start=now - dt.timedelta(days=7), window_end=now, started_at=now)  # fmt: skip
    history = SyncRunFactory(connection=connection, kind=Kind.FIRST_IMPORT, stream=Stream.CONTACTS,
                             phase=Phase.HISTORY, status=Status.RUNNING, records_seen=48_000,
                             window_start=now - dt.timedelta(days=100), window_end=now - dt.timedelta(days=7),
                             started_at=now)  # fmt: skip
    export = export_create(run=history)
    SourceExport.objects.filter(pk=export.pk).update(
        status=SourceExport.Status.REQUESTED, requested_at=now - dt.timedelta(minutes=12)
    )
    return connection


def test_an_export_still_generating_says_so_with_how_long_it_waited(connection):
    lines = first_import_progress(connection=connection).lines

    assert lines[0].startswith("Contacts: history: contacts 48,000, ROLLER still generating (0 of ")
    assert "waiting 12 minutes" in lines[0]
    assert lines[1] == "Orders: 1,204 of the last 7 days done"
    assert not any(" days ·" in line for line in lines)


def test_the_three_pages_show_the_same_figures(client, connection):
    client.force_login(UserFactory(account=connection.account))
    progress = first_import_progress(connection=connection)
    pages = {
        name: client.get(reverse(url, args=[connection.public_id])).content.decode()
        for name, url in (
            ("summary", "wizard:step_summary"),
            ("done", "wizard:setup_done"),
            ("connection", "wizard:connection_detail"),
        )
    }
    for name, html in pages.items():
        assert f"{progress.records} record" in html, name
        for line in progress.lines:
            assert line in html, (name, line)
