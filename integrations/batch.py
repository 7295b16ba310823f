"""The SQL under the upserts: a batch of rows in one statement, on PostgreSQL and SQLite.

PostgreSQL gets the rows as one JSON document (`SELECT * FROM jsonb_to_recordset(%s)`): a
page of 1,000 contacts is one parameter, not 21,000, which the driver would otherwise spend
most of the time quoting and parsing. SQLite gets a multi-row VALUES list, in as few statements
as its parameter limit allows.
"""

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection as db
from django.db import models

from integrations.models import Connection

# Types the SQLite driver cannot take as they are (aware datetimes, dates, decimals): Django's
# own preparation turns them into what the ORM would have stored. PostgreSQL reads them from
# their JSON text.
_PREPARED_TYPES = (models.DateTimeField, models.DateField, models.DecimalField)


@dataclass(frozen=True, slots=True)
class Written:
    """A row an upsert inserted (created) or updated."""

    id: int
    created: bool


def rows_upsert(
    model: type[models.Model], *, key: str, rows: list[dict], keep: Sequence[str] = (), update: dict | None = None
) -> dict[str, Written]:
    """INSERT … ON CONFLICT (connection_id, key) DO UPDATE … WHERE the stored version is older.

    The guard is strict: the same version twice changes nothing, and a row without a version
    never overwrites one. Returns {key: Written} of the rows inserted or updated: a key that
    is missing was left as it was. `keep` columns (and created_at) are never updated; `update`
    gives some columns their own expression.

    Whether a row was created is told by the statement itself, so no read of the existing
    keys comes first: created_at is written only by the insert, so a row that comes back with
    this call's created_at is one it inserted. (Two workers taking the same microsecond for
    the same key would both say created; for an order, the unique line ids then refuse the
    second set of lines and its task is retried.)
    """
    if not rows:
        return {}
    qn, t, update = db.ops.quote_name, table(model), update or {}
    # Always the same order of keys, so two batches sharing rows lock them in the same order
    # and never deadlock.
    rows = sorted(rows, key=lambda row: row[key])
    columns = list(rows[0])
    created_at = rows[0]["created_at"]
    if any(row["created_at"] != created_at for row in rows):
        raise ValueError("rows_upsert tells created rows by their created_at: give every row the same one.")
    sets = ", ".join(
        f"{qn(column)} = {update.get(column, f'excluded.{qn(column)}')}"
        for column in columns
        if column not in ("connection_id", key, "created_at", *keep)
    )
    guard = (
        f"excluded.source_version IS NOT NULL "
        f"AND ({t}.source_version IS NULL OR {t}.source_version < excluded.source_version)"
    )
    created_param = model._meta.get_field("created_at").get_db_prep_save(created_at, db)
    written: dict[str, Written] = {}
    for source, params in _sources(model, columns, rows, key=key):
        sql = (
            f"INSERT INTO {t} ({', '.join(map(qn, columns))}) {source} "
            f"ON CONFLICT ({qn('connection_id')}, {qn(key)}) DO UPDATE SET {sets} WHERE {guard} "
            f"RETURNING {qn(key)}, {qn('id')}, {qn('created_at')} = %s"
        )
        with db.cursor() as cursor:
            cursor.execute(sql, [*params, created_param])
            written.update((row_key, Written(row_id, bool(created))) for row_key, row_id, created in cursor.fetchall())
    return written


def rows_insert(model: type[models.Model], *, rows: list[dict]) -> list[int]:
    """Plain INSERT of many rows (one statement on PostgreSQL); returns their ids."""
    if not rows:
        return []
    columns, ids = list(rows[0]), []
    for source, params in _sources(model, columns, rows):
        sql = f"INSERT INTO {table(model)} ({', '.join(map(db.ops.quote_name, columns))}) {source} RETURNING id"
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            ids += [row[0] for row in cursor.fetchall()]
    return ids


def _sources(
    model: type[models.Model], columns: list[str], rows: list[dict], *, key: str | None = None
) -> Iterator[tuple[str, list]]:
    """(row source, parameters) per statement: one JSON document, or VALUES lists."""
    fields = {field.attname: field for field in model._meta.concrete_fields}
    prepare = [_preparer(fields[column], is_key=column == key) for column in columns]
    if db.vendor == "postgresql":
        # One parameter whatever the batch size; PostgreSQL casts each value to its column.
        record = ", ".join(f"{db.ops.quote_name(column)} {fields[column].db_type(db)}" for column in columns)
        source = f"SELECT * FROM jsonb_to_recordset(%s::jsonb) AS r({record})"  # noqa: S608 - our names
        # Only the columns that need it are touched, and dates and decimals arrive as text:
        # json.dumps then stays in C instead of calling back into Python for every value.
        touched = [(column, to_db) for column, to_db in zip(columns, prepare, strict=True) if to_db is not _unchanged]
        prepared = []
        for row in rows:
            row = dict(row)
            for column, to_db in touched:
                row[column] = to_db(row[column])
            prepared.append(row)
        yield source, [json.dumps(prepared, default=_json_value)]
        return
    db.ensure_connection()
    size = max(1, db.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(columns))
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        params = [to_db(row[column]) for row in chunk for column, to_db in zip(columns, prepare, strict=True)]
        yield "VALUES " + ", ".join([placeholders] * len(chunk)), params


