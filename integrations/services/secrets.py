"""Re-encrypting every stored secret under the newest key."""

from django.apps import apps
from django.db import connection, transaction

from integrations.encryption import reencrypt
from integrations.fields import EncryptedTextField


def encrypted_fields() -> list[tuple[type, list[str]]]:
    """Every model with encrypted fields, and those fields' names."""
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


def secrets_rotate() -> int:
    """Re-encrypts every secret with the first of FIELD_ENCRYPTION_KEYS; returns the count.

    Reads the raw ciphertext with SQL (the ORM would hand back decrypted values) so each
    value is one MultiFernet.rotate, and runs in one transaction: a key that opens nothing fails before any write.
    """
    rotated = 0
    with transaction.atomic():
        for model, names in encrypted_fields():
            columns = [model._meta.get_field(name).column for name in names]
            table = model._meta.db_table
            raw_rows = _raw_rows(table, model._meta.pk.column, columns)
            for pk, *values in raw_rows:
                updates = {col: reencrypt(v) for col, v in zip(columns, values, strict=True) if v}
                if updates:
                    _raw_update(table, model._meta.pk.column, pk, updates)
                    rotated += len(updates)
    return rotated


def _raw_rows(table: str, pk_column: str, columns: list[str]) -> list[tuple]:
    quote = connection.ops.quote_name
    sql = f"SELECT {quote(pk_column)}, {', '.join(quote(c) for c in columns)} FROM {quote(table)}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def _raw_update(table: str, pk_column: str, pk, updates: dict[str, str]) -> None:
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(col)} = %s" for col in updates)
    sql = f"UPDATE {quote(table)} SET {assignments} WHERE {quote(pk_column)} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*updates.values(), pk])
