"""Celery tasks of product syncs, imports and reconciliation (imported by integrations.tasks).

Thin, on the imports queue (CELERY_TASK_ROUTES): ids in, a service call, its answer turned
into a retry. A rate-limited step is retried after the source's own wait, never slept in place.
"""

from celery import shared_task

from integrations.errors import TransientError
from integrations.models import Connection
from integrations.services.import_runs import imports_sweep
from integrations.services.import_windows import import_window_process
from integrations.services.products_sync import products_sync_dispatch_due, products_sync_run
from integrations.services.reconciliation import reconciliation_dispatch_due, webhook_check


@shared_task(name="integrations.tasks_sync.sync_products_due", soft_time_limit=60, time_limit=90)
def sync_products_due() -> int:
    return products_sync_dispatch_due()


@shared_task(bind=True, name="integrations.tasks_sync.sync_products")
def sync_products(self, sync_run_id: int) -> str:
    result = products_sync_run(sync_run_id=sync_run_id, attempt=self.request.retries)
    if result.retry_in is not None:
        raise self.retry(countdown=result.retry_in, max_retries=None)
    return result.status


@shared_task(bind=True, name="integrations.tasks_sync.import_window")
def import_window(self, sync_run_id: int) -> str:
    """One window of one run; the service queues the next one when this one committed."""
    result = import_window_process(sync_run_id=sync_run_id, attempt=self.request.retries)
    if result.retry_in is not None:
        raise self.retry(countdown=result.retry_in, max_retries=None)
    return result.status


@shared_task(name="integrations.tasks_sync.sweep_imports", soft_time_limit=60, time_limit=90)
def sweep_imports() -> int:
    return imports_sweep()


@shared_task(name="integrations.tasks_sync.reconcile_due", soft_time_limit=60, time_limit=90)
def reconcile_due() -> int:
    return reconciliation_dispatch_due()


@shared_task(bind=True, name="integrations.tasks_sync.check_webhook", soft_time_limit=60, time_limit=90)
def check_webhook(self, connection_id: int) -> str:
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None:
        return "gone"
    try:
        problem = webhook_check(connection=connection)
    except TransientError as exc:
        raise self.retry(countdown=exc.retry_after or 300, max_retries=5) from exc
    return "needs_attention" if problem else "ok"
