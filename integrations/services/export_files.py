"""One export file read through the one ingest path, a batch at a time, resumable.

The connector streams the file from its URL (ExportSpec.file_batches) and hands over about a
thousand rows at a time as plain records; each batch is ingested and the file's row cursor
moved in one transaction. So a worker killed in the middle of a file leaves the batches before
committed and the one it was in rolled back: the next reader streams the file again from its
URL past `rows_done` rows. No gap, no double count, and no file on a worker's disk between
tasks. A record whose rows go on from one file into the next is counted once in the records
seen (batch_seen_settle).

A file is claimed by its task (a conditional update): the same task redelivered after its
worker died takes it back at once; another takes it only after its heartbeat went stale.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from integrations.errors import ConnectionBrokenError, ExportFileGone, TransientError
from integrations.models import DISPATCHABLE_STATUSES, ExportFile, ExportSequence, SyncRun
from integrations.records import RecordBatch
from integrations.registry import connector_get
from integrations.selectors.history import stream_may_go
from integrations.services.connection_status import connection_credentials_refused
from integrations.services.exports import export_progressed, file_claim_stale, sequence_fall_back
from integrations.services.import_windows import holders_left_out, holders_read, window_ingest
from integrations.services.runs import run_counts_add

logger = logging.getLogger(__name__)
File = ExportFile.Status


@dataclass(frozen=True)
class FileResult:
    status: str
    retry_in: float | None = None


class _ClaimLost(Exception):
    """Another task took the file over: this one's batch rolls back."""


def export_file_process(*, file_id: int, task_id: str) -> FileResult:
    """Reads the file from its cursor to its end; returns what happened."""
    file = ExportFile.objects.select_related("sequence__export__sync_run__connection").filter(pk=file_id).first()
    if file is None or file.status not in (File.WAITING, File.RUNNING):
        return FileResult("not_waiting")
    export = file.sequence.export
    run, connection = export.sync_run, export.connection
    if connection.status not in DISPATCHABLE_STATUSES:
        _hand_back(file)
        return FileResult("deferred")  # paused or refused: the sweep hands it out again later
    if not stream_may_go(run):
        _hand_back(file)
        return FileResult("waiting")  # handed out again when the age checks are read
    if not _claim(file, task_id):
        return FileResult("not_claimed")
    spec = connector_get(connection.connector_type)
    first = file.rows_done == 0  # the next batch holds the file's first row
    try:
        for rows, batch in spec.exports.file_batches(connection, export.stream, file.url, file.rows_done):
            batch.people_left_out = holders_left_out(sync_run=run, records=batch)
            batch.people = holders_read(spec, connection, batch)
            with transaction.atomic():
                if not ExportFile.objects.filter(pk=file.pk, claimed_by=task_id, status=File.RUNNING).update(
                    rows_done=F("rows_done") + rows, heartbeat_at=timezone.now()
                ):
                    raise _ClaimLost
                counts = window_ingest(sync_run=run, records=batch)
                run_counts_add(run, counts, seen=batch_seen_settle(run=run, file=file, batch=batch, first=first))
            first = False
    except _ClaimLost:
        return FileResult("not_claimed")
    except ExportFileGone as exc:
        ExportFile.objects.filter(pk=file.pk).update(status=File.EXPIRED, error=str(exc)[:500], claimed_by="")
        sequence_fall_back(sequence=file.sequence, reason=str(exc))
        return FileResult(File.EXPIRED)
    except ConnectionBrokenError as exc:
        # Re-checked by itself (integrations.services.credentials); the sweep hands the file out
        # again once the connection is active, and it goes on from its cursor.
        _release(file, task_id, str(exc))
        connection_credentials_refused(connection=connection, reason=str(exc))
        return FileResult("deferred")
    except TransientError as exc:
        _release(file, task_id, str(exc))
        return FileResult("retry", retry_in=exc.retry_after or 30.0)
    with transaction.atomic():
        finished = ExportFile.objects.filter(pk=file.pk, claimed_by=task_id, status=File.RUNNING).update(
            status=File.DONE, finished_at=timezone.now(), error=""
        )
        if finished and not ExportFile.objects.filter(sequence=file.sequence).exclude(status=File.DONE).exists():
            ExportSequence.objects.filter(pk=file.sequence_id, status=ExportSequence.Status.ARRIVED).update(
                status=ExportSequence.Status.DONE
            )
    export_progressed(export_id=export.pk)
    return FileResult(File.DONE if finished else "not_claimed")


def batch_seen_settle(*, run: SyncRun, file: ExportFile, batch: RecordBatch, first: bool) -> int:
    """Adds the batch's records to its file's records seen; returns what the run's count gains.

    A source cutting its files by row count can end one file and begin the next in the middle
    of one record (a booking's items): each file's batch counted it, and the run's records seen
    (its progress) counted it twice. It counts in the file that holds its first row. Files of
    one sequence are read side by side, in any order, so whichever file reads its side of the
    cut second settles it, under the run's row lock (which run_counts_add takes anyway): a
    file's first batch does not count the record the previous file ended with; a batch ending
    with the record the next file began with, and counted, takes it back from that file. Each
    file keeps only its first and last record (hashed), moved in the batch's transaction, so a
    batch a dead worker rolled back is read and settled again from the file's cursor."""
    seen, taken_back = batch.records_seen, 0
    first_hash = _record_hash(file, batch.first_source_id) if first else ""
    last_hash = _record_hash(file, batch.last_source_id)
    if first_hash or last_hash:
        SyncRun.objects.select_for_update().filter(pk=run.pk).values_list("pk").get()
        neighbours = ExportFile.objects.filter(sequence_id=file.sequence_id)
        if first_hash and neighbours.filter(index=file.index - 1, last_record_hash=first_hash).exists():
            seen -= 1
        if last_hash:
            taken_back = neighbours.filter(index=file.index + 1, first_record_hash=last_hash).update(
                records_seen=F("records_seen") - 1
            )
    ExportFile.objects.filter(pk=file.pk).update(
        records_seen=F("records_seen") + seen,
        **({"first_record_hash": first_hash} if first_hash else {}),
        **({"last_record_hash": last_hash} if last_hash else {}),
    )
    return seen - taken_back


def _record_hash(file: ExportFile, source_id: str) -> str:
    if not source_id:
        return ""
    return salted_hmac(
        "integrations.export_files.record", f"{file.sequence_id}:{source_id}", algorithm="sha256"
    ).hexdigest()


def _claim(file: ExportFile, task_id: str) -> bool:
    """Waiting, or this very task redelivered (its worker died), or a reader gone quiet."""
    now = timezone.now()
    stale = now - file_claim_stale()
    claimable = Q(status=File.WAITING) | Q(status=File.RUNNING) & (
        Q(claimed_by=task_id) | Q(claimed_by="") | Q(heartbeat_at__lt=stale) | Q(heartbeat_at=None)
    )
    return bool(
        ExportFile.objects.filter(claimable, pk=file.pk).update(
            status=File.RUNNING, claimed_by=task_id, heartbeat_at=now
        )
    )


def _hand_back(file: ExportFile) -> None:
    """Not its turn after all: the next hand-out (integrations.services.exports.files_hand_out)
    takes it again."""
    ExportFile.objects.filter(pk=file.pk, status=File.WAITING).update(handed_out_at=None)


def _release(file: ExportFile, task_id: str, error: str) -> None:
    ExportFile.objects.filter(pk=file.pk, claimed_by=task_id).update(
        claimed_by="", heartbeat_at=None, error=error[:500]
    )
