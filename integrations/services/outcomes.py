"""Recording what happened to each record, and counting it per day.

RecordOutcome rows are purged after a while; OutcomeDailyCount keeps the numbers (per
connection, day, entity, outcome and reason) so that "how many bookings were left out for
having no contact, this month" can still be answered.
"""

from collections import Counter
from collections.abc import Sequence

from django.db import connection as db
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from integrations.batch import rows_insert
from integrations.locality import connection_zone
from integrations.models import Connection, OutcomeDailyCount, RecordOutcome, SyncRun, WebhookEvent
from integrations.outcomes import Reason
from integrations.records import OutcomeData


def outcomes_record(
    *,
    connection: Connection,
    outcomes: Sequence[OutcomeData] = (),
    entity: str | None = None,
    rows: Sequence[tuple[str, str, str, str]] = (),
    webhook_event: WebhookEvent | None = None,
    sync_run: SyncRun | None = None,
    healed: bool = False,
) -> QuerySet[RecordOutcome]:
    """Stores the outcomes (one statement) and adds them to the day's counts (one more).

    Returns the stored rows as a lazy queryset: imports record thousands and never read them
    back (the ORM's bulk_create took a quarter of an import's write time).

    An outcome about a minor keeps no source id and no detail, whatever the caller passed:
    nothing about a minor is stored, not even in the log of what was left out.

    `entity` with `rows` of (source_id, outcome, reason, detail) is a shorthand for outcomes
    of one entity.
    """
    outcomes = [
        *outcomes,
        *(OutcomeData(entity, outcome, reason, source_id, detail) for source_id, outcome, reason, detail in rows),
    ]
    if not outcomes:
        return []
    now = timezone.now()
    rows = [
        {
            "connection_id": connection.pk,
            "entity": o.entity,
            "outcome": o.outcome,
            "reason": o.reason,
            "source_id": "" if o.reason == Reason.MINOR else o.source_id[:64],
            "detail": "" if o.reason == Reason.MINOR else o.detail[:300],
            "webhook_event_id": webhook_event.pk if webhook_event else None,
            "sync_run_id": sync_run.pk if sync_run else None,
            "healed": healed,
            "created_at": now,
        }
        for o in outcomes
    ]
    with transaction.atomic():
        ids = rows_insert(RecordOutcome, rows=rows)
        _daily_counts_add(connection, Counter((o.entity, o.outcome, o.reason) for o in outcomes))
    return RecordOutcome.objects.filter(pk__in=ids).order_by("pk")


def _daily_counts_add(connection: Connection, counts: Counter) -> None:
    """count = count + n, in one INSERT … ON CONFLICT, so concurrent workers never lose one."""
    day = timezone.localdate(timezone=connection_zone(connection))  # the venue's day, as the account's users see it
    qn = db.ops.quote_name
    table = qn(OutcomeDailyCount._meta.db_table)
    key = ", ".join(qn(c) for c in ("connection_id", "day", "entity", "outcome", "reason"))
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(counts))
    params = []
    for (entity, outcome, reason), count in sorted(counts.items()):
        params += [connection.pk, db.ops.adapt_datefield_value(day), entity, outcome, reason, count]
    with db.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key}, {qn('count')}) VALUES {values} "  # noqa: S608 - our identifiers
            f"ON CONFLICT ({key}) DO UPDATE SET {qn('count')} = {table}.{qn('count')} + excluded.{qn('count')}",
            params,
        )
