"""Holding back a first import's recent people of unknown age (integrations.models.HeldRecord).

The ingest path decides to hold (integrations.services.ingest); this writes what it holds, in
the same transaction as the rest of the batch, and says how much waits. Releasing them once
the import's age checks are read is integrations.services.held_release; how many wait,
integrations.selectors.history.held_counts.
"""

from integrations.minors import minor_hash
from integrations.models import HeldRecord, SyncRun
from integrations.records import ContactData, OrderData
from integrations.records_json import record_dumps

Entity = HeldRecord.Entity


def held_key(*, connection_id: int, entity: str, source_id: str) -> str:
    """A keyed hash of the record's source id: a record read twice is held once, and nothing
    readable is kept beside the encrypted record."""
    return minor_hash(connection_id=connection_id, source_id=f"held:{entity}:{source_id}")


def records_hold(*, sync_run: SyncRun, people: list[ContactData], orders: list[OrderData]) -> None:
    """Keeps these records (as read) until the run's import has read its age checks; one read
    again later (a newer version, in a later window) replaces the one kept."""
    connection_id = sync_run.connection_id
    rows = [
        HeldRecord(
            connection_id=connection_id,
            sync_run=sync_run,
            entity=entity,
            key=held_key(connection_id=connection_id, entity=entity, source_id=source_id),
            record=record_dumps(record),
        )
        for entity, source_id, record in [
            *((Entity.CONTACT, person.source_id, person) for person in people),
            *((Entity.ORDER, order.external_id, order) for order in orders),
        ]
    ]
    if rows:
        HeldRecord.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["sync_run", "entity", "key"], update_fields=["record"]
        )
