"""Thin tasks, by id: the work is in integrations.delivery.services. They run on the
`exports` queue (CELERY_TASK_ROUTES), so a backfill never delays a webhook."""

from __future__ import annotations

import time

from celery import shared_task

from integrations.delivery.services.backfill import backfill_step as backfill_step_run
from integrations.delivery.services.backfill import backfills_stalled_continue
from integrations.delivery.services.delivery import outbox_deliver, outbox_sweep
from integrations.delivery.services.destinations import destinations_credentials_recheck
from integrations.delivery.services.retention import delivery_log_purge
from integrations.publishing import task_publish

BACKFILL_TASK_SECONDS = 10.0


@shared_task(name="integrations.delivery.tasks.deliver_outbox")
def deliver_outbox(destination_id: int, kind: str) -> int:
    return outbox_deliver(destination_id=destination_id, kind=kind)


@shared_task(name="integrations.delivery.tasks.backfill_step")
def backfill_step(backfill_id: int) -> None:
    started = time.monotonic()
    while backfill_step_run(backfill_id=backfill_id):
        if time.monotonic() - started > BACKFILL_TASK_SECONDS:
            task_publish("integrations.delivery.tasks.backfill_step", args=[backfill_id])
            return


@shared_task(name="integrations.delivery.tasks.sweep_outbox")
def sweep_outbox() -> int:
    backfills_stalled_continue()
    return outbox_sweep()


@shared_task(name="integrations.delivery.tasks.recheck_destination_credentials")
def recheck_destination_credentials() -> int:
    return destinations_credentials_recheck()


@shared_task(name="integrations.delivery.tasks.purge_delivery_log")
def purge_delivery_log() -> int:
    return delivery_log_purge()