def row_sources(model: type[models.Model], columns: list[str], rows: list[dict]) -> Iterator[tuple[str, list]]:
    """The row sources of an INSERT of `rows` into `model` (one JSON document on PostgreSQL,
    VALUES lists on SQLite), for other conditional upserts than rows_upsert's."""
    return _sources(model, columns, rows)


def _json_value(value: object) -> str:
    if isinstance(value, dt.date):  # dates, and aware datetimes with their offset
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"Cannot pass {type(value).__name__} to the database as JSON.")


def _preparer(field: models.Field, *, is_key: bool) -> Callable:
    """How a value goes to the database. Text longer than its column is cut (a source's
    address line must not fail a page of 1,000), except the key, which must stay exact."""
    if isinstance(field, models.CharField) and field.max_length and not is_key:
        limit = field.max_length
        return lambda value: value[:limit] if isinstance(value, str) and len(value) > limit else value
    if isinstance(field, models.JSONField):  # PostgreSQL's JSON takes the value as it is
        return (lambda value: field.get_db_prep_save(value, db)) if db.vendor == "sqlite" else _unchanged
    if db.vendor == "sqlite" and isinstance(field, _PREPARED_TYPES):
        return lambda value: field.get_db_prep_save(value, db)
    if isinstance(field, _PREPARED_TYPES):  # PostgreSQL's JSON: ISO dates (with offsets), decimal text
        return _as_json_text
    return _unchanged


def _as_json_text(value: object) -> object:
    return value if value is None or isinstance(value, (str, int, float)) else _json_value(value)


def _unchanged(value: object) -> object:
    return value


def table(model: type[models.Model]) -> str:
    return db.ops.quote_name(model._meta.db_table)


def newest_per_key(items: Iterable, *, key: Callable, version: Callable) -> dict:
    """One item per key, the newest version (a page may carry one record twice)."""
    newest: dict = {}
    for item in items:
        current = newest.get(key(item))
        if current is None or is_newer(version(item), version(current)):
            newest[key(item)] = item
    return newest


def is_newer(version: dt.datetime | None, than: dt.datetime | None) -> bool:
    return version is not None and (than is None or version > than)


def ids_by(model: type[models.Model], connection: Connection, key: str, values: Iterable) -> dict[str, int]:
    """{key value: id} of the connection's rows with these key values (one query)."""
    return dict(rows_where_in(model, connection_id=connection.pk, key=key, values=values, columns=(key, "id")))


def rows_where_in(
    model: type[models.Model], *, connection_id: int, key: str, values: Iterable, columns: Sequence[str]
) -> list[tuple]:
    """`columns` of the connection's rows whose `key` is one of `values` (one query). `key`
    is unique within a connection (source ids, match values, external ids, guest hashes).

    PostgreSQL gets the values as one array: the ORM's `__in` with a page's 1,000
    placeholders cost more to build and quote, in Python, than the query took to run. Each
    value is looked up in the (connection, key) index (a LATERAL probe): `key = ANY(…)` was
    planned as a scan of all the connection's rows, a venue's whole history for a day's keys,
    whenever the statistics were missing or old (a first import fills empty tables).
    """
    values = list(dict.fromkeys(values))
    if not values:
        return []
    if db.vendor != "postgresql":
        return list(model.objects.filter(connection_id=connection_id, **{f"{key}__in": values}).values_list(*columns))
    qn = db.ops.quote_name
    outer, inner = ", ".join(f"m.{qn(column)}" for column in columns), ", ".join(map(qn, columns))
    keys = f"unnest(%s::{_array_type(model, key)}) AS k(value)"
    sql = (
        f"SELECT {outer} FROM {keys} CROSS JOIN LATERAL (SELECT {inner} FROM {table(model)} "  # noqa: S608 - our names
        f"WHERE {qn('connection_id')} = %s AND {qn(key)} = k.value LIMIT 1) AS m"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [values, connection_id])
        return cursor.fetchall()


def _array_type(model: type[models.Model], key: str) -> str:
    field = model._meta.get_field(key)
    return ("bigint" if isinstance(field, models.AutoField) else "text") + "[]"
