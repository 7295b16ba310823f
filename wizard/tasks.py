"""The wizard's background work: thin tasks that take ids and call a service."""

from celery import shared_task
from celery.exceptions import MaxRetriesExceededError

from wizard.services import preview_execute, preview_give_up


@shared_task(bind=True, name="wizard.tasks.preview_run", soft_time_limit=4 * 60, time_limit=5 * 60, max_retries=3)
def preview_run(self, preview_id: int) -> str:
    """Routed to the imports queue (wizard.tasks.*): it reads the source for up to a few minutes."""
    run = preview_execute(preview_id=preview_id)
    if run.retry_in is not None:
        try:
            raise self.retry(countdown=run.retry_in)
        except MaxRetriesExceededError:
            preview_give_up(preview_id=preview_id)
            return "failed"
    return run.status
