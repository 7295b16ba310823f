"""The synced store: what marketing segments and journeys are built on.

Every synced row keeps `source_version`, the source's own time for the version it holds
(a webhook's eventDate or a reporting row's modifiedDate), so that an older version never
overwrites a newer one whatever order they arrive in.
"""

from django.db import models
from django.db.models import Q

from integrations.models.connections import Connection


class Contact(models.Model):
    # No index of its own on connection here or below where a unique or composite index starts
    # with it: a second index costs every write, and on a table without statistics yet (a
    # first import) the planner picked it and filtered a whole venue row by row.
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="contacts", db_index=False)
    # The value contacts are matched on: a normalised email or a phone number in E.164,
    # whichever the connection's matching key names.
    match_value = models.CharField(max_length=256)
    email = models.CharField(max_length=256, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=20, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    state = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    # None: never stated by the source.
    email_consent = models.BooleanField(null=True, blank=True)
    email_consent_at = models.DateTimeField(null=True, blank=True)
    sms_consent = models.BooleanField(null=True, blank=True)
    sms_consent_at = models.DateTimeField(null=True, blank=True)
    source_version = models.DateTimeField(null=True, blank=True)
    healed = models.BooleanField(default=False, help_text="Last written by a reconciliation")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "match_value"], name="contact_unique_match_value"),
            models.CheckConstraint(condition=~Q(match_value=""), name="contact_match_value_not_empty"),
        ]
        indexes = [models.Index(fields=["connection", "email"]), models.Index(fields=["connection", "phone"])]

    def __str__(self) -> str:
        return self.match_value


class ContactSourceLink(models.Model):
    """Maps a source's guest id to its contact: two guests with one email are one contact."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="contact_links", db_index=False)
    source_id = models.CharField(max_length=64)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="source_links")
    source_version = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "source_id"], name="contact_link_unique_source_id"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.contact_id}"


class Product(models.Model):
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="products", db_index=False)
    external_id = models.CharField(max_length=64)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="variations")
    name = models.CharField(max_length=255)
    product_type = models.CharField(max_length=40, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    category = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    # Made from an order line because the product was unknown; a product sync fills it in.
    created_from_order = models.BooleanField(default=False)
    source_version = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "external_id"], name="product_unique_external_id"),
        ]

    def __str__(self) -> str:
        return self.name


class Order(models.Model):
    class Channel(models.TextChoices):
        ONLINE = "online", "Online"
        ONSITE = "onsite", "On-site"
        OTHER = "other", "Other"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="orders", db_index=False)
    external_id = models.CharField(max_length=64, help_text="The source's id of the order (a booking)")
    reference = models.CharField(
        max_length=64, blank=True, help_text="The reference people quote (a booking reference)"
    )
    # Deleting a contact (a guest deleted at the source) takes their orders with it.
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="orders")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    source_channel = models.CharField(max_length=40, blank=True, help_text="The source's own value")
    status = models.CharField(max_length=40, blank=True)
    ordered_at = models.DateTimeField(null=True, blank=True)
    visit_date = models.DateField(null=True, blank=True)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, blank=True)
    source_version = models.DateTimeField(null=True, blank=True)
    healed = models.BooleanField(default=False, help_text="Last written by a reconciliation")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "external_id"], name="order_unique_external_id"),
        ]
        indexes = [models.Index(fields=["connection", "reference"]), models.Index(fields=["connection", "ordered_at"])]

    def __str__(self) -> str:
        return self.reference or self.external_id


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", db_index=False)
    external_id = models.CharField(max_length=64)
    # Products are never deleted on their own (they turn inactive), so a line always has its
    # product; RESTRICT still lets a whole connection go, lines and products together.
    product = models.ForeignKey(Product, on_delete=models.RESTRICT, related_name="order_lines")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    visit_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "external_id"], name="order_line_unique_external_id"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"
