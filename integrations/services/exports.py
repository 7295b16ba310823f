"""A stream's history by the source's export: requested once, tracked sequence by sequence,
falling back to windows where the source does not deliver.

- **Requested at the start** of the import (integrations.tasks_sync.request_exports), so the
  source generates while the recent tail is read by windows. A refusal (another integration
  used the source's slot, exports unavailable) reads the whole range by windows instead.
- **Only our own exports**: a sequence is taken only for an export of ours that is waiting for
  its type; anything else (another integration's export, one after the stream fell back) is
  stored and skipped with its reason (EventSkipped), never read.
- **Idempotent**: a sequence is a row, so a redelivered webhook changes nothing.
- **Fallbacks said in the progress**: no sequence at all within EXPORT_WAIT_SECONDS → the whole
  stream by windows; a sequence missing EXPORT_SEQUENCE_WAIT_SECONDS after the last one came,
  or an expired file → that month by windows (a run of its own, in the connection's chain).
- **Minors first**: files of contacts wait until every age check of the same batch is read,
  files of orders until the contacts are too (integrations.selectors.history).
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from integrations.errors import EventSkipped, ExportRefused, TransientError
from integrations.locality import connection_zone
from integrations.models import (
    Connection,
    ExportFile,
    ExportSequence,
    ExportSlot,
    SourceExport,
    SyncRun,
    WebhookEvent,
)
from integrations.outcomes import Reason
from integrations.publishing import task_publish
from integrations.registry import connector_get
from integrations.selectors.history import held_releasable, streams_may_go
from integrations.services.import_runs import imports_continue
from integrations.windows import local_midnight, windows_count

logger = logging.getLogger(__name__)
Stream, Status, Phase = SyncRun.Stream, SyncRun.Status, SyncRun.Phase
Export, Sequence, File = SourceExport.Status, ExportSequence.Status, ExportFile.Status


def export_wait() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "EXPORT_WAIT_SECONDS", 2 * 3600))


def export_sequence_wait() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "EXPORT_SEQUENCE_WAIT_SECONDS", 3600))


# --- creating and requesting ---------------------------------------------------------------


def exports_request(*, connection: Connection) -> int:
    """Asks the source for the connection's pending exports; returns how many it accepted. A
    refused one falls back to windows; one the source could not be asked stays pending (the
    sweep asks again)."""
    spec = connector_get(connection.connector_type)
    accepted = 0
    for export in SourceExport.objects.filter(connection=connection, status=Export.PENDING).order_by("pk"):
        if spec is None or spec.exports is None:
            export_fall_back(export=export, reason="This source has no exports.")
            continue
        try:
            spec.exports.request(connection, export.stream, export.start_date, export.end_date)
        except ExportRefused as exc:
            if exc.slot_used:  # another integration's request: not free before this
                export_slot_take(connection=connection, stream=export.stream, seconds=exc.retry_after)
            export_fall_back(export=export, reason=str(exc))
            continue
        except TransientError as exc:
            logger.warning("export %s could not be requested yet (%s); the sweep asks again", export.pk, exc)
            continue
        now = timezone.now()
        export_slot_take(connection=connection, stream=export.stream)
        SourceExport.objects.filter(pk=export.pk, status=Export.PENDING).update(
            status=Export.REQUESTED, requested_at=now
        )
        SyncRun.objects.filter(pk=export.sync_run_id, status=Status.QUEUED).update(
            status=Status.RUNNING, started_at=now
        )
        accepted += 1
    return accepted


def export_slot_take(*, connection: Connection, stream: str, seconds: float | None = None) -> None:
    """The source's slot for this stream is used from now: for `seconds` when the source said,
    else for its whole period (ExportSpec.slot_seconds)."""
    spec = connector_get(connection.connector_type)
    period = seconds or (spec.exports.slot_seconds if spec and spec.exports else 0)
    ExportSlot.objects.update_or_create(
        connection=connection, stream=stream, defaults={"free_at": timezone.now() + dt.timedelta(seconds=period)}
    )


# --- a sequence arrives --------------------------------------------------------------------


def export_sequence_arrive(
    *,
    event: WebhookEvent,
    stream: str,
    process_id: str,
    number: int,
    total: int,
    urls: list[str],
    url_display,
) -> ExportSequence:
    """One sequence announced by the source (inside the event's transaction): its files are
    stored to be read. Raises EventSkipped for one that is not ours or no longer awaited."""
    connection = event.connection
    exports = SourceExport.objects.select_for_update().filter(connection=connection, stream=stream)
    export = exports.filter(status=Export.REQUESTED).filter(Q(process_id="") | Q(process_id=process_id)).first()
    if export is None:
        done = exports.filter(status=Export.DONE, process_id=process_id).first()
        if done is not None:  # the source delivering a sequence again after it was read: nothing to do
            return done.sequences.get(number=number)
        fell_back = exports.filter(status=Export.FELL_BACK, process_id__in=["", process_id]).exists()
        if fell_back:
            raise EventSkipped(
                "This export arrived after its stream was read by windows instead.", reason=Reason.NOT_OUR_EXPORT
            )
        raise EventSkipped(
            f"No export of {stream} was awaited: another integration asked for it.", reason=Reason.NOT_OUR_EXPORT
        )
    expected = export.sequences.count()
    if total != expected or (export.requested_at and event.received_at and event.received_at < export.requested_at):
        raise EventSkipped(
            f"An export of {total} sequence(s) where ours has {expected}: another integration's.",
            reason=Reason.NOT_OUR_EXPORT,
        )
    if not export.process_id:
        SourceExport.objects.filter(pk=export.pk).update(process_id=process_id)
    sequence = ExportSequence.objects.select_for_update().get(export=export, number=number)
    if sequence.status != Sequence.EXPECTED:
        return sequence  # a redelivery, or after its month fell back: read once only
    sequence.status = Sequence.ARRIVED if urls else Sequence.DONE
    sequence.webhook_event, sequence.arrived_at = event, timezone.now()
    sequence.save(update_fields=["status", "webhook_event", "arrived_at"])
    ExportFile.objects.bulk_create(
        ExportFile(sequence=sequence, index=index, url=url, url_display=url_display(url)[:500])
        for index, url in enumerate(urls, start=1)
    )
    transaction.on_commit(lambda: export_progressed(export_id=export.pk))
    return sequence


# --- completion and the gates ----------------------------------------------------------------


def export_progressed(*, export_id: int) -> None:
    """After a sequence arrived, a file was read or a month fell back: the export finishes when
    every sequence is done or fell back, and the files whose turn it is are handed out."""
    export = SourceExport.objects.select_related("sync_run", "connection").get(pk=export_id)
    if (
        export.status == Export.REQUESTED
        and not export.sequences.exclude(status__in=[Sequence.DONE, Sequence.FELL_BACK]).exists()
    ):
        now = timezone.now()
        with transaction.atomic():
            if SourceExport.objects.filter(pk=export.pk, status=Export.REQUESTED).update(
                status=Export.DONE, finished_at=now
            ):
                SyncRun.objects.filter(pk=export.sync_run_id, status=Status.RUNNING).update(
                    status=Status.SUCCEEDED, finished_at=now
                )
    batch_progressed(connection=export.connection, batch=export.sync_run.batch)


def batch_progressed(*, connection: Connection, batch) -> None:
    """Releases the recent days' people held for the age checks, lets the chain start the
    windowed runs that were waiting for them, and hands out the files whose stream may go now.
    In that order: the queue is first come, first served, and the held people are the recent
    orders a marketer wants first, a moment's work; behind a hundred files they waited minutes."""
    held_release_publish(connection=connection)
    imports_continue(connection=connection)
    files_hand_out(files_ready(connection=connection, batch=batch))


def held_release_publish(*, connection: Connection) -> None:
    """Asks a worker to decide on the held records whose import has read its age checks (it
    reads nothing from the source; a task so a webhook's worker does not ingest thousands)."""
    if not held_releasable(connection=connection):
        return
    try:
        task_publish("integrations.tasks_sync.release_held", args=[connection.pk], retry=False)
    except Exception as exc:  # noqa: BLE001 - the broker may be down; exports_sweep publishes again
        logger.warning("could not publish the release of connection %s's held records (%s)", connection.pk, exc)


def files_ready(*, connection: Connection, batch) -> QuerySet[ExportFile]:
    """Files waiting to be read whose stream may go now."""
    streams = streams_may_go(connection=connection, batch=batch)
    return ExportFile.objects.filter(
        status=File.WAITING,
        sequence__export__connection=connection,
        sequence__export__sync_run__batch=batch,
        sequence__export__stream__in=streams,
    ).order_by("pk")


def files_hand_out(files: QuerySet[ExportFile], *, now: dt.datetime | None = None) -> int:
    """Publishes the task of each of these files not handed out already (or handed out so long
    ago that its message must be lost); returns how many. Every finished file asks for the
    files whose turn it is: without the mark each of them was published again every time, a
    task per waiting file per finished file, and the workers were busy with tasks that found
    their file taken (120 age-check files took two minutes instead of twenty seconds)."""
    now = now or timezone.now()
    not_out = Q(handed_out_at=None) | Q(handed_out_at__lt=now - file_hand_out_stale())
    handed = 0
    for file_id in files.filter(not_out).values_list("pk", flat=True):
        # Conditional: of two finished files asking at once, one hands it out.
        if ExportFile.objects.filter(not_out, pk=file_id).update(handed_out_at=now):
            export_file_publish(file_id=file_id)
            handed += 1
    return handed


def export_file_publish(*, file_id: int) -> None:
    try:
        task_publish("integrations.tasks_sync.import_export_file", args=[file_id], retry=False)
    except Exception as exc:  # noqa: BLE001 - the broker may be down; exports_sweep publishes again
        ExportFile.objects.filter(pk=file_id).update(handed_out_at=None)
        logger.warning("could not publish export file %s (%s); the sweeper will", file_id, exc)


def file_hand_out_stale() -> dt.timedelta:
    """A file handed out and still waiting this long later: its task is taken to be lost (a
    broker that lost its memory) and it is handed out again. Long, because a file's task may
    queue behind a hundred others of the same import."""
    return dt.timedelta(seconds=settings.EXPORT_FILE_HAND_OUT_STALE_SECONDS)


# --- fallbacks ---------------------------------------------------------------------------------


def export_fall_back(*, export: SourceExport, reason: str) -> None:
    """The whole stream by windows: its run becomes a windowed one, in the connection's chain."""
    run = export.sync_run
    tz = connection_zone(run.connection)
    with transaction.atomic():
        if not SourceExport.objects.filter(pk=export.pk, status__in=[Export.PENDING, Export.REQUESTED]).update(
            status=Export.FELL_BACK, fallback_reason=reason[:500], finished_at=timezone.now()
        ):
            return
        export.sequences.filter(status=Sequence.EXPECTED).update(status=Sequence.FELL_BACK, fallback_reason=reason)
        SyncRun.objects.filter(pk=run.pk).update(
            status=Status.QUEUED,
            cursor=run.window_start,
            windows_total=windows_count(run.window_start, run.window_end, tz),
        )
        logger.info("export %s of run %s fell back to windows: %s", export.pk, run.pk, reason)
    imports_continue(connection=run.connection)


def sequence_fall_back(*, sequence: ExportSequence, reason: str) -> SyncRun | None:
    """That month by windows: a run of its own, in the chain, of the same batch."""
    export = sequence.export
    run = export.sync_run
    tz = connection_zone(run.connection)
    start, end = local_midnight(sequence.month_start, tz), local_midnight(sequence.month_end, tz)
    with transaction.atomic():
        if not ExportSequence.objects.filter(pk=sequence.pk, status__in=[Sequence.EXPECTED, Sequence.ARRIVED]).update(
            status=Sequence.FELL_BACK, fallback_reason=reason[:500]
        ):
            return None
        ExportFile.objects.filter(sequence=sequence, status=File.WAITING).update(status=File.EXPIRED)
        month_run = SyncRun.objects.create(
            connection=run.connection,
            stream=run.stream,
            kind=run.kind,
            status=Status.QUEUED,
            phase=Phase.HISTORY,
            batch=run.batch,
            window_start=start,
            window_end=end,
            cursor=start,
            windows_total=windows_count(start, end, tz),
        )
    transaction.on_commit(lambda: export_progressed(export_id=export.pk))
    return month_run


def exports_sweep(*, now: dt.datetime | None = None) -> int:
    """The beat's round (with the import sweep): pending requests asked again, exports that
    never came and months that went missing fall back, files nobody reads handed out again.
    Returns how many things it did."""
    now = now or timezone.now()
    done = 0
    for connection in Connection.objects.filter(exports__status=Export.PENDING).distinct():
        done += exports_request(connection=connection)
    for export in SourceExport.objects.filter(status=Export.REQUESTED).select_related("sync_run", "connection"):
        arrived = export.sequences.exclude(arrived_at=None).order_by("-arrived_at").first()
        if arrived is None:
            if export.requested_at and now - export.requested_at > export_wait():
                minutes = round(export_wait().total_seconds() / 60)
                export_fall_back(export=export, reason=f"No export arrived within {minutes} minutes.")
                done += 1
            continue
        if now - arrived.arrived_at > export_sequence_wait():
            for sequence in export.sequences.filter(status=Sequence.EXPECTED):
                sequence_fall_back(sequence=sequence, reason="This month never arrived.")
                done += 1
    stale = now - file_claim_stale()
    for file in ExportFile.objects.filter(status=File.RUNNING).filter(Q(heartbeat_at__lt=stale) | Q(heartbeat_at=None)):
        export_file_publish(file_id=file.pk)
        done += 1
    for connection in Connection.objects.filter(held_records__isnull=False).distinct():
        if held_releasable(connection=connection):
            held_release_publish(connection=connection)
            done += 1
    batches = SyncRun.objects.filter(export__status=Export.REQUESTED).values_list("connection_id", "batch").distinct()
    for connection_id, batch in batches:
        connection = Connection.objects.get(pk=connection_id)
        done += files_hand_out(files_ready(connection=connection, batch=batch), now=now)
    return done


def file_claim_stale() -> dt.timedelta:
    """A file being read commits every batch; one without a heartbeat for this long has lost
    its reader (a killed worker) and is taken over."""
    return dt.timedelta(seconds=getattr(settings, "EXPORT_FILE_STALE_SECONDS", 120))
