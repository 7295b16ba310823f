"""Celery tasks: thin. They take ids, call a service, and turn its answer into a retry."""

from celery import shared_task

from integrations.services.dispatch import webhook_events_sweep
from integrations.services.events import webhook_event_process
from integrations.worker import retried_when_the_database_is_lost


@shared_task(
    bind=True,
    name="integrations.tasks.process_webhook_event",
    # Retried while the service asks: it buries the event after its own last attempt.
    max_retries=None,
    soft_time_limit=60,
    time_limit=90,
)
def process_webhook_event(self, event_id: int) -> str:
    with retried_when_the_database_is_lost(self):
        result = webhook_event_process(event_id=event_id, task_id=self.request.id)
    if result.retry_in is not None:
        # Same task id on retry, so the retried message may claim the event again.
        raise self.retry(countdown=result.retry_in)
    return result.status


# A lost database is retried until it is back (integrations.worker): the events stay claimed.
@shared_task(
    bind=True, name="integrations.tasks.process_webhook_events", max_retries=None, soft_time_limit=120, time_limit=150
)
def process_webhook_events(self, event_ids: list[int]) -> list[str]:
    """A few events handed over together by the dispatcher; each is claimed on its own.

    A redelivery of this message (worker lost) carries the same task id, so it may finish
    the event it was in the middle of; the ones already done are no longer claimable.
    """
    statuses = []
    with retried_when_the_database_is_lost(self):
        for event_id in event_ids:
            result = webhook_event_process(event_id=event_id, task_id=self.request.id)
            if result.retry_in is not None:
                process_webhook_event.apply_async(args=[event_id], countdown=result.retry_in)
            statuses.append(result.status)
    return statuses


@shared_task(bind=True, name="integrations.tasks.sweep_webhook_events", soft_time_limit=60, time_limit=90)
def sweep_webhook_events(self) -> int:
    with retried_when_the_database_is_lost(self):
        return webhook_events_sweep()


# Celery's autodiscovery imports this module only; the other task modules register here.
from integrations import tasks_monitoring, tasks_sync  # noqa: E402, F401
