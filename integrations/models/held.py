"""People and orders of a first import's recent days held back until its age checks are read.

The recent days (the tail) are read by windows while the source still generates the history's
signed waivers; a person whose age neither a date of birth nor a waiver already read tells
could be a minor the history names. So they are not stored yet: their plain record waits here,
with the orders they hold, until every age check of the same import is read
(integrations.selectors.history.age_checks_pending), and then goes through the one ingest path
(integrations.services.held_release), which decides on them as on anyone else. The row is
deleted in the transaction that decided: a minor's record leaves the database without ever
having been in the store.

What is kept is the least that lets the record be decided without asking the source again (one
GET per person, thousands for a busy venue's week): the plain record the store would have
written, encrypted, and nothing readable beside it. The key is a keyed hash of the record's
source id (as known minors are kept), so a record read twice is held once.
"""

from django.db import models

from integrations.fields import EncryptedTextField
from integrations.models.connections import Connection
from integrations.models.runs import SyncRun


class HeldRecord(models.Model):
    class Entity(models.TextChoices):
        CONTACT = "contact", "Person"
        ORDER = "order", "Order"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="held_records", db_index=False)
    # The tail run that read it: its outcomes and counts are recorded there when it is decided.
    sync_run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="held_records")
    entity = models.CharField(max_length=10, choices=Entity.choices)
    key = models.CharField(max_length=64)  # keyed hash of the source id (integrations.minors.minor_hash)
    record = EncryptedTextField()  # the plain record as JSON (integrations.records_json)
    held_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["connection", "entity"], name="held_record_conn_entity")]
        constraints = [
            models.UniqueConstraint(fields=["sync_run", "entity", "key"], name="held_record_unique_per_run"),
        ]

    def __str__(self) -> str:
        return f"held {self.entity} of run {self.sync_run_id}"
