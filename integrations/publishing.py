"""How a service hands work to the workers: it publishes a task by its registered name.

Tasks import services (a task is thin: ids in, a service call); a service never imports a
task module, which would close a loop. It names the task instead, as the beat schedule and
CELERY_TASK_ROUTES do, and the Celery app finds the task registered under that name
(IntegrationsConfig.ready imports the task modules, so every process knows them). The task
object is the one the tasks module defines, so routing, eager mode and a test's patched
`apply_async` all apply.
"""

from celery import current_app


def task_publish(name: str, *, args: list, **options) -> None:
    """Publishes the task registered as `name`; the broker's errors propagate to the caller."""
    current_app.tasks[name].apply_async(args=args, **options)
