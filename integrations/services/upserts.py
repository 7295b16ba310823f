"""One upsert per entity, taking a batch: a webhook passes one row, an import a page of 1,000.

Each is one `INSERT … ON CONFLICT (connection_id, <key>) DO UPDATE … WHERE <version guard>`
statement per batch (raw SQL: the ORM has no conditional upsert), working on PostgreSQL and
SQLite. The guard is the rule of the synced store: a row is overwritten only by a strictly
newer source version. So an older version never overwrites a newer one whatever order they
arrive in, the same version twice changes nothing (a redelivery reports "unchanged"), and a
row without a version (a product made from an order) never overwrites anything.

Each upsert reports, per input row, whether it was created, updated or left unchanged: it
reads the batch's existing keys first, inside the same transaction, and the statement's
RETURNING says which rows it wrote.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from integrations.batch import (
    Written,
    ids_by,
    newest_per_key,
    rows_insert,
    rows_upsert,
    rows_where_in,
    table,
)
from integrations.delivery.models import OutboxItem
from integrations.delivery.services.outbox import Change, outbox_changes_queue
from integrations.models import Connection, Contact, ContactSourceLink, Order, OrderLine, Product
from integrations.outcomes import Outcome
from integrations.records import ContactData, OrderData, OrderLineData, ProductData


@dataclass(frozen=True, slots=True)
class Upserted:
    """What an upsert did with one input row (in input order)."""

    key: str  # the row's key: match value, external id
    id: int | None  # the stored row's id (None only when nothing is stored under the key)
    outcome: Outcome  # created, updated or unchanged


class ProductsMissing(Exception):
    """Orders name products the store does not know: nothing was written.

    The caller creates them (e.g. from the source's product list, marked created_from_order)
    and calls orders_upsert again.
    """

    def __init__(self, external_ids: Iterable[str]):
        self.external_ids = sorted(set(external_ids))
        super().__init__(f"{len(self.external_ids)} product(s) unknown to the store: {', '.join(self.external_ids)}")


# --- contacts -----------------------------------------------------------------------------


def contacts_upsert(*, connection: Connection, contacts: Sequence[ContactData], healed: bool = False) -> list[Upserted]:
    """Writes contacts (prepared by integrations.rules.contact_prepare) and links each source
    id to its contact. Several people with one matching value are one contact: the newest
    version among them is written, and each of them is linked to it.

    Consent that is None leaves the stored consent as it is; its time moves only when the
    value does. A person whose link holds a newer version than this row (their email changed
    since, say) is left as they are: the row is stale.
    """
    if any(not contact.match_value for contact in contacts):
        raise ValueError("Every contact needs its match value: call rules.contact_prepare first.")
    if not contacts:
        return []
    with transaction.atomic():
        links = {
            source_id: (contact_id, version)
            for source_id, contact_id, version in rows_where_in(
                ContactSourceLink,
                connection_id=connection.pk,
                key="source_id",
                values={c.source_id for c in contacts if c.source_id},
                columns=("source_id", "contact_id", "source_version"),
            )
        }
        fresh = [c for c in contacts if not _superseded(c, links.get(c.source_id))]
        newest = newest_per_key(fresh, key=lambda c: c.match_value, version=lambda c: c.source_version)
        now = timezone.now()
        t = table(Contact)
        update = {}
        for field in ("email_consent", "sms_consent"):
            # None from the source keeps ours; the time moves only when the value changes.
            update[field] = f"CASE WHEN excluded.{field} IS NULL THEN {t}.{field} ELSE excluded.{field} END"
            update[f"{field}_at"] = (
                f"CASE WHEN excluded.{field} IS NULL OR {t}.{field} = excluded.{field} "
                f"THEN {t}.{field}_at ELSE excluded.{field}_at END"
            )
        written = rows_upsert(
            Contact,
            key="match_value",
            rows=[_contact_row(connection, c, healed=healed, now=now) for c in newest.values()],
            update=update,
        )
        # A contact left as it was (a newer version is stored, perhaps committed by another
        # worker a moment ago) is still the one its people are linked to.
        ids = _ids_of(Contact, connection, "match_value", newest, written)
        _links_upsert(connection=connection, contacts=fresh, contact_ids=ids, now=now)
        outbox_changes_queue(
            connection=connection,
            kind=OutboxItem.Kind.PROFILE,
            changes=[profile_change(newest[key], contact_id=row.id) for key, row in written.items()],
        )
        fresh_ids = {id(c) for c in fresh}
        results = []
        for contact in contacts:
            if id(contact) in fresh_ids:
                results.append(_result(contact.match_value, contact, newest=newest, written=written, ids=ids))
            else:  # stale: the person's contact is the one their newer version linked them to
                results.append(Upserted(contact.match_value, links[contact.source_id][0], Outcome.UNCHANGED))
        return results


def profile_change(contact: ContactData, *, contact_id: int) -> Change:
    """A profile is one per email across the account; a contact without one is queued under
    its id, to be counted as filtered ("needs an email") rather than lost from sight."""
    return Change(profile_key(contact.email, contact_id=contact_id), contact.source_version)


def profile_key(email: str | None, *, contact_id: int) -> str:
    return (email or "").strip().lower() or f"#{contact_id}"


def _contact_row(connection: Connection, c: ContactData, *, healed: bool, now: dt.datetime) -> dict:
    consent_at = c.source_version or now
    return {
        "connection_id": connection.pk,
        "match_value": c.match_value,
        "email": c.email,
        "phone": c.phone,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "date_of_birth": c.date_of_birth,
        "gender": c.gender,
        "street": c.street,
        "city": c.city,
        "postcode": c.postcode,
        "state": c.state,
        "country": c.country,
        "email_consent": c.email_consent,
        "email_consent_at": consent_at if c.email_consent is not None else None,
        "sms_consent": c.sms_consent,
        "sms_consent_at": consent_at if c.sms_consent is not None else None,
        "source_version": c.source_version,
        "healed": healed,
        "created_at": now,
        "updated_at": now,
    }


def _superseded(contact: ContactData, link: tuple[int, dt.datetime | None] | None) -> bool:
    """A newer version of this person was written already (or this one has no version)."""
    if link is None:
        return False
    _contact_id, link_version = link
    return contact.source_version is None or (link_version is not None and link_version > contact.source_version)


def _links_upsert(
    *, connection: Connection, contacts: Sequence[ContactData], contact_ids: dict[str, int], now: dt.datetime
) -> None:
    newest = newest_per_key(
        [c for c in contacts if c.source_id], key=lambda c: c.source_id, version=lambda c: c.source_version
    )
    rows = [
        {
            "connection_id": connection.pk,
            "source_id": c.source_id,
            "contact_id": contact_ids[c.match_value],
            "source_version": c.source_version,
            "created_at": now,
        }
        for c in newest.values()
        if c.match_value in contact_ids
    ]
    rows_upsert(ContactSourceLink, key="source_id", rows=rows)


# --- products -----------------------------------------------------------------------------


def products_upsert(*, connection: Connection, products: Sequence[ProductData]) -> list[Upserted]:
    """Writes products, parents before their variations so that a variation finds its parent.

    `created_from_order` is the product's origin: set when it is created and never changed by
    an update, so products made from orders stay recognisable after a sync fills them in.
    """
    if not products:
        return []
    with transaction.atomic():
        newest = newest_per_key(products, key=lambda p: p.external_id, version=lambda p: p.source_version)
        written: dict[str, Written] = {}
        for variations in (False, True):
            phase = [p for p in newest.values() if (p.parent_external_id in newest) == variations]
            parent_ids = ids_by(Product, connection, "external_id", {p.parent_external_id for p in phase} - {None})
            now = timezone.now()
            rows = [_product_row(connection, p, parent_id=parent_ids.get(p.parent_external_id), now=now) for p in phase]
            written |= rows_upsert(Product, key="external_id", rows=rows, keep=("created_from_order",))
        ids = _ids_of(Product, connection, "external_id", newest, written)
        outbox_changes_queue(
            connection=connection,
            kind=OutboxItem.Kind.PRODUCT,
            changes=[
                Change(str(row.id), newest[key].source_version, removal=not newest[key].active)
                for key, row in written.items()
            ],
        )
        return [_result(p.external_id, p, newest=newest, written=written, ids=ids) for p in products]


def _product_row(connection: Connection, p: ProductData, *, parent_id: int | None, now: dt.datetime) -> dict:
    return {
        "connection_id": connection.pk,
        "external_id": p.external_id,
        "parent_id": parent_id,
        "name": p.name,
        "product_type": p.product_type,
        "price": p.price,
        "category": p.category,
        "active": p.active,
        "created_from_order": p.created_from_order,
        "source_version": p.source_version,
        "created_at": now,
        "updated_at": now,
    }


# --- orders -------------------------------------------------------------------------------


def orders_upsert(*, connection: Connection, orders: Sequence[OrderData], healed: bool = False) -> list[Upserted]:
    """Writes orders with their lines. The lines are always those of the newest version: they
    are replaced, under a lock on the order, only when the order row itself was written.

    Raises ProductsMissing, before writing anything, when a line names a product the store
    does not know.
    """
    if any(order.contact_id is None for order in orders):
        raise ValueError("Every order needs its contact: an order is never stored without one.")
    if not orders:
        return []
    with transaction.atomic():
        newest = newest_per_key(orders, key=lambda o: o.external_id, version=lambda o: o.source_version)
        wanted = {line.product_external_id for o in newest.values() for line in o.lines}
        product_ids = ids_by(Product, connection, "external_id", wanted)
        if wanted - set(product_ids):
            raise ProductsMissing(wanted - set(product_ids))
        now = timezone.now()
        rows = [_order_row(connection, o, healed=healed, now=now) for o in newest.values()]
        written = rows_upsert(Order, key="external_id", rows=rows)
        if written:
            _lines_replace(
                orders=[newest[key] for key in written],
                order_ids={key: w.id for key, w in written.items()},
                product_ids=product_ids,
                replacing=[w.id for w in written.values() if not w.created],
            )
        ids = _ids_of(Order, connection, "external_id", newest, written)
        completed = _lines_complete(connection, newest=newest, written=written, ids=ids, product_ids=product_ids)
        # An order completed by a later part of its booking changed too: its purchase goes again.
        outbox_changes_queue(
            connection=connection,
            kind=OutboxItem.Kind.PURCHASE,
            changes=[Change(str(row.id), newest[key].source_version) for key, row in written.items()]
            + [Change(str(ids[key]), newest[key].source_version) for key in completed],
        )
        return [
            Upserted(o.external_id, ids[o.external_id], Outcome.UPDATED)
            if o.external_id in completed and newest[o.external_id] is o
            else _result(o.external_id, o, newest=newest, written=written, ids=ids)
            for o in orders
        ]


def _lines_complete(
    connection: Connection,
    *,
    newest: dict[str, OrderData],
    written: dict,
    ids: dict[str, int],
    product_ids: dict[str, int],
) -> set[str]:
    """Adds to orders stored at this very version the lines they lack; returns their keys.

    A source's export files are split by record count, so one booking's item rows can end one
    file and begin the next (or two batches of one), each part with the booking's same
    version. The guard leaves the second part "unchanged", and the order would keep only the
    first part's lines. At the same version the parts are one booking: the lines not stored
    yet are added. A line removed at the source comes with a newer version, which replaces
    them all; the same part again adds nothing (a redelivery stays unchanged)."""
    unwritten = {key: ids[key] for key in newest if key not in written and key in ids}
    if not unwritten:
        return set()
    # Locked: two parts read at once add their lines one after the other.
    stored = dict(
        Order.objects.select_for_update()
        .filter(connection=connection, id__in=unwritten.values())
        .values_list("id", "source_version")
    )
    same = {
        key: order_id
        for key, order_id in unwritten.items()
        if newest[key].source_version is not None and stored.get(order_id) == newest[key].source_version
    }
    if not same:
        return set()
    have = set(OrderLine.objects.filter(order_id__in=same.values()).values_list("order_id", "external_id"))
    rows, completed = [], set()
    for key, order_id in same.items():
        for line in {line.external_id: line for line in newest[key].lines}.values():
            if (order_id, line.external_id) in have:
                continue
            completed.add(key)
            rows.append(_line_row(order_id, line, product_ids))
    rows_insert(OrderLine, rows=rows)
    Order.objects.filter(id__in=[same[key] for key in completed]).update(updated_at=timezone.now())
    return completed


def _order_row(connection: Connection, o: OrderData, *, healed: bool, now: dt.datetime) -> dict:
    return {
        "connection_id": connection.pk,
        "external_id": o.external_id,
        "reference": o.reference,
        "contact_id": o.contact_id,
        "channel": o.channel,
        "source_channel": o.source_channel,
        "status": o.status,
        "ordered_at": o.ordered_at,
        "visit_date": o.visit_date,
        "total": o.total,
        "discount": o.discount,
        "currency": o.currency,
        "source_version": o.source_version,
        "healed": healed,
        "created_at": now,
        "updated_at": now,
    }


def _lines_replace(
    *, orders: Sequence[OrderData], order_ids: dict[str, int], product_ids: dict[str, int], replacing: list[int]
) -> None:
    """Writes the orders' lines; `replacing` are the orders that existed, whose old lines go.

    A new order has no lines to delete (an import creates thousands). Two versions of one
    order replace its lines one after the other, never interleaved: the upsert that wrote the
    order holds its row lock until commit, so the other waits at its own upsert (PostgreSQL;
    SQLite serialises write transactions anyway).
    """
    if replacing:
        OrderLine.objects.filter(order_id__in=replacing).delete()
    rows = [
        _line_row(order_ids[order.external_id], line, product_ids)
        for order in orders
        for line in {line.external_id: line for line in order.lines}.values()  # a line twice counts once
    ]
    rows_insert(OrderLine, rows=rows)


def _line_row(order_id: int, line: OrderLineData, product_ids: dict[str, int]) -> dict:
    return {
        "order_id": order_id,
        "external_id": line.external_id,
        "product_id": product_ids[line.product_external_id],
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "discount": line.discount,
        "visit_date": line.visit_date,
    }


# --- shared -------------------------------------------------------------------------------


def _result(key: str, item: object, *, newest: dict, written: dict[str, Written], ids: dict[str, int]) -> Upserted:
    """What happened to one input row: only the newest row of its key can have been written."""
    row = written.get(key)
    if row is None or newest[key] is not item:
        return Upserted(key, ids.get(key), Outcome.UNCHANGED)
    return Upserted(key, row.id, Outcome.CREATED if row.created else Outcome.UPDATED)


def _ids_of(model: type, connection: Connection, key: str, newest: dict, written: dict[str, Written]) -> dict[str, int]:
    """{key: id} of every key: the written rows' from the upsert, the others' read (few)."""
    ids = {key: row.id for key, row in written.items()}
    unwritten = [key for key in newest if key not in ids]
    return ids | (ids_by(model, connection, key, unwritten) if unwritten else {})
