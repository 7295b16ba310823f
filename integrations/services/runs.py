"""What happens to a sync run after a step: it goes on, retries after a wait, or fails where it
is. Shared by imports (integrations.services.import_windows) and product syncs
(integrations.services.products_sync)."""

import logging
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from integrations.models import SyncRun
from integrations.services.connection_status import connection_credentials_refused
from integrations.services.events import retry_delay

logger = logging.getLogger(__name__)
Status = SyncRun.Status

# Transient failures of one window (the source down, a deadlock) before the run is marked failed;
# with back-off up to an hour between attempts that is most of a day. import_resume goes on.
MAX_ATTEMPTS = 20


@dataclass(frozen=True)
class StepResult:
    status: str
    retry_in: float | None = None


def retry_or_fail(run: SyncRun, exc: Exception, attempt: int) -> StepResult:
    """A retry after the source's own wait (a rate limit's penalty) or a back-off, or, after
    MAX_ATTEMPTS, the run fails where it is."""
    if attempt + 1 >= MAX_ATTEMPTS:
        return run_fail(run, f"Gave up after {attempt + 1} attempts: {exc}")
    retry_after = getattr(exc, "retry_after", None)
    delay = retry_after if retry_after else retry_delay(attempt + 1)
    logger.warning("import run %s: window failed, retry in %.0f s: %s", run.pk, delay, exc)
    return StepResult("retry", retry_in=delay)


def run_fail(run: SyncRun, error: str, *, broken: bool = False) -> StepResult:
    """The run stops where it is (its cursor stays: import_resume goes on from there). A run of
    an import chain lets the chain go on (integrations.services.import_windows)."""
    if broken:
        # The source refused our credentials: re-checked by itself, resumed once it accepts them.
        connection_credentials_refused(connection=run.connection, reason=error)
    logger.error("sync run %s failed: %s", run.pk, error)
    SyncRun.objects.filter(pk=run.pk, status=Status.RUNNING).update(
        status=Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )
    return StepResult(Status.FAILED)


def run_counts_add(run: SyncRun, counts, *, seen: int = 0) -> None:
    """Adds a batch's counts to the run, inside the batch's transaction (the row is locked)."""
    locked = SyncRun.objects.select_for_update().only("counts", "records_seen").get(pk=run.pk)
    stored = locked.counts or {}
    for key, count in counts.items():
        stored[key] = stored.get(key, 0) + count
    SyncRun.objects.filter(pk=run.pk).update(counts=stored, records_seen=F("records_seen") + seen)
