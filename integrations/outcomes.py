"""The closed lists of what can happen to a record, defined once with the words people see."""

from django.db import models


class Outcome(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    UNCHANGED = "unchanged", "Unchanged"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"
    DELETED = "deleted", "Deleted"


class Reason(models.TextChoices):
    """Why a record was skipped, failed or deleted. Labels are shown to the account's users."""

    NO_CONTACT = "no_contact", "The booking has no booking holder, so there is no contact to link it to"
    ONSITE_WITHOUT_CONTACT = (
        "onsite_without_contact",
        "On-site sale without an identified customer",
    )
    NO_EMAIL_OR_PHONE = (
        "no_email_or_phone",
        "The booking holder has neither an email address nor a phone number",
    )
    MINOR = "minor", "The guest is a minor: data about minors is never synchronised"
    CONTACT_NOT_FOUND = (
        "contact_not_found",
        "Contacts are set to update only and this guest is not a known contact",
    )
    CONTACTS_DISABLED = "contacts_disabled", "Contacts are switched off for this connection"
    DELETED_AT_SOURCE = "deleted_at_source", "The guest was deleted in the source system"
    INVALID_PAYLOAD = "invalid_payload", "The source system sent data that could not be read"
    UNKNOWN_EVENT = "unknown_event", "An event type this connector does not handle"
    SOURCE_ERROR = "source_error", "The source system returned an error while fetching related data"
    NO_MATCHING_KEY = (
        "no_matching_key",
        "The guest has no email address (or no phone number, when contacts are matched on phone)",
    )
    PRODUCTS_DISABLED = "products_disabled", "Products are switched off for this connection"
    CONNECTION_INACTIVE = "connection_inactive", "The connection was not active"
    NOT_OUR_EXPORT = (
        "not_our_export",
        "An export nobody here asked for (another integration's), or one no longer awaited",
    )


class Entity(models.TextChoices):
    CONTACT = "contact", "Contact"
    ORDER = "order", "Order"
    PRODUCT = "product", "Product"
    WAIVER = "waiver", "Signed waiver"
    EVENT = "event", "Event"
