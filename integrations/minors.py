"""Knowing who is a minor without storing anything about them.

A minor's guest id is kept only as a keyed hash (Django's salted_hmac, keyed with SECRET_KEY
and salted with the connection), enough to recognise the guest when a later booking or
guest update names them, useless to anyone reading a database dump.
"""

import datetime as dt
import functools
import hashlib
import hmac
from collections.abc import Iterable

from django.conf import settings
from django.utils.encoding import force_bytes

from integrations.batch import rows_where_in
from integrations.models import Connection, KnownMinor

_SALT = "integrations.minors.guest"


def is_minor(date_of_birth: dt.date | None, minimum_age: int, today: dt.date) -> bool:
    """Younger than `minimum_age` on `today` (the venue's date). No date of birth: not known
    to be a minor from it (a waiver may still say so)."""
    if date_of_birth is None:
        return False
    age = today.year - date_of_birth.year - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))
    return age < minimum_age


def minor_hash(*, connection_id: int, source_id: str) -> str:
    """salted_hmac(_SALT, "<connection id>:<guest id>", algorithm="sha256"), exactly, from a
    keyed HMAC made once: Django derives the key again on every call, which was most of the
    cost of hashing an import page's 1,000 guests."""
    mac = _keyed(settings.SECRET_KEY).copy()
    mac.update(force_bytes(f"{connection_id}:{source_id}"))
    return mac.hexdigest()


@functools.lru_cache(maxsize=4)
def _keyed(secret: str | bytes) -> hmac.HMAC:
    # As django.utils.crypto.salted_hmac: the key is sha256(salt + secret).
    key = hashlib.sha256(force_bytes(_SALT) + force_bytes(secret)).digest()
    return hmac.new(key, digestmod=hashlib.sha256)


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
    found = rows_where_in(
        KnownMinor, connection_id=connection.pk, key="guest_hash", values=by_hash, columns=("guest_hash",)
    )
    return {by_hash[guest_hash] for (guest_hash,) in found}


def minor_is_known(*, connection: Connection, source_id: str | None) -> bool:
    if not source_id:
        return False
    return bool(minors_known(connection=connection, source_ids=[source_id]))
