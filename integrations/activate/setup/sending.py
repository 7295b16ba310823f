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
SETTINGS = ("send_profiles", "send_purchases", "send_products", "language", "currency")


def sending_snapshot(destination: Destination) -> dict:
    return {field: getattr(destination, field) for field in SETTINGS}


@transaction.atomic
def sending_save(*, destination: Destination, form: SendingForm) -> str:
    before = sending_snapshot(destination)
    form.save()
    if destination.status == Destination.Status.DRAFT:
        return ""  # nothing is sent yet: activation starts everything
    destination_settings_changed(destination, before=before)
    return sending_change_sentence(before=before, after=sending_snapshot(destination))


def sending_change_sentence(*, before: dict, after: dict) -> str:
    """ "Queued a backfill of products. Purchases are no longer sent: Activate keeps what it has." """
    on = [label for field, label in TYPES if after[field] and not before[field]]
    off = [label for field, label in TYPES if before[field] and not after[field]]
    if before["language"] != after["language"] or before["currency"] != after["currency"]:
        # Every record that carries the language or currency goes again.
        on += [label for field, label in TYPES if after[field] and before[field] and label != "profiles"]
    parts = []
    if on:
        parts.append(f"Queued a backfill of {_and(on)}: what the store holds of them goes to Activate now.")
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
    ]


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
