"""A connector that exists only in tests, to drive the core's machinery without ROLLER.

Its one handler reads a JSON body {"thing": "<id>", "fail": "<how>"} and records an
outcome for the thing. It is registered in the test process by the `fake_connector`
fixture and in a real worker by tests.support.worker_app.
"""

import json
import os
import signal
import time
from pathlib import Path

from integrations.errors import ConnectionBrokenError, RecordError, TransientError
from integrations.models import RecordOutcome, WebhookEvent
from integrations.outcomes import Entity, Outcome, Reason
from integrations.records import ContactData, RecordBatch
from integrations.registry import ConnectorSpec, ExportSpec, connector_register

TYPE = "fake"


def thing_created(event: WebhookEvent) -> None:
    body = json.loads(event.body)
    fail = body.get("fail")
    if fail == "transient":
        raise TransientError("the source is down", retry_after=body.get("retry_after"))
    if fail == "broken":
        raise ConnectionBrokenError("The source rejected our credentials: enter new ones.")
    if fail == "record":
        raise RecordError("the thing has no id", reason=Reason.INVALID_PAYLOAD)
    # Write first, then fail: proves the write is rolled back with the failure.
    RecordOutcome.objects.create(
        connection=event.connection, entity=Entity.CONTACT, source_id=body["thing"], outcome=Outcome.CREATED,
        webhook_event=event,
    )  # fmt: skip
    if fail == "crash":
        raise RuntimeError("a bug")
    stall = body.get("stall_once_marker")
    if stall and not Path(stall).exists():
        Path(stall).write_text("stalled")
        time.sleep(body.get("stall_seconds", 60))  # long enough to be killed in the middle
    marker = body.get("die_once_marker")
    if marker and not Path(marker).exists():
        Path(marker).write_text("died")
        # The worker process is killed in the middle of the task, before its commit.
        os.kill(os.getpid(), signal.SIGKILL)


def export_file_batches(connection, stream: str, url: str, skip: int):
    """A file `fake-export://<rows>?die_once=<marker>` of that many contacts, a thousand at a time;
    with a marker, the worker process is killed before the second batch, once."""
    rows, _, marker = url.removeprefix("fake-export://").partition("?die_once=")
    for start in range(skip, int(rows), 1000):
        if marker and start > skip and not Path(marker).exists():
            Path(marker).write_text("died")
            os.kill(os.getpid(), signal.SIGKILL)  # in the middle of the file, between two batches
        ids = range(start, min(start + 1000, int(rows)))
        yield (
            len(ids),
            RecordBatch(
                records_seen=len(ids), contacts=[ContactData(source_id=f"g{n}", email=f"g{n}@example.com") for n in ids]
            ),
        )


def register() -> None:
    connector_register(
        ConnectorSpec(
            type=TYPE,
            label="Fake",
            handlers={("Thing", "Created"): thing_created},
            exports=ExportSpec(request=lambda *args: None, file_batches=export_file_batches),
        )
    )
