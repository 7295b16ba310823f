"""Destinations and the state of every record on its way to one.

The outbox is transactional: its rows are written by the one ingest path's upserts and by the
deletion service, in their transaction, so a record in the store is never missing from it.
One row per (destination, kind, key): many changes before delivery coalesce into the latest.
"""

from django.db import models
from django.db.models import Q

from integrations.models import Account, Connection


class Destination(models.Model):
    """One destination system connected for one account (at most one of each type)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        # Paused by a person: nothing is sent, everything is kept queued.
        PAUSED = "paused", "Paused"
        # The destination refused our credentials: paused by itself, re-checked every 5 minutes.
        NEEDS_ATTENTION = "needs_attention", "Needs attention"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="destinations")
    destination_type = models.CharField(max_length=40)
    name = models.CharField(max_length=120)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    wizard_step = models.CharField(max_length=40, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    credentials_refused_at = models.DateTimeField(null=True, blank=True)
    credentials_checked_at = models.DateTimeField(null=True, blank=True)

    # What to send, and how.
    send_profiles = models.BooleanField(default=True)
    send_purchases = models.BooleanField(default=True)
    send_products = models.BooleanField(default=True)
    language = models.CharField(max_length=8, blank=True, help_text="e.g. nl, en")
    currency = models.CharField(max_length=3, blank=True, help_text="Only when an order carries none")

    class RepeatedOrders(models.TextChoices):
        # The destination replaces a purchase it holds when the same order id comes again:
        # a changed order is sent whole.
        REPLACE = "replace", "Replaces the purchase it holds"
        # It counts a repeated order id as another purchase: a changed order sends only
        # the difference, so revenue is counted once (docs/activate-facts.md).
        ADD = "add", "Counts it as another purchase"

    # What the destination does with a purchase whose order id it holds already.
    repeated_orders = models.CharField(max_length=10, choices=RepeatedOrders.choices, default=RepeatedOrders.REPLACE)

    # Connections of the account whose data is not sent here (set on the connection's page).
    excluded_connections = models.ManyToManyField(Connection, blank=True, related_name="excluded_from_destinations")

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "destination_type"], name="destination_once_per_account"),
            models.CheckConstraint(
                condition=Q(status="needs_attention", status_reason__gt="") | ~Q(status="needs_attention"),
                name="destination_needs_attention_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OutboxItem(models.Model):
    """One record's latest version on its way to a destination."""

    class Kind(models.TextChoices):
        PROFILE = "profile", "Profile"
        PURCHASE = "purchase", "Purchase"
        PRODUCT = "product", "Product"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        DELIVERING = "delivering", "Delivering"
        DELIVERED = "delivered", "Delivered"
        # Not sent, with a reason (e.g. "Activate needs an email").
        FILTERED = "filtered", "Filtered"
        # Refused by the destination (a 4xx other than authentication), with its message.
        FAILED = "failed", "Failed"
        # Out of attempts: kept and replayable.
        DEAD = "dead", "Dead"

    destination = models.ForeignKey(Destination, on_delete=models.CASCADE, related_name="outbox", db_index=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What identifies the record at the destination, per kind: a profile is one email across
    # the account (normalised); a purchase an order's pk; a product a product's pk.
    record_key = models.CharField(max_length=254)
    # The connection the latest version came from (for the connection page and exclusions).
    connection = models.ForeignKey(Connection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The source's time of the version queued: an older version never overrides a newer one.
    source_changed_at = models.DateTimeField(null=True, blank=True)
    # A counter bumped by every coalesced change: a delivery only settles the version it sent.
    version = models.PositiveIntegerField(default=1)
    delivered_version = models.PositiveIntegerField(default=0)
    # What the destination holds of the record after the last delivery, as the destination's
    # mapping summarises it (a purchase's total and quantities): the next version's mapping
    # reads it, e.g. to send only the difference where repeated order ids add up.
    delivered_summary = models.JSONField(default=dict, blank=True)
    # A removal (a product gone, a cancellation) rather than an upsert.
    removal = models.BooleanField(default=False)

    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    reason = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["destination", "kind", "record_key"], name="outbox_one_row_per_record"),
            models.CheckConstraint(condition=~Q(record_key=""), name="outbox_record_key_not_empty"),
            models.CheckConstraint(
                condition=~Q(state__in=["filtered", "failed", "dead"]) | ~Q(reason=""),
                name="outbox_settled_badly_has_reason",
            ),
        ]
        indexes = [
            # The delivery workers' queue: small, only what is still to send.
            models.Index(
                fields=["destination", "kind", "next_attempt_at"],
                condition=Q(state__in=["queued", "delivering"]),
                name="outbox_pending",
            ),
            models.Index(fields=["destination", "state"], name="outbox_by_state"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.record_key} ({self.state})"


class DeliveryAttempt(models.Model):
    """The per-record log: what was sent and what came back. Never the authentication headers.

    Kept 14 days; an erasure deletes a person's rows at once.
    """

    destination = models.ForeignKey(Destination, on_delete=models.CASCADE, related_name="delivery_log", db_index=False)
    item = models.ForeignKey(OutboxItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="log")
    kind = models.CharField(max_length=20, choices=OutboxItem.Kind.choices)
    record_key = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=200)
    request_body = models.JSONField(default=dict, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["destination", "created_at"]),
            models.Index(fields=["destination", "kind", "record_key"]),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.response_status}"


class Erasure(models.Model):
    """A person to erase in the destination by hand (no erasure API is documented), until done."""

    class Why(models.TextChoices):
        DELETED_AT_SOURCE = "deleted_at_source", "Deleted at the source"
        MINOR = "minor", "Found to be a minor"

    destination = models.ForeignKey(Destination, on_delete=models.CASCADE, related_name="erasures")
    email = models.CharField(max_length=254)
    why = models.CharField(max_length=40, choices=Why.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["destination", "email"], condition=Q(done_at__isnull=True), name="erasure_one_open_per_email"
            ),
        ]

    def __str__(self) -> str:
        return f"Erasure for {self.destination} ({self.get_why_display()})"


class Backfill(models.Model):
    """Sending what the store holds of one kind (on connecting, or after a setting changed)."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    destination = models.ForeignKey(Destination, on_delete=models.CASCADE, related_name="backfills")
    kind = models.CharField(max_length=20, choices=OutboxItem.Kind.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    why = models.CharField(max_length=200, blank=True)
    # Resumable: the last store pk queued, moved in the transaction that queues the batch.
    cursor = models.BigIntegerField(default=0)
    queued = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["destination", "kind"],
                condition=Q(state__in=["queued", "running"]),
                name="backfill_one_open_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"Backfill of {self.kind} for {self.destination} ({self.state})"
