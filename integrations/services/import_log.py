"""One log line per PROGRESS_EVERY windows of an import and one when a run ends: progress,
not a line per task (an import runs several windows a second)."""

import logging

from integrations.models import SyncRun

logger = logging.getLogger("integrations.imports")
PROGRESS_EVERY = 25


def import_step_log(*, sync_run_id: int, status: str) -> None:
    if status not in ("continued", SyncRun.Status.SUCCEEDED):
        return
    run = SyncRun.objects.filter(pk=sync_run_id).select_related("connection").first()
    if run is None:
        return
    finished = status == SyncRun.Status.SUCCEEDED
    if not finished and run.windows_done % PROGRESS_EVERY:
        return
    logger.info(
        "connection %s: %s %s, %s/%s windows%s",
        run.connection_id,
        run.get_kind_display().lower(),
        run.get_stream_display().lower(),
        run.windows_done,
        run.windows_total,
        f", done ({run.records_seen} records read)" if finished else "",
    )
