"""The one path into the store: plain records from any connector → minors → matching →
decisions → upserts → outcomes.

Webhook handlers ingest a batch of one, an import window batches of a thousand, a product
sync the changed part of the catalogue, and the wizard's preview seven days with
`dry_run=True`, which decides everything exactly as a real run would and writes nothing. The
rules (integrations.rules) are composed here and nowhere else.

A batch is taken in a fixed order (integrations.records.RecordBatch): products, age evidence,
people deleted at the source, contacts, then orders with their holders. So a minor named by a
waiver in the batch is known before any contact or order of the same batch is decided.

The caller holds the transaction: a failure anywhere rolls the whole batch back, outcomes
included. Nothing about a minor is written: not their contact, not their id in an outcome
(integrations.services.outcomes drops it), only the keyed hash that recognises them again
(integrations.minors). The source ids of the minors a batch revealed are returned, in memory,
so the connector can forget what it cached about them and redact its stored payload.

A first import's recent days are read while the history's age checks may still be on their
way: with `hold_unknown_ages`, a person of unknown age (no date of birth, not a known minor)
is held with the orders they hold (integrations.services.held) instead of written, and decided
here again once every age check is read (integrations.services.held_release).
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace

from django.utils import timezone

from integrations.batch import rows_where_in
from integrations.locality import connection_zone
from integrations.minors import is_minor, minor_remember, minors_known
from integrations.models import Connection, Contact, Order, SyncRun, WebhookEvent
from integrations.outcomes import Entity, Outcome, Reason
from integrations.records import ContactData, OrderData, OutcomeData, RecordBatch
from integrations.rules import Decision, contact_decide, contact_prepare, order_decide
from integrations.services.contacts import Removal, contact_guest_delete, contact_minor_forget, contacts_linked
from integrations.services.held import records_hold
from integrations.services.outcomes import outcomes_record
from integrations.services.upserts import ProductsMissing, contacts_upsert, orders_upsert, products_upsert

# How an import splits what it read: one upsert statement per entity for this many records.
BATCH_SIZE = 1000

PRODUCT_GONE = "No longer in the source's product list: now inactive"
REMOVAL_DETAIL = {
    Removal.NOT_LINKED: "No contact was linked to this guest.",
    Removal.UNLINKED: "The guest's link was removed; the contact stays, other guests link to it.",
    Removal.CONTACT_DELETED: "The contact and its orders were removed.",
}


@dataclass(frozen=True, slots=True)
class Ingested:
    """What the path did, or in a dry run would do, with one contact or order of the batch."""

    entity: str  # Entity.CONTACT or Entity.ORDER
    record: ContactData | OrderData  # a contact as prepared by the rules
    decision: Decision
    holder: ContactData | None = None  # an order's holder, as the rules saw them
    # A contact whose matching value an earlier contact of the batch has: one contact in the
    # store, written once (the upsert keeps the newest version).
    same_as_earlier: bool = False


@dataclass
class IngestResult:
    items: list[Ingested] = field(default_factory=list)
    outcomes: list[OutcomeData] = field(default_factory=list)  # recorded unless a dry run
    counts: Counter = field(default_factory=Counter)  # "entity.outcome[.reason]" → n
    # Source ids the batch showed to be minors. In memory only, never stored: for the
    # connector to drop its caches and redact what it kept.
    minors: set[str] = field(default_factory=set)
    # People of unknown age and the orders they hold, kept back (hold_unknown_ages).
    held_people: list[ContactData] = field(default_factory=list)
    held_orders: list[OrderData] = field(default_factory=list)


def ingest(
    *,
    connection: Connection,
    batch: RecordBatch,
    dry_run: bool = False,
    webhook_event: WebhookEvent | None = None,
    sync_run: SyncRun | None = None,
    healed: bool = False,
    record_unchanged: bool = True,
    today: dt.date | None = None,
    hold_unknown_ages: bool = False,
) -> IngestResult:
    """Runs the batch through the rules into the store and records an outcome per record
    (against the webhook event or the sync run it came from).

    `healed`: the batch is a reconciliation's, so what it writes was missed by the webhooks
    and is marked so. `record_unchanged=False` counts unchanged records without storing an
    outcome for each (a product sync sees the whole catalogue every time).
    `hold_unknown_ages`: a first import's recent days, read before its history's age checks;
    who could still turn out a minor is held against `sync_run`, not written.
    """
    if hold_unknown_ages and sync_run is None and not dry_run:
        raise ValueError("Records are held against the run that read them: give the sync_run.")
    run = _Run(
        connection=connection,
        batch=batch,
        dry_run=dry_run,
        healed=healed,
        today=today or timezone.localdate(timezone=connection_zone(connection)),
        hold=hold_unknown_ages,
    )
    for failed in batch.failed:
        run.outcome(
            failed.entity, failed.outcome, reason=failed.reason, source_id=failed.source_id, detail=failed.detail
        )
    products_ingest(run)
    ages_ingest(run)
    removals_ingest(run)
    contacts_ingest(run)
    orders_ingest(run)
    if not dry_run:
        if hold_unknown_ages:
            records_hold(sync_run=sync_run, people=run.result.held_people, orders=run.result.held_orders)
        _outcomes_store(run, webhook_event=webhook_event, sync_run=sync_run, record_unchanged=record_unchanged)
    return run.result


def batches(batch: RecordBatch, size: int = BATCH_SIZE) -> list[RecordBatch]:
    """The batch cut into batches of at most `size` records of each kind, in the ingest order.
    What concerns the whole batch (people, line products, the product resolver) goes with
    each; what failed to be read goes with the first."""
    kinds = ("products", "ages", "removed", "contacts", "orders")
    longest = max((len(getattr(batch, kind)) for kind in kinds), default=0)
    parts = []
    for start in range(0, max(longest, 1), size):
        parts.append(
            replace(
                batch,
                failed=batch.failed if start == 0 else [],
                records_seen=batch.records_seen if start == 0 else 0,
                **{kind: getattr(batch, kind)[start : start + size] for kind in kinds},
            )
        )
    return parts


# --- one run through the path -------------------------------------------------------------------


@dataclass
class _Run:
    connection: Connection
    batch: RecordBatch
    dry_run: bool
    healed: bool
    today: dt.date
    hold: bool = False
    result: IngestResult = field(default_factory=IngestResult)

    @property
    def update_only(self) -> bool:
        return self.connection.contacts_mode == Connection.ContactsMode.UPDATE_ONLY

    def outcome(self, entity: str, outcome: str, *, reason: str = "", source_id: str = "", detail: str = "") -> None:
        self.result.counts[".".join(part for part in (entity, outcome, reason) if part)] += 1
        self.result.outcomes.append(OutcomeData(entity, outcome, reason, source_id, detail))

    def minors_among(self, source_ids: set[str]) -> set[str]:
        """Which of these people are known minors: remembered in the store, or shown to be
        one earlier in this batch."""
        known = minors_known(connection=self.connection, source_ids=source_ids - self.result.minors)
        return known | (source_ids & self.result.minors)


def products_ingest(run: _Run) -> None:
    """The catalogue's changed products (the upsert writes parents before their variations)."""
    products = run.batch.products
    if not products or run.dry_run:
        return
    for product, result in zip(products, products_upsert(connection=run.connection, products=products), strict=True):
        detail = PRODUCT_GONE if product.external_id in run.batch.products_gone else ""
        run.outcome(Entity.PRODUCT, result.outcome, source_id=product.external_id, detail=detail)


