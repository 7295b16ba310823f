"""Knowing who is a minor without storing anything about them.

A minor's guest id is kept only as a keyed hash (Django's salted_hmac, keyed with SECRET_KEY
and salted with the connection), enough to recognise the guest when a later booking or
guest update names them, useless to anyone reading a database dump.
"""

from collections.abc import Iterable

from django.utils.crypto import salted_hmac

from integrations.models import Connection, KnownMinor

_SALT = "integrations.minors.guest"


def minor_hash(*, connection_id: int, source_id: str) -> str:
    return salted_hmac(_SALT, f"{connection_id}:{source_id}", algorithm="sha256").hexdigest()


def minor_remember(*, connection: Connection, source_ids: Iterable[str]) -> None:
    """Remembers these guests as minors (one statement; remembering twice is harmless)."""
    hashes = {minor_hash(connection_id=connection.pk, source_id=source_id) for source_id in source_ids}
    KnownMinor.objects.bulk_create(
        [KnownMinor(connection=connection, guest_hash=guest_hash) for guest_hash in sorted(hashes)],
        ignore_conflicts=True,
    )


def minors_known(*, connection: Connection, source_ids: Iterable[str]) -> set[str]:
    """Which of these guests are known minors (one query, for a page of an import)."""
    by_hash = {minor_hash(connection_id=connection.pk, source_id=source_id): source_id for source_id in source_ids}
    if not by_hash:
        return set()
    found = KnownMinor.objects.filter(connection=connection, guest_hash__in=list(by_hash)).values_list(
        "guest_hash", flat=True
    )
    return {by_hash[guest_hash] for guest_hash in found}


def minor_is_known(*, connection: Connection, source_id: str | None) -> bool:
    if not source_id:
        return False
    return bool(minors_known(connection=connection, source_ids=[source_id]))
