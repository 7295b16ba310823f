"""What happened: webhook deliveries, sync runs and the outcome of every record handled."""

from django.db import models
from django.db.models import Q

from integrations.models.connections import Connection
from integrations.outcomes import Entity, Outcome, Reason


class WebhookEvent(models.Model):
    """One delivery as received: stored first, processed after (the outbox)."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"
        DEAD = "dead", "Dead"

    # No index of its own: the unique (connection, message id) index serves connection lookups,
    # and every index is paid for by each webhook's insert.
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="webhook_events", db_index=False)
    message_id = models.CharField(max_length=100, help_text="The source's message id")
    object_type = models.CharField(max_length=40, blank=True, help_text="e.g. Booking, Customer")
    event_type = models.CharField(max_length=40, blank=True, help_text="e.g. Created, Updated")
    event_date = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    headers = models.JSONField(default=dict, blank=True, help_text="Without the authentication key")
    body = models.TextField(blank=True)
    # The delivery's bytes when the text column cannot hold them exactly (not UTF-8, or a NUL
    # byte, which PostgreSQL's text refuses); `body` then shows them escaped. See stored_bytes.
    raw_body = models.BinaryField(null=True, blank=True, editable=False)
    # Set once the body has been processed and minors' personal data redacted from it.
    body_redacted = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Handed to the broker (by the dispatcher, the sweeper or a replay).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # The task that claimed it: a redelivery of the same message (worker lost) may claim
    # again, any other copy may not.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=40, choices=Reason.choices, blank=True)
    last_error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # A searchable handle on the record inside, e.g. the booking reference.
    subject_reference = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "message_id"], name="webhook_event_unique_message"),
        ]
        indexes = [
            models.Index(fields=["status", "received_at"]),
            models.Index(fields=["connection", "received_at"]),
            # Small on purpose: only the events still to hand over (the dispatcher polls it)
            # and the ones that went wrong (counted on the monitoring pages).
            models.Index(
                fields=["id"],
                condition=Q(status="received", enqueued_at__isnull=True),
                name="webhook_event_undispatched",
            ),
            models.Index(
                fields=["connection", "status"],
                condition=Q(status__in=["failed", "dead"]),
                name="webhook_event_failing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.event_type} {self.message_id}"

    @property
    def stored_bytes(self) -> bytes:
        """The body exactly as it was delivered (until retention blanks it)."""
        if self.raw_body is not None:
            return bytes(self.raw_body)
        return self.body.encode()


class SyncRun(models.Model):
    """One pass of reading from the source: a product sync, an import or a reconciliation."""

    class Stream(models.TextChoices):
        PRODUCTS = "products", "Products"
        CONTACTS = "contacts", "Contacts"
        ORDERS = "orders", "Orders"
        # Learns who is a minor before anyone is stored (a source's signed waivers, say).
        AGES = "ages", "Age checks"

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        FIRST_IMPORT = "first_import", "First import"
        MANUAL = "manual", "Manual"
        RECONCILIATION = "reconciliation", "Reconciliation"
        PREVIEW = "preview", "Preview"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    class Phase(models.TextChoices):
        # A first import (or a long re-import) reads the recent days first, by windows, and
        # the history after them, by the source's export where it has one.
        NONE = "", "Whole range"
        TAIL = "tail", "Recent days"
        HISTORY = "history", "History"

    # Here and below: no index of connection's own where a unique or composite index starts
    # with it (see integrations.models.store.Contact).
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="sync_runs", db_index=False)
    stream = models.CharField(max_length=20, choices=Stream.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    # The last window finished, so a restart goes on from there without gap or double count.
    cursor = models.DateTimeField(null=True, blank=True)
    windows_total = models.PositiveIntegerField(default=0)
    windows_done = models.PositiveIntegerField(default=0)
    records_seen = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True, help_text="Records per outcome and reason")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A running run's last sign of life, beaten while a window task works on it (or the time
    # its retry is due). A running run without a recent one was interrupted (a stopped or
    # lost worker): the import sweeper publishes it again (integrations.services.heartbeat).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    phase = models.CharField(max_length=10, choices=Phase.choices, blank=True, default="")
    # The runs queued together (one first import, one re-import): a history's contacts and
    # orders wait for every age check of their own batch.
    batch = models.UUIDField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["connection", "stream", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_stream_display()} #{self.pk}"


class RecordOutcome(models.Model):
    """What happened to one record, and why when it was left out.

    An outcome about a minor carries no personal data: no source id, no detail.
    """

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="outcomes", db_index=False)
    entity = models.CharField(max_length=20, choices=Entity.choices)
    source_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason = models.CharField(max_length=40, choices=Reason.choices, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    # An outcome comes from a webhook event or from a sync run, never both: each has a partial
    # index, which the other kind of outcome does not pay for.
    webhook_event = models.ForeignKey(
        WebhookEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="outcomes", db_index=False
    )
    sync_run = models.ForeignKey(
        SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="outcomes", db_index=False
    )
    healed = models.BooleanField(default=False, help_text="Written by a reconciliation: the webhook missed it")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=["skipped", "failed", "deleted"]) | Q(reason=""),
                name="outcome_reason_only_when_left_out",
            ),
            models.CheckConstraint(
                condition=~Q(outcome__in=["skipped", "failed"]) | ~Q(reason=""),
                name="outcome_skipped_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(reason="minor") | (Q(source_id="") & Q(detail="")),
                name="outcome_minor_has_no_personal_data",
            ),
        ]
        indexes = [
            models.Index(fields=["connection", "created_at"]),
            # "Skipped, by reason" on the monitoring pages; created and updated rows (half an
            # import's outcomes) are not in it.
            models.Index(
                fields=["connection", "created_at"], condition=Q(outcome="skipped"), name="record_outcome_skipped"
            ),
            models.Index(
                fields=["webhook_event"], condition=Q(webhook_event__isnull=False), name="record_outcome_event"
            ),
            models.Index(fields=["sync_run"], condition=Q(sync_run__isnull=False), name="record_outcome_sync_run"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.outcome} {self.reason}".strip()


class OutcomeDailyCount(models.Model):
    """Outcomes per connection, day and reason: survives the purge of RecordOutcome rows."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="outcome_counts", db_index=False)
    day = models.DateField()
    entity = models.CharField(max_length=20, choices=Entity.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason = models.CharField(max_length=40, choices=Reason.choices, blank=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "day", "entity", "outcome", "reason"], name="outcome_daily_count_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.entity} {self.outcome} {self.reason}: {self.count}"


class KnownMinor(models.Model):
    """A guest known to be a minor, kept only as a keyed hash of the source's guest id."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="known_minors", db_index=False)
    guest_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "guest_hash"], name="known_minor_unique"),
        ]

    def __str__(self) -> str:
        return f"known minor {self.guest_hash[:8]}…"
