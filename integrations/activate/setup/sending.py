"""What to send to Activate: saved in the wizard and from the destination page.

On a live destination a change is more than a saved form: a type turned on, or a new language
or currency, queues a backfill of what the store holds of it; a type turned off stops it, and
Activate keeps what it has (no delete is documented). `destination_settings_changed` does
that; the sentence says it to the person.
"""

from django.db import transaction

from integrations.activate.setup.forms import CURRENCIES, LANGUAGES, SendingForm
from integrations.delivery.models import Destination
from integrations.delivery.services.destinations import destination_settings_changed

TYPES = (("send_profiles", "profiles"), ("send_purchases", "purchases"), ("send_products", "products"))
SETTINGS = ("send_profiles", "send_purchases", "send_products", "language", "currency", "repeated_orders")


def sending_stored(destination: Destination) -> dict:
    """What is saved now. Read from the database: a validated ModelForm has already written
    the new values onto its instance."""
    return Destination.objects.filter(pk=destination.pk).values(*SETTINGS).get()


KIND_WORDS = {"profile": "profiles", "purchase": "purchases", "product": "products"}


@transaction.atomic
def sending_save(*, destination: Destination, form: SendingForm) -> str:
    before = sending_stored(destination)
    form.save()
    if destination.status == Destination.Status.DRAFT:
        return ""  # nothing is sent yet: activation starts everything
    backfills = destination_settings_changed(destination, before=before)
    off = [label for field, label in TYPES if before[field] and not getattr(destination, field)]
    return sending_change_sentence(queued=[KIND_WORDS[backfill.kind] for backfill in backfills], off=off)


def sending_change_sentence(*, queued: list[str], off: list[str]) -> str:
    """ "Queued a backfill of products. Purchases are no longer sent: Activate keeps what it has." """
    parts = []
    if queued:
        parts.append(f"Queued a backfill of {_and(queued)}: what the store holds of them goes to Activate now.")
    if off:
        verb = "is" if len(off) == 1 else "are"
        parts.append(f"{_and(off).capitalize()} {verb} no longer sent: Activate keeps what it has.")
    return " ".join(parts) or "Saved. Nothing changed in what is sent."


def sending_rows(*, destination: Destination) -> list[tuple[str, str]]:
    languages, currencies = dict(LANGUAGES), dict(CURRENCIES)
    return [
        *[(label.capitalize(), "Sent" if getattr(destination, field) else "Not sent") for field, label in TYPES],
        ("Language", languages.get(destination.language, destination.language or "—")),
        ("Currency when an order has none", currencies.get(destination.currency, destination.currency or "—")),
        ("A changed booking", destination.get_repeated_orders_display()),
    ]


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
