"""The exports' admin pages: read-only, a file's presigned link only ever masked, a held
record's content never shown, and a stuck month read by windows on request."""

import datetime as dt

import pytest
from django.utils import timezone

from integrations.models import ExportFile, ExportSequence, HeldRecord, SourceExport, SyncRun
from integrations.records import ContactData
from integrations.services.held import records_hold
from integrations.services.import_runs import export_create
from tests.factories import ConnectionFactory, SyncRunFactory
from tests.integrations.test_admin import change, changelist, run_action

pytestmark = pytest.mark.django_db
SIGNED = "https://files.example/bulk-exports/1-abc-20260101-Customers.json?X-Amz-Signature=d3adb33fsecret"
Stream, Phase, Kind = SyncRun.Stream, SyncRun.Phase, SyncRun.Kind


@pytest.fixture
def export():
    connection = ConnectionFactory(connector_type="roller", status="active", time_zone="Europe/Amsterdam")
    now = timezone.now()
    run = SyncRunFactory(connection=connection, kind=Kind.FIRST_IMPORT, stream=Stream.CONTACTS, phase=Phase.HISTORY,
                         status=SyncRun.Status.RUNNING, window_start=now - dt.timedelta(days=100),
                         window_end=now - dt.timedelta(days=7))  # fmt: skip
    export = export_create(run=run)
    SourceExport.objects.filter(pk=export.pk).update(status=SourceExport.Status.REQUESTED, requested_at=now)
    sequence = export.sequences.first()
    ExportSequence.objects.filter(pk=sequence.pk).update(status=ExportSequence.Status.ARRIVED, arrived_at=now)
    ExportFile.objects.create(sequence=sequence, index=1, url=SIGNED, url_display=SIGNED.split("?")[0] + "?…")
    return export


def test_exports_months_and_files_are_shown_read_only_with_the_link_masked(admin_client, export):
    sequence = export.sequences.first()
    pages = [
        changelist(SourceExport), change(export), changelist(ExportSequence), change(sequence),
        changelist(ExportFile), change(sequence.files.get()),
    ]  # fmt: skip
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert "d3adb33fsecret" not in response.content.decode(), url
    assert "1-abc-20260101-Customers.json?…" in admin_client.get(changelist(ExportFile)).content.decode()
    assert admin_client.post(change(export), {}).status_code == 403
    assert admin_client.post(change(sequence.files.get()), {}).status_code == 403


def test_a_held_record_s_content_is_never_shown(admin_client, export):
    tail = SyncRunFactory(connection=export.connection, kind=Kind.FIRST_IMPORT, stream=Stream.CONTACTS,
                          phase=Phase.TAIL)  # fmt: skip
    records_hold(sync_run=tail, people=[ContactData(source_id="guest-held-4711", email="kid@example.com")], orders=[])
    held = HeldRecord.objects.get()

    for url in (changelist(HeldRecord), change(held)):
        html = admin_client.get(url).content.decode()
        assert "kid@example.com" not in html and "guest-held-4711" not in html


def test_a_stuck_month_is_read_by_windows_on_request(admin_client, export):
    sequence = export.sequences.first()
    done = export.sequences.exclude(pk=sequence.pk).first()
    ExportSequence.objects.filter(pk=done.pk).update(status=ExportSequence.Status.DONE)

    response = run_action(admin_client, ExportSequence, "read_by_windows", [sequence, done])

    assert "1 month(s) will be read by windows. 1 left as they were" in response.content.decode()
    sequence.refresh_from_db()
    assert sequence.status == ExportSequence.Status.FELL_BACK
    month_run = SyncRun.objects.get(connection=export.connection, phase=Phase.HISTORY, export__isnull=True)
    assert month_run.window_start.astimezone(dt.UTC).date() <= sequence.month_start
    assert sequence.files.get().status == ExportFile.Status.EXPIRED
