"""Product syncs: on a schedule, on demand, and as a step of the first import.

The source's product list is read whole (it has no "changed since"), compared with the store,
and what differs goes through the one ingest path webhooks use too (integrations.services.ingest). A product
gone from the list turns inactive, never deleted (order lines point at it); a product made
from an order (created_from_order) gets its real details and keeps its origin.

One product sync per connection at a time: a run is claimed under a lock on the connection
row (PostgreSQL: SELECT … FOR UPDATE; SQLite: every write transaction is exclusive), and a
run that finds another one running is marked skipped. A run left running by a worker that
died stops counting after STALE_RUN.

The schedule is one beat tick a minute (products_sync_dispatch_due) reading each connection's
settings, so changing the frequency, pausing or resuming needs no restart.
"""

import datetime as dt
import logging
from collections import Counter
from dataclasses import replace

from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from integrations.errors import ConnectionBrokenError, SyncError, TransientError
from integrations.models import DISPATCHABLE_STATUSES, Connection, Product, SyncRun
from integrations.outcomes import Entity, Outcome, Reason
from integrations.publishing import task_publish
from integrations.records import ProductData, ProductsRead, RecordBatch
from integrations.registry import connector_get
from integrations.services.ingest import BATCH_SIZE, ingest
from integrations.services.runs import StepResult, retry_or_fail, run_fail

logger = logging.getLogger(__name__)
Stream, Kind, Status = SyncRun.Stream, SyncRun.Kind, SyncRun.Status

# Longer than a product sync task's hard time limit: a run "running" for longer has no worker.
STALE_RUN = dt.timedelta(minutes=15)


# --- starting and claiming ----------------------------------------------------------------------


def products_sync_start(*, connection: Connection, kind: str = Kind.MANUAL) -> SyncRun:
    """Queues a product sync ("sync products now" calls it with kind=manual)."""
    if not connection.products_enabled:
        return SyncRun.objects.create(
            connection=connection, stream=Stream.PRODUCTS, kind=kind, status=Status.SKIPPED,
            finished_at=timezone.now(), error=Reason.PRODUCTS_DISABLED.label,
        )  # fmt: skip
    run = SyncRun.objects.create(
        connection=connection, stream=Stream.PRODUCTS, kind=kind, status=Status.QUEUED, windows_total=1
    )
    transaction.on_commit(lambda: _publish(run.pk))
    return run


def products_sync_run(*, sync_run_id: int, attempt: int = 0) -> StepResult:
    """Claims the run and syncs, or skips when another product sync of the connection runs."""
    run = _claim(sync_run_id)
    if run is None:
        return StepResult("not_claimed")
    if run.status == Status.SKIPPED:
        return StepResult(Status.SKIPPED)
    result = products_sync_execute(sync_run=run, attempt=attempt)
    if result.retry_in is not None:
        # Back in the queue until the retry claims it again; the lock is free meanwhile.
        SyncRun.objects.filter(pk=run.pk, status=Status.RUNNING).update(status=Status.QUEUED)
    return result


def _claim(sync_run_id: int) -> SyncRun | None:
    connection_id = SyncRun.objects.filter(pk=sync_run_id).values_list("connection_id", flat=True).first()
    if connection_id is None:
        return None
    with transaction.atomic():
        list(Connection.objects.select_for_update().filter(pk=connection_id).values_list("pk"))
        run = SyncRun.objects.select_related("connection").filter(pk=sync_run_id, status=Status.QUEUED).first()
        if run is None:
            return None
        if products_sync_busy(connection=run.connection, exclude_pk=run.pk):
            run.status, run.finished_at = Status.SKIPPED, timezone.now()
            run.error = "Another product sync of this connection was running."
        else:
            run.status, run.started_at = Status.RUNNING, timezone.now()
        run.save(update_fields=["status", "started_at", "finished_at", "error"])
        return run


def products_sync_busy(*, connection: Connection, exclude_pk: int | None = None) -> bool:
    """Whether another product sync of the connection is running. One left by a dead worker
    (running for longer than STALE_RUN) is marked failed and no longer counts."""
    now = timezone.now()
    running = SyncRun.objects.filter(connection=connection, stream=Stream.PRODUCTS, status=Status.RUNNING).exclude(
        pk=exclude_pk
    )
    running.filter(Q(started_at__lt=now - STALE_RUN) | Q(started_at__isnull=True)).update(
        status=Status.FAILED, finished_at=now, error="Interrupted: the worker stopped before the sync finished."
    )
    return running.exists()


def _publish(sync_run_id: int) -> None:
    try:
        task_publish("integrations.tasks_sync.sync_products", args=[sync_run_id], retry=False)
    except Exception as exc:  # noqa: BLE001 - the broker may be down; the next tick queues another
        logger.warning("could not publish product sync run %s (%s)", sync_run_id, exc)


# --- the schedule -------------------------------------------------------------------------------


def products_sync_dispatch_due(*, now: dt.datetime | None = None) -> int:
    """Queues a scheduled sync for each connection that is due; returns how many."""
    now, started = now or timezone.now(), 0
    for connection in Connection.objects.filter(status__in=DISPATCHABLE_STATUSES, products_enabled=True):
        spec = connector_get(connection.connector_type)
        if spec is not None and spec.read_products is not None and _due(connection, now):
            products_sync_start(connection=connection, kind=Kind.SCHEDULED)
            started += 1
    return started