def ages_ingest(run: _Run) -> None:
    """Minors named by age evidence (a signed waiver) are remembered as keyed hashes, and any
    contact already stored for one is removed."""
    minimum_age = run.connection.minimum_age
    minors = [a for a in run.batch.ages if a.for_minor or is_minor(a.date_of_birth, minimum_age, run.today)]
    ids = {a.source_id for a in minors if a.source_id}
    run.result.minors |= ids
    if not run.dry_run:
        minor_remember(connection=run.connection, source_ids=ids)
        for _removal in _minors_forget(run, ids):
            run.outcome(Entity.CONTACT, Outcome.DELETED, reason=Reason.MINOR)
    for _minor in minors:
        run.outcome(Entity.WAIVER, Outcome.SKIPPED, reason=Reason.MINOR)


def removals_ingest(run: _Run) -> None:
    """People deleted at the source: their link goes, and their contact with its orders once
    no other person links to it."""
    for source_id in run.batch.removed:
        removal = Removal.NOT_LINKED
        if not run.dry_run:
            removal = contact_guest_delete(connection=run.connection, source_id=source_id)
        run.outcome(
            Entity.CONTACT,
            Outcome.DELETED,
            reason=Reason.DELETED_AT_SOURCE,
            source_id=source_id,
            detail=REMOVAL_DETAIL[removal],
        )


