"""Celery tasks of product syncs, imports and reconciliation (imported by integrations.tasks).

Thin, on the imports queue (CELERY_TASK_ROUTES): ids in, a service call, its answer turned
into a retry. A rate-limited step is retried after the source's own wait, never slept in place.
"""

import datetime as dt
import logging

from celery import shared_task
from celery.signals import worker_ready, worker_shutting_down
from django.utils import timezone

from integrations.errors import TransientError
from integrations.models import Connection
from integrations.services.export_files import export_file_process
from integrations.services.exports import exports_request, exports_sweep
from integrations.services.heartbeat import heartbeat, run_heartbeat_beat, runs_mark_interrupted
from integrations.services.held_release import held_release
from integrations.services.import_log import import_step_log
from integrations.services.import_runs import imports_sweep
from integrations.services.import_windows import import_window_process
from integrations.services.products_sync import products_sync_dispatch_due, products_sync_run
from integrations.services.reconciliation import reconciliation_dispatch_due, webhook_heal, webhooks_check_dispatch

logger = logging.getLogger(__name__)


@shared_task(name="integrations.tasks_sync.sync_products_due", soft_time_limit=60, time_limit=90)
def sync_products_due() -> int:
    return products_sync_dispatch_due()


@shared_task(bind=True, name="integrations.tasks_sync.sync_products", max_retries=None)
def sync_products(self, sync_run_id: int) -> str:
    result = products_sync_run(sync_run_id=sync_run_id, attempt=self.request.retries)
    if result.retry_in is not None:
        raise self.retry(countdown=result.retry_in)
    return result.status


@shared_task(bind=True, name="integrations.tasks_sync.import_window", max_retries=None)
def import_window(self, sync_run_id: int) -> str:
    """One window of one run; the service queues the next one when this one committed."""
    if worker_stopping():
        # A window taken during the worker's shutdown is not started: the run is marked
        # interrupted and the next start's sweep goes on from its cursor.
        runs_mark_interrupted(sync_run_ids=[sync_run_id])
        return "interrupted"
    with heartbeat(sync_run_id=sync_run_id):
        result = import_window_process(sync_run_id=sync_run_id, attempt=self.request.retries)
    if result.retry_in is not None:
        # Alive until the retry is due, so the sweeper does not take it for interrupted.
        run_heartbeat_beat(sync_run_id=sync_run_id, at=timezone.now() + dt.timedelta(seconds=result.retry_in))
        raise self.retry(countdown=result.retry_in)
    import_step_log(sync_run_id=sync_run_id, status=result.status)
    return result.status


@shared_task(name="integrations.tasks_sync.sweep_imports", soft_time_limit=60, time_limit=90)
def sweep_imports() -> int:
    return imports_sweep()


@shared_task(name="integrations.tasks_sync.reconcile_due", soft_time_limit=60, time_limit=90)
def reconcile_due() -> int:
    return reconciliation_dispatch_due()


@shared_task(name="integrations.tasks_sync.check_webhooks_due", soft_time_limit=60, time_limit=90)
def check_webhooks_due() -> int:
    return webhooks_check_dispatch()


@shared_task(bind=True, name="integrations.tasks_sync.check_webhook", soft_time_limit=60, time_limit=90)
def check_webhook(self, connection_id: int) -> str:
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None:
        return "gone"
    try:
        problem = webhook_heal(connection=connection)
    except TransientError as exc:
        raise self.retry(countdown=exc.retry_after or 300, max_retries=5) from exc
    if problem is None:
        return "ok"
    attention = Connection.objects.filter(pk=connection_id, status=Connection.Status.NEEDS_ATTENTION).exists()
    return "needs_attention" if attention else "healed"


# --- the worker's start and stop (signals of its main process) ---------------------------------


@worker_ready.connect
def _resume_interrupted_imports(**_) -> None:
    """An import a stopped worker left resumes within seconds of the next start, not at the
    next scheduled sweep."""
    sweep_imports.apply_async(retry=False)


@worker_shutting_down.connect
def _mark_own_imports_interrupted(**_) -> None:
    """The runs this worker is stopping in the middle of: their heartbeat is cleared, so the
    next start's sweep resumes them at once (their tasks are not acknowledged either)."""
    from celery.worker.state import active_requests

    ids = [request.args[0] for request in list(active_requests) if request.task_name == import_window.name]
    try:
        runs_mark_interrupted(sync_run_ids=ids)
    except Exception:
        logger.warning("could not mark runs %s interrupted", ids, exc_info=True)


def worker_stopping() -> bool:
    """True in a worker that is shutting down (seen by tasks running in its own process: the
    thread pool `make run` uses; a prefork child never sees it)."""
    from celery.worker import state

    # Celery's own test: the flags hold an exit code, and 0 (EX_OK) means "stop" too.
    return any(flag is not None and flag is not False for flag in (state.should_stop, state.should_terminate))


# --- the history by the source's exports (integrations.services.exports) -----------------------


@shared_task(name="integrations.tasks_sync.request_exports", soft_time_limit=60, time_limit=90)
def request_exports(connection_id: int) -> int:
    return exports_request(connection=Connection.objects.get(pk=connection_id))


@shared_task(bind=True, name="integrations.tasks_sync.import_export_file", max_retries=None)
def import_export_file(self, file_id: int) -> str:
    """One export file, from its row cursor to its end; a retry goes on from the cursor."""
    result = export_file_process(file_id=file_id, task_id=self.request.id or f"local-{file_id}")
    if result.retry_in is not None:
        raise self.retry(countdown=result.retry_in)
    return result.status


@shared_task(name="integrations.tasks_sync.sweep_exports", soft_time_limit=60, time_limit=90)
def sweep_exports() -> int:
    return exports_sweep()


@shared_task(name="integrations.tasks_sync.release_held", soft_time_limit=300, time_limit=360)
def release_held(connection_id: int) -> int:
    """The recent days' people held for the age check, decided once their import read them."""
    return held_release(connection=Connection.objects.get(pk=connection_id))