def _due(connection: Connection, now: dt.datetime) -> bool:
    every = dt.timedelta(minutes=connection.products_frequency_minutes)
    if connection.products_last_synced_at and connection.products_last_synced_at > now - every:
        return False
    runs = SyncRun.objects.filter(connection=connection, stream=Stream.PRODUCTS)
    # A run whose task was lost before it started no longer holds the schedule up. (A first
    # import's products step waits in its chain: that is not lost.)
    runs.filter(status=Status.QUEUED, kind__in=[Kind.SCHEDULED, Kind.MANUAL], created_at__lt=now - STALE_RUN).update(
        status=Status.SKIPPED, finished_at=now, error="Never started: its task was lost."
    )
    if products_sync_busy(connection=connection) or runs.filter(status=Status.QUEUED).exists():
        return False
    # After a failure the next attempt comes a period later, not at the next tick.
    return not runs.filter(status=Status.FAILED, created_at__gt=now - every).exists()


# --- syncing ------------------------------------------------------------------------------------


def products_sync_execute(*, sync_run: SyncRun, attempt: int = 0) -> StepResult:
    """Reads the product list and writes what changed; the run must be claimed (running)."""
    connection = sync_run.connection
    spec = connector_get(connection.connector_type)
    try:
        read = spec.read_products(connection)
    except ConnectionBrokenError as exc:
        return run_fail(sync_run, str(exc), broken=True)
    except TransientError as exc:
        return retry_or_fail(sync_run, exc, attempt)
    except SyncError as exc:
        return run_fail(sync_run, str(exc))
    now = timezone.now()
    try:
        with transaction.atomic():
            # Finished only by the task that still holds the claim (a duplicate writes nothing).
            if not SyncRun.objects.filter(pk=sync_run.pk, status=Status.RUNNING).update(
                status=Status.SUCCEEDED, finished_at=now, windows_done=1, records_seen=len(read.products)
            ):
                return StepResult("not_running")
            counts = products_write(sync_run=sync_run, read=read, version=sync_run.started_at or now)
            SyncRun.objects.filter(pk=sync_run.pk).update(counts=dict(counts))
            Connection.objects.filter(pk=connection.pk).update(products_last_synced_at=now)
    except OperationalError as exc:
        return retry_or_fail(sync_run, exc, attempt)
    except Exception as exc:
        logger.exception("product sync run %s failed", sync_run.pk)
        return run_fail(sync_run, f"{exc.__class__.__name__}: {exc}")
    return StepResult(Status.SUCCEEDED)


def products_write(*, sync_run: SyncRun, read: ProductsRead, version: dt.datetime) -> Counter:
    """Writes, through the ingest path, the products that are new or differ (with `version`,
    the sync's start) and turns inactive those the list no longer has. Unchanged ones are
    counted, not written. Returns the counts."""
    connection = sync_run.connection
    fields = ("external_id", "name", "product_type", "price", "category", "active", "source_version")
    stored = {
        row["external_id"]: row
        for row in Product.objects.filter(connection=connection).values(*fields, "parent__external_id")
    }
    incoming = {product.external_id: product for product in read.products}
    counts: Counter = Counter()
    changed = []
    for product in incoming.values():
        row = stored.get(product.external_id)
        if row is not None and product.price is None:
            product = replace(product, price=row["price"])  # a parent row has no price: keep ours
        product = replace(product, source_version=version, created_from_order=False)
        # No stored version: made from an order, so the list's details fill it in.
        if row is None or row["source_version"] is None or _differs(row, product):
            changed.append(product)
        else:
            counts[f"{Entity.PRODUCT}.{Outcome.UNCHANGED}"] += 1
    unreadable = {failed.source_id for failed in read.failed}
    # A row that could not be read may be any product: none is taken for gone then. Nor when
    # the list came back empty: more likely a glitch than a venue that sells nothing.
    if not incoming:
        unreadable.add("")
    gone = (
        []
        if "" in unreadable
        else [row for key, row in stored.items() if key not in incoming and key not in unreadable]
    )
    changed += [_inactive(row, version) for row in gone if row["active"]]
    gone_ids = {row["external_id"] for row in gone}
    changed.sort(key=lambda product: product.parent_external_id is not None)  # parents first
    for start in range(0, max(len(changed), 1), BATCH_SIZE):
        batch = RecordBatch(
            products=changed[start : start + BATCH_SIZE],
            products_gone=gone_ids,
            failed=read.failed if start == 0 else [],
        )
        counts += ingest(connection=connection, batch=batch, sync_run=sync_run, record_unchanged=False).counts
    return counts


def _differs(row: dict, product: ProductData) -> bool:
    return (
        row["name"],
        row["product_type"],
        row["price"],
        row["category"],
        row["active"],
        row["parent__external_id"],
    ) != (
        product.name,
        product.product_type,
        product.price,
        product.category,
        product.active,
        product.parent_external_id,
    )


def _inactive(row: dict, version: dt.datetime) -> ProductData:
    return ProductData(
        external_id=row["external_id"],
        name=row["name"],
        parent_external_id=row["parent__external_id"],
        product_type=row["product_type"],
        price=row["price"],
        category=row["category"],
        active=False,
        source_version=version,
    )
