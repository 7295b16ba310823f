"""The summary's preview: the last days' records of the source through the ingest path in a
dry run, which decides exactly as a real run would and writes nothing.

The connector reads (SetupSpec.preview); the core decides (integrations.services.
ingest); this module counts what the rules decided and keeps a few masked examples.

Nothing about a minor enters the result: they are counted, never described.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from integrations.errors import SyncError
from integrations.models import Connection, Order
from integrations.outcomes import Entity, Outcome, Reason
from integrations.records import ContactData, OrderData
from integrations.registry import connector_get
from integrations.rules import Action
from integrations.services.ingest import Ingested, ingest

EXAMPLES = 5  # per group (created, each reason)

Progress = Callable[[int, str], None]


@dataclass
class Tally:
    """Counts of one kind of record (orders or contacts) and a few examples per group."""

    counts: Counter = field(default_factory=Counter)  # create / update / skip
    reasons: Counter = field(default_factory=Counter)
    examples: dict[str, list[dict]] = field(default_factory=dict)

    def add(self, action: str, reason: str | None, example: dict | None) -> None:
        self.counts[action] += 1
        group = action
        if reason:
            self.reasons[reason] += 1
            group = reason
        if example is not None and reason != Reason.MINOR:
            bucket = self.examples.setdefault(group, [])
            if len(bucket) < EXAMPLES:
                bucket.append(example)

    def as_dict(self) -> dict:
        labels = dict(Reason.choices)
        return {
            "create": self.counts[Action.CREATE],
            "update": self.counts[Action.UPDATE],
            "skip": self.counts[Action.SKIP],
            "reasons": [
                {"reason": reason, "label": labels.get(reason, reason), "count": count}
                for reason, count in self.reasons.most_common()
            ],
            "examples": self.examples,
        }


def preview_collect(*, connection: Connection, progress: Progress) -> dict:
    """The preview's result as plain JSON-able data. Raises the connector's SyncError (no
    credentials yet, say) or TransientError (rate limited: try again later)."""
    spec = connector_get(connection.connector_type)
    if spec is None or spec.setup is None or spec.setup.preview is None:
        raise SyncError("This connector has no preview.")
    read = spec.setup.preview(connection=connection, progress=progress)
    result = ingest(connection=connection, batch=read.batch, dry_run=True)
    contacts, orders = Tally(), Tally()
    for item in result.items:
        if item.entity == Entity.CONTACT:
            _contact_count(contacts, item)
        else:
            _order_count(orders, item)
    for failed in read.batch.failed:
        if failed.entity == Entity.ORDER and failed.outcome == Outcome.FAILED:
            orders.add(Action.SKIP, failed.reason, None)
    return {
        "days": read.days,
        "window_start": read.window_start.isoformat(),
        "window_end": read.window_end.isoformat(),
        "bookings_read": read.orders_read,
        "bookings_limit": read.orders_limit,
        "truncated": read.truncated,
        "guests_read": read.people_read,
        "orders": orders.as_dict(),
        "contacts": contacts.as_dict(),
    }


def _contact_count(tally: Tally, item: Ingested) -> None:
    if item.same_as_earlier:
        return  # the same contact as a person counted before
    decision = item.decision
    example = None if decision.reason == Reason.MINOR else _contact_example(item.record)
    tally.add(decision.action, decision.reason, example)


def _order_count(tally: Tally, item: Ingested) -> None:
    decision, order = item.decision, item.record
    example = None
    if decision.reason != Reason.MINOR:
        example = _order_example(order, item.holder)
    tally.add(decision.action, decision.reason, example)


def _order_example(order: OrderData, holder: ContactData | None) -> dict:
    return {
        "reference": order.reference,
        "visit_date": order.visit_date.isoformat() if order.visit_date else "",
        "channel": Order.Channel(order.channel).label if order.channel in Order.Channel.values else "Other",
        "total": f"{order.total:.2f}",
        "currency": order.currency,
        "contact": _contact_example(holder)["name"] if holder is not None else "",
    }


def _contact_example(contact: ContactData) -> dict:
    """An adult's contact, shown masked: enough to recognise, not to copy."""
    name = " ".join(
        part for part in (contact.first_name, contact.last_name[:1] + "." if contact.last_name else "") if part
    )
    return {"name": name or "(no name)", "email": _mask_email(contact.email), "phone": _mask_phone(contact.phone)}


def _mask_email(email: str) -> str:
    if "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}•••@{domain}"


def _mask_phone(phone: str) -> str:
    return f"{phone[:3]}•••{phone[-2:]}" if len(phone) > 6 else ""