def contacts_ingest(run: _Run) -> None:
    connection = run.connection
    prepared = [contact_prepare(contact, connection=connection) for contact in run.batch.contacts]
    if not prepared:
        return
    ids = {c.source_id for c in prepared if c.source_id}
    minors = run.minors_among(ids)
    # Whether a person is a known contact decides only under "update only"; otherwise it just
    # names the action, and the upsert reports created or updated itself. A dry run names it.
    linked, matched = ({}, set())
    if run.update_only or run.dry_run:
        linked = contacts_linked(connection=connection, source_ids=ids)
        matched = _matched(connection, {c.match_value for c in prepared})
    writes, minor_ids, seen = [], set(), set()
    for as_read, contact in zip(run.batch.contacts, prepared, strict=True):
        known = contact.source_id in linked or contact.match_value in matched
        if run.dry_run and contact.match_value in seen:
            known = True  # as written by the earlier contact of this batch
        decision = contact_decide(
            contact,
            connection=connection,
            is_known_minor=contact.source_id in minors,
            contact_known=known,
            today=run.today,
        )
        same = False
        if decision.reason == Reason.MINOR:
            minor_ids.add(contact.source_id)
            run.outcome(Entity.CONTACT, Outcome.SKIPPED, reason=Reason.MINOR)
        elif decision.writes and run.hold and contact.date_of_birth is None:
            run.result.held_people.append(as_read)  # could be a minor a waiver still to come names
        elif decision.writes:
            same = contact.match_value in seen
            seen.add(contact.match_value)
            writes.append(contact)
        else:
            run.outcome(Entity.CONTACT, Outcome.SKIPPED, reason=decision.reason, source_id=contact.source_id)
        run.result.items.append(Ingested(Entity.CONTACT, contact, decision, same_as_earlier=same))
    run.result.minors |= minor_ids - {""}
    if run.dry_run:
        return
    list(_minors_forget(run, minor_ids))  # stored before anyone knew: they go now
    for contact, result in zip(
        writes, contacts_upsert(connection=connection, contacts=writes, healed=run.healed), strict=True
    ):
        run.outcome(Entity.CONTACT, result.outcome, source_id=contact.source_id)


def orders_ingest(run: _Run) -> None:
    """The holder's rules first, then the holder's contact, then the order with its lines; an
    order naming products the store lacks creates them and is written again."""
    connection, orders = run.connection, run.batch.orders
    if not orders:
        return
    holder_ids = {order.holder_source_id for order in orders if order.holder_source_id}
    minors = run.minors_among(holder_ids)
    links = contacts_linked(connection=connection, source_ids=holder_ids)
    holders, described = _holders(run, links, minors)
    matched = set()
    if run.update_only or run.dry_run:
        matched = _matched(connection, {holder.match_value for holder in holders.values()})
    known_orders = set()
    if run.dry_run:  # a real run's upsert reports created or updated itself
        known_orders = {
            key
            for (key,) in rows_where_in(
                Order,
                connection_id=connection.pk,
                key="external_id",
                values={o.external_id for o in orders},
                columns=("external_id",),
            )
        }
    to_write, held_holders = [], {}
    for order in orders:
        holder_id = order.holder_source_id
        holder = holders.get(holder_id) if holder_id else None
        decision = order_decide(
            order,
            holder=holder,
            holder_is_known_minor=holder_id in minors,
            connection=connection,
            contact_known=holder_id in links or (holder is not None and holder.match_value in matched),
            order_known=order.external_id in known_orders,
            today=run.today,
            holder_left_out=run.batch.people_left_out.get(holder_id, "") if holder_id else "",
        )
        if decision.reason == Reason.MINOR:
            if holder_id:
                run.result.minors.add(holder_id)
                if not run.dry_run and holder_id in links:  # stored before anyone knew: they go now
                    contact_minor_forget(connection=connection, source_id=holder_id)
            run.outcome(Entity.ORDER, Outcome.SKIPPED, reason=Reason.MINOR)
        elif decision.writes and run.hold and holder_id in described and holder.date_of_birth is None:
            # Its holder's age is unknown yet: the order waits with them (a stored holder
            # passed the rules when stored, and is used as it is).
            held_holders[holder_id] = run.batch.people[holder_id]
            run.result.held_orders.append(order)
        elif decision.writes:
            to_write.append(order)
        else:
            run.outcome(
                Entity.ORDER,
                Outcome.SKIPPED,
                reason=decision.reason,
                source_id=order.external_id,
                detail=f"Booking {order.reference}",
            )
        run.result.items.append(Ingested(Entity.ORDER, order, decision, holder=holder))
    run.result.held_people += held_holders.values()
    if run.dry_run or not to_write:
        return
    contact_ids = _holders_write(run, to_write, links=links, holders=holders, described=described)
    to_write = [replace(order, contact_id=contact_ids[order.holder_source_id]) for order in to_write]
    try:
        written = orders_upsert(connection=connection, orders=to_write, healed=run.healed)
    except ProductsMissing as missing:
        # A product the store does not know yet (new since the last product sync, or gone
        # from the source's list): created as the source describes it, then written again.
        _products_for_lines(run, missing.external_ids, to_write)
        written = orders_upsert(connection=connection, orders=to_write, healed=run.healed)
    for order, result in zip(to_write, written, strict=True):
        run.outcome(Entity.ORDER, result.outcome, source_id=order.external_id, detail=f"Booking {order.reference}")


