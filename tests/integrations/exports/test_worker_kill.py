"""A real Celery worker killed in the middle of an export file: the file goes on from its row
cursor and the store's counts equal the file's. PostgreSQL only: the worker is another process
and must see the test database."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection as db
from django.utils import timezone

from connector_site.celery_app import app
from integrations.models import Contact, ExportFile, ExportSequence, SyncRun
from integrations.services.exports import export_file_publish
from integrations.services.import_runs import export_create
from tests.factories import ConnectionFactory, SyncRunFactory
from tests.integrations.test_worker import redis_broker, stop_worker
from tests.support import fake_connector

REPO_ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
ROWS = 3500


def start_imports_worker(log: Path) -> subprocess.Popen:
    database = db.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "connector_site.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_BROKER_URL": redis_broker(),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.support.worker_app", "worker", "-Q", "imports",
         "--concurrency", "1", "--pool", "prefork", "--loglevel", "INFO", "--without-mingle", "--without-gossip"],
        cwd=REPO_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the worker did not start:\n" + log.read_text()
        time.sleep(0.2)
    return process


def test_a_worker_killed_mid_file_resumes_from_its_cursor_and_the_store_counts_equal_the_files(tmp_path):
    redis_broker()
    app.control.purge()
    fake_connector.register()
    connection = ConnectionFactory(connector_type=fake_connector.TYPE, status="active")
    now = timezone.now()
    run = SyncRunFactory(connection=connection, kind=SyncRun.Kind.FIRST_IMPORT, stream=SyncRun.Stream.AGES,
                         phase=SyncRun.Phase.HISTORY, status=SyncRun.Status.RUNNING,
                         window_start=now - dt.timedelta(days=40), window_end=now - dt.timedelta(days=7))  # fmt: skip
    export = export_create(run=run)
    sequence = export.sequences.first()
    ExportSequence.objects.filter(pk=sequence.pk).update(status=ExportSequence.Status.ARRIVED)
    marker = tmp_path / "died"
    file = ExportFile.objects.create(
        sequence=sequence, index=1, url=f"fake-export://{ROWS}?die_once={marker}", url_display="fake-export://…"
    )
    log = tmp_path / "worker.log"
    process = start_imports_worker(log)
    try:
        export_file_publish(file_id=file.pk)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            file.refresh_from_db()
            if file.status == ExportFile.Status.DONE:
                break
            time.sleep(0.3)
        else:
            pytest.fail(f"file still {file.status} at row {file.rows_done}; worker log:\n{log.read_text()}")
    finally:
        stop_worker(process)

    assert marker.exists(), "the worker process was never killed"
    assert file.rows_done == ROWS
    assert Contact.objects.filter(connection=connection).count() == ROWS
    run.refresh_from_db()
    assert run.records_seen == ROWS
    assert sum(v for k, v in run.counts.items() if k.startswith("contact.")) == ROWS
