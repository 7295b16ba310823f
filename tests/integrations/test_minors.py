"""A minor is remembered as a keyed hash only; the hash must stay what it always was, or the
minors already remembered would be forgotten."""

import random

from django.test import override_settings
from django.utils.crypto import salted_hmac

from integrations.minors import minor_hash


def _django_hash(connection_id: int, source_id: str) -> str:
    return salted_hmac("integrations.minors.guest", f"{connection_id}:{source_id}", algorithm="sha256").hexdigest()


def test_the_hash_is_djangos_salted_hmac_for_many_guests():
    rng = random.Random(7)
    cases = [(rng.randrange(1, 10_000), str(rng.randrange(10**6, 10**9))) for _ in range(2000)]
    cases += [(1, ""), (2, "é-guest"), (3, "27718000")]

    assert [minor_hash(connection_id=c, source_id=s) for c, s in cases] == [_django_hash(c, s) for c, s in cases]


def test_the_hash_follows_the_secret_key():
    before = minor_hash(connection_id=1, source_id="42")

    with override_settings(SECRET_KEY="another-secret-key-for-this-test-only-0123456789"):
        after = minor_hash(connection_id=1, source_id="42")
        assert after == _django_hash(1, "42")

    assert after != before