# --- holders and products ------------------------------------------------------------------------


def _holders(run: _Run, links: dict[str, int], minors: set[str]) -> tuple[dict[str, ContactData], set[str]]:
    """Each holder as the rules see them: as the source described them in this batch
    (`batch.people`), else as their stored contact (it passed the rules when stored). Also
    returns the ids of holders the batch described, whose contacts the order writes."""
    people = run.batch.people
    stored_ids = {contact_id for source_id, contact_id in links.items() if source_id not in people}
    columns = ("id", "match_value", "email", "phone", "date_of_birth")
    stored = {
        row[0]: row
        for row in rows_where_in(Contact, connection_id=run.connection.pk, key="id", values=stored_ids, columns=columns)
    }
    holders, described = {}, set()
    for source_id, person in people.items():
        if person is not None and source_id not in minors:
            holders[source_id] = contact_prepare(person, connection=run.connection)
            described.add(source_id)
    for source_id, contact_id in links.items():
        row = stored.get(contact_id)
        if source_id in people or row is None or source_id in minors:
            continue
        _id, match_value, email, phone, date_of_birth = row
        holders[source_id] = ContactData(
            source_id=source_id, email=email, phone=phone, date_of_birth=date_of_birth, match_value=match_value
        )
    return holders, described


def _holders_write(
    run: _Run, orders: list[OrderData], *, links: dict[str, int], holders: dict[str, ContactData], described: set[str]
) -> dict[str, int]:
    """Contact ids of the orders' holders: a holder the batch described is written (created
    or brought up to date), a stored one is used as it is."""
    ids = {o.holder_source_id: links[o.holder_source_id] for o in orders if o.holder_source_id not in described}
    new = list(
        {o.holder_source_id: holders[o.holder_source_id] for o in orders if o.holder_source_id in described}.values()
    )
    for person, result in zip(
        new, contacts_upsert(connection=run.connection, contacts=new, healed=run.healed), strict=True
    ):
        ids[person.source_id] = result.id
        run.outcome(Entity.CONTACT, result.outcome, source_id=person.source_id)
    return ids


def _products_for_lines(run: _Run, external_ids: list[str], orders: list[OrderData]) -> None:
    batch = run.batch
    if batch.products_resolve is not None:
        wanted = batch.products_resolve(external_ids)
    else:
        wanted = [
            batch.line_products[external_id] for external_id in external_ids if external_id in batch.line_products
        ]
    named_by = {}
    for order in orders:
        for line in order.lines:
            named_by.setdefault(line.product_external_id, order.reference)
    for result in products_upsert(connection=run.connection, products=wanted):
        if result.outcome == Outcome.CREATED:
            reference = named_by.get(result.key)
            detail = f"Created from booking {reference}" if reference else "Created from an order line"
            run.outcome(Entity.PRODUCT, Outcome.CREATED, source_id=result.key, detail=detail)


# --- shared --------------------------------------------------------------------------------------


def _minors_forget(run: _Run, source_ids: set[str]) -> list[Removal]:
    """Removes what the store holds of these people, now known to be minors."""
    linked = contacts_linked(connection=run.connection, source_ids=source_ids - {""})
    return [contact_minor_forget(connection=run.connection, source_id=source_id) for source_id in linked]


def _matched(connection: Connection, match_values: set[str]) -> set[str]:
    values = match_values - {""}
    if not values:
        return set()
    rows = rows_where_in(
        Contact, connection_id=connection.pk, key="match_value", values=values, columns=("match_value",)
    )
    return {match_value for (match_value,) in rows}


def _outcomes_store(
    run: _Run, *, webhook_event: WebhookEvent | None, sync_run: SyncRun | None, record_unchanged: bool
) -> None:
    """One statement for the batch's outcomes; a reconciliation's writes are marked healed, so
    a broken webhook shows up instead of hiding."""
    plain, healed = [], []
    for outcome in run.result.outcomes:
        if outcome.outcome == Outcome.UNCHANGED and not record_unchanged:
            continue
        (healed if run.healed and outcome.outcome in (Outcome.CREATED, Outcome.UPDATED) else plain).append(outcome)
    for is_healed, outcomes in ((False, plain), (True, healed)):
        if outcomes:
            outcomes_record(
                connection=run.connection,
                outcomes=outcomes,
                webhook_event=webhook_event,
                sync_run=sync_run,
                healed=is_healed,
            )
