"""The recent days' people held for the age check, decided once their import has read every
age check (integrations.selectors.history.age_checks_pending is false again).

Held records (integrations.models.HeldRecord) go through the one ingest path as the run that
read them would have sent them, now without holding: a person the history's waivers named a
minor is skipped as one and nothing of them stays; anyone else is written, the upserts'
version guard keeping whatever a webhook wrote meanwhile if it is newer. A thousand at a time,
each batch's records deleted in the transaction that decided them, so a crash or a second
release decides nothing twice. Nothing is read from the source.
"""

import logging

from django.db import transaction

from integrations.models import DISPATCHABLE_STATUSES, Connection, HeldRecord, SyncRun
from integrations.records import RecordBatch
from integrations.records_json import contact_loads, order_loads
from integrations.selectors.history import held_runs_releasable
from integrations.services.held import held_key
from integrations.services.import_windows import window_ingest
from integrations.services.ingest import BATCH_SIZE
from integrations.services.runs import run_counts_add

logger = logging.getLogger(__name__)
Entity = HeldRecord.Entity


def held_release(*, connection: Connection) -> int:
    """Decides every held record whose import has read its age checks; returns how many."""
    if connection.status not in DISPATCHABLE_STATUSES:
        return 0  # paused or refused: the exports sweep publishes the release again later
    released = 0
    for run in held_runs_releasable(connection=connection):
        # Orders first, each batch with its holders; then the people held on their own.
        for entity in (Entity.ORDER, Entity.CONTACT):
            while count := _batch_release(run, entity):
                released += count
    if released:
        logger.info("connection %s: %s held record(s) decided after the age checks", connection.pk, released)
    return released


def _batch_release(run: SyncRun, entity: str) -> int:
    with transaction.atomic():
        # Locked: a second release waits, then finds them gone.
        rows = list(
            HeldRecord.objects.select_for_update().filter(sync_run=run, entity=entity).order_by("pk")[:BATCH_SIZE]
        )
        if not rows:
            return 0
        records = RecordBatch()
        if entity == Entity.ORDER:
            records.orders = [order_loads(row.record) for row in rows]
            holders = _holders(run, records.orders)
            rows += holders
            records.people = {person.source_id: person for person in map(contact_loads, (h.record for h in holders))}
        else:
            records.contacts = [contact_loads(row.record) for row in rows]
        run_counts_add(run, window_ingest(sync_run=run, records=records))
        HeldRecord.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


def _holders(run: SyncRun, orders) -> list[HeldRecord]:
    """The held people holding these orders (held with them by the same run)."""
    keys = {
        held_key(connection_id=run.connection_id, entity=Entity.CONTACT, source_id=order.holder_source_id)
        for order in orders
        if order.holder_source_id
    }
    return list(HeldRecord.objects.select_for_update().filter(sync_run=run, entity=Entity.CONTACT, key__in=keys))
