"""Writing one window of an import: the webhooks' rules and upserts, a batch at a time.

Thin batch wrappers around integrations.rules (deciding), integrations.services.upserts
(writing) and integrations.services.outcomes (recording): a page of 1,000 guests is decided
one by one, as a webhook's guest would be, and written in one upsert.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, replace

from django.utils import timezone

from integrations.batch import rows_where_in
from integrations.minors import minor_remember, minors_known
from integrations.models import Connection, Contact, SyncRun
from integrations.outcomes import Entity, Outcome, Reason
from integrations.records import ContactData, OrderData, OutcomeData, ProductData
from integrations.rules import contact_decide, contact_prepare, is_minor, order_decide
from integrations.services.contacts import contact_minor_forget, contacts_linked
from integrations.services.imports import WaiverData, WindowRecords, zone_of
from integrations.services.outcomes import outcomes_record
from integrations.services.upserts import ProductsMissing, contacts_upsert, orders_upsert, products_upsert

Stream, Kind = SyncRun.Stream, SyncRun.Kind


BATCH_SIZE = 1000


class Tally:
    """A run's outcomes: recorded a batch at a time, counted per entity, outcome and reason.

    In a reconciliation, what it wrote (created or updated) was missed by the webhooks: those
    outcomes are marked healed, so a broken webhook shows up instead of hiding.
    """

    def __init__(self, *, sync_run: SyncRun, healing: bool = False, record_unchanged: bool = True):
        self.sync_run, self.healing, self.record_unchanged = sync_run, healing, record_unchanged
        self.counts: Counter = Counter()
        self._plain: list[OutcomeData] = []
        self._healed: list[OutcomeData] = []

    def add(self, entity: str, outcome: str, *, reason: str = "", source_id: str = "", detail: str = "") -> None:
        self.counts[".".join(part for part in (entity, outcome, reason) if part)] += 1
        if outcome == Outcome.UNCHANGED and not self.record_unchanged:
            return
        healed = self.healing and outcome in (Outcome.CREATED, Outcome.UPDATED)
        (self._healed if healed else self._plain).append(OutcomeData(entity, outcome, reason, source_id, detail))

    def flush(self) -> None:
        for healed, outcomes in ((False, self._plain), (True, self._healed)):
            if outcomes:
                outcomes_record(
                    connection=self.sync_run.connection, outcomes=outcomes, sync_run=self.sync_run, healed=healed
                )
        self._plain, self._healed = [], []


def window_write(*, sync_run: SyncRun, records: WindowRecords, people: dict | None = None) -> dict[str, int]:
    """Writes one window of records; returns the counts. The caller holds the transaction."""
    connection = sync_run.connection
    tally = Tally(sync_run=sync_run, healing=sync_run.kind == Kind.RECONCILIATION)
    for failed in records.failed:
        tally.add(failed.entity, failed.outcome, reason=failed.reason, source_id=failed.source_id, detail=failed.detail)
    context = _Batch(
        connection=connection,
        tally=tally,
        today=timezone.now().astimezone(zone_of(connection)).date(),
        line_products=records.line_products,
        people=people or {},
    )
    write, items = {
        Stream.AGES: (_waivers_write, records.waivers),
        Stream.CONTACTS: (_contacts_write, records.contacts),
        Stream.ORDERS: (_orders_write, records.orders),
    }[sync_run.stream]
    for start in range(0, len(items), BATCH_SIZE):
        write(items[start : start + BATCH_SIZE], context)
        tally.flush()
    tally.flush()
    return dict(tally.counts)


@dataclass
class _Batch:
    connection: Connection
    tally: Tally
    today: dt.date
    line_products: dict[str, ProductData]
    people: dict[str, ContactData | None]


def _waivers_write(waivers: list[WaiverData], ctx: _Batch) -> None:
    """As the SignedWaiver webhook: minors are remembered (keyed hashes only) and any contact
    already stored for one is removed."""
    minimum_age = ctx.connection.minimum_age
    minors = [w for w in waivers if w.for_minor or is_minor(w.date_of_birth, minimum_age, ctx.today)]
    ids = {w.source_id for w in minors if w.source_id}
    minor_remember(connection=ctx.connection, source_ids=ids)
    for source_id in contacts_linked(connection=ctx.connection, source_ids=ids):
        contact_minor_forget(connection=ctx.connection, source_id=source_id)
        ctx.tally.add(Entity.CONTACT, Outcome.DELETED, reason=Reason.MINOR)
    for _minor in minors:
        ctx.tally.add(Entity.WAIVER, Outcome.SKIPPED, reason=Reason.MINOR)


def _contacts_write(contacts: list[ContactData], ctx: _Batch) -> None:
    connection, tally = ctx.connection, ctx.tally
    prepared = [contact_prepare(contact, connection=connection) for contact in contacts]
    ids = {c.source_id for c in prepared if c.source_id}
    minors = minors_known(connection=connection, source_ids=ids)
    # Whether a person is a known contact decides only under "update only" (otherwise it just
    # names the action; the upsert reports created or updated itself): read only then.
    linked, matched = _known(connection, prepared) if _update_only(connection) else (set(), set())
    writes, minor_ids = [], set()
    for contact in prepared:
        known = contact.source_id in linked or contact.match_value in matched
        decision = contact_decide(
            contact,
            connection=connection,
            is_known_minor=contact.source_id in minors,
            contact_known=known,
            today=ctx.today,
        )
        if decision.reason == Reason.MINOR:
            minor_ids.add(contact.source_id)
            tally.add(Entity.CONTACT, Outcome.SKIPPED, reason=Reason.MINOR)
        elif decision.writes:
            writes.append(contact)
        else:
            tally.add(Entity.CONTACT, Outcome.SKIPPED, reason=decision.reason, source_id=contact.source_id)
    for source_id in contacts_linked(
        connection=connection, source_ids=minor_ids
    ):  # stored before anyone knew: they go now
        contact_minor_forget(connection=connection, source_id=source_id)
    written = contacts_upsert(connection=connection, contacts=writes, healed=tally.healing)
    for contact, result in zip(writes, written, strict=True):
        tally.add(Entity.CONTACT, result.outcome, source_id=contact.source_id)


def _orders_write(orders: list[OrderData], ctx: _Batch) -> None:
    """As the Booking webhooks: the holder's rules first, then the holder's contact (when the
    store does not know them yet), then the order with its lines."""
    connection, tally = ctx.connection, ctx.tally
    holder_ids = {order.holder_source_id for order in orders if order.holder_source_id}
    minors = minors_known(connection=connection, source_ids=holder_ids)
    links = contacts_linked(connection=connection, source_ids=holder_ids)
    holders = _holders(ctx, links, minors)
    update_only = _update_only(connection)
    matched = _matched(connection, {holder.match_value for holder in holders.values()}) if update_only else set()
    to_write = []
    for order in orders:
        holder_id = order.holder_source_id
        holder = holders.get(holder_id) if holder_id else None
        decision = order_decide(
            order,
            holder=holder,
            holder_is_known_minor=holder_id in minors,
            connection=connection,
            contact_known=holder_id in links or (holder is not None and holder.match_value in matched),
            order_known=False,  # it only names the action; orders_upsert reports what it did
            today=ctx.today,
        )
        if decision.reason == Reason.MINOR:
            if holder_id in links:
                contact_minor_forget(connection=connection, source_id=holder_id)
            tally.add(Entity.ORDER, Outcome.SKIPPED, reason=Reason.MINOR)
        elif decision.writes:
            to_write.append(order)
        else:
            tally.add(
                Entity.ORDER,
                Outcome.SKIPPED,
                reason=decision.reason,
                source_id=order.external_id,
                detail=f"Booking {order.reference}",
            )
    contact_ids = _holders_write(ctx, to_write, links=links, holders=holders)
    orders = [replace(order, contact_id=contact_ids[order.holder_source_id]) for order in to_write]
    try:
        written = orders_upsert(connection=connection, orders=orders, healed=tally.healing)
    except ProductsMissing as missing:
        # A product the source's list no longer has: made from the line (created from order).
        _products_from_lines(ctx, missing.external_ids)
        written = orders_upsert(connection=connection, orders=orders, healed=tally.healing)
    for order, result in zip(orders, written, strict=True):
        tally.add(Entity.ORDER, result.outcome, source_id=order.external_id, detail=f"Booking {order.reference}")


def _holders(ctx: _Batch, links: dict[str, int], minors: set[str]) -> dict[str, ContactData]:
    """Each holder as the rules see them: a linked one as their stored contact (it passed the
    rules when stored), an unknown one as the source told (`ctx.people`)."""
    columns = ("id", "match_value", "email", "phone", "date_of_birth")
    stored = {
        row[0]: row
        for row in rows_where_in(
            Contact, connection_id=ctx.connection.pk, key="id", values=links.values(), columns=columns
        )
    }
    holders = {}
    for source_id, contact_id in links.items():
        row = stored.get(contact_id)
        if row is not None and source_id not in minors:
            _id, match_value, email, phone, date_of_birth = row
            holders[source_id] = ContactData(
                source_id=source_id, email=email, phone=phone, date_of_birth=date_of_birth, match_value=match_value
            )
    for source_id, person in ctx.people.items():
        if person is not None and source_id not in holders and source_id not in minors:
            holders[source_id] = contact_prepare(person, connection=ctx.connection)
    return holders


def _holders_write(ctx: _Batch, orders: list[OrderData], *, links: dict, holders: dict) -> dict[str, int]:
    """Contact ids of the orders' holders; holders the store did not know become contacts."""
    ids = {o.holder_source_id: links[o.holder_source_id] for o in orders if o.holder_source_id in links}
    new = list(
        {o.holder_source_id: holders[o.holder_source_id] for o in orders if o.holder_source_id not in ids}.values()
    )
    for person, result in zip(
        new, contacts_upsert(connection=ctx.connection, contacts=new, healed=ctx.tally.healing), strict=True
    ):
        ids[person.source_id] = result.id
        ctx.tally.add(Entity.CONTACT, result.outcome, source_id=person.source_id)
    return ids


def _products_from_lines(ctx: _Batch, external_ids: list[str]) -> None:
    wanted = [ctx.line_products[external_id] for external_id in external_ids if external_id in ctx.line_products]
    for result in products_upsert(connection=ctx.connection, products=wanted):
        if result.outcome == Outcome.CREATED:
            ctx.tally.add(Entity.PRODUCT, Outcome.CREATED, source_id=result.key, detail="Created from an order line")


def _update_only(connection: Connection) -> bool:
    return connection.contacts_mode == Connection.ContactsMode.UPDATE_ONLY


def _known(connection: Connection, contacts: list[ContactData]) -> tuple[dict, set]:
    ids = {c.source_id for c in contacts if c.source_id}
    return contacts_linked(connection=connection, source_ids=ids), _matched(
        connection, {c.match_value for c in contacts}
    )


def _matched(connection: Connection, match_values: set[str]) -> set[str]:
    values = match_values - {""}
    if not values:
        return set()
    rows = rows_where_in(
        Contact, connection_id=connection.pk, key="match_value", values=values, columns=("match_value",)
    )
    return {match_value for (match_value,) in rows}
