"""What a Celery worker does around its tasks so that it heals after a database outage.

Celery's Django fix-up reuses a connection for CELERY_DB_REUSE_MAX tasks and never checks it:
after PostgreSQL restarted, a worker kept its dead connection and failed every task, sweeps
included, with "the connection is closed" until someone restarted it. Now a connection that
raised is dropped after its task (Django then opens a new one), and a webhook task that
failed because the database was gone is retried a moment later instead of waiting for the
sweeper. Connected in connector_site.celery_app.
"""

import contextlib
import logging
import random
from collections.abc import Iterator

from celery import Task
from celery.signals import task_postrun, task_prerun
from django.db import InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

# A retry a second or two after the database went away, then less often: a webhook stored
# while it was back is processed within this of its return, never later.
DATABASE_RETRY_MAX_SECONDS = 20.0


def connections_drop_broken(**_) -> int:
    """Closes every connection that raised and no longer answers; returns how many."""
    dropped = 0
    for connection in connections.all(initialized_only=True):
        # errors_occurred is set by Django for every error but a data or integrity one; only
        # then is the connection asked (one SELECT 1), so a healthy worker pays nothing.
        if connection.connection is None or not connection.errors_occurred:
            continue
        if connection.is_usable():
            connection.errors_occurred = False
            continue
        with contextlib.suppress(Exception):
            connection.close()
        # close() keeps the flag when closing failed; the connection object is gone either way.
        connection.connection = None
        connection.errors_occurred = False
        dropped += 1
    if dropped:
        logger.warning("dropped %s broken database connection(s); the next query opens a new one", dropped)
    return dropped


def database_retry_delay(retries: int) -> float:
    return min(2.0**retries, DATABASE_RETRY_MAX_SECONDS) * random.uniform(0.8, 1.0)


@contextlib.contextmanager
def retried_when_the_database_is_lost(task: Task) -> Iterator[None]:
    """Inside a bound task: a lost database is retried soon, with the same task id (so the
    retry may take over the claims this attempt held), on a new connection."""
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        connections_drop_broken()
        if task.request.is_eager or task.request.called_directly:
            raise
        logger.warning("task %s lost the database (%s); retrying", task.name, exc)
        # As often as the task's own limit allows (max_retries=None on the tasks that hold
        # claims: a retry call's max_retries=None would mean Celery's default of 3).
        raise task.retry(exc=exc, countdown=database_retry_delay(task.request.retries)) from exc


def connect() -> None:
    # weak=False: the receivers are module functions, but say so plainly.
    task_prerun.connect(connections_drop_broken, weak=False, dispatch_uid="connections_drop_broken_prerun")
    task_postrun.connect(connections_drop_broken, weak=False, dispatch_uid="connections_drop_broken_postrun")
