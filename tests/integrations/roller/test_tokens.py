"""The shared access token: reused while valid, renewed once for everyone (scenario 19)."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from integrations.fields import Secret
from integrations.roller.errors import CredentialsRejected, RollerUnavailable
from integrations.roller.models import RollerSettings
from integrations.roller.tokens import (
    CLAIM_STALE_AFTER,
    REFRESH_MARGIN,
    AccessToken,
    DatabaseTokenStore,
    InMemoryTokenStore,
    access_token_get,
)
from tests.factories import RollerSettingsFactory


class CountingFetch:
    """Stands in for the token request: counts calls, optionally slow, hands out new tokens."""

    def __init__(self, *, delay: float = 0.0, lifetime: dt.timedelta = dt.timedelta(hours=24)) -> None:
        self.calls = 0
        self.delay = delay
        self.lifetime = lifetime
        self._lock = threading.Lock()

    def __call__(self) -> AccessToken:
        with self._lock:
            self.calls += 1
            number = self.calls
        time.sleep(self.delay)
        return AccessToken(value=Secret(f"token-{number}"), expires_at=timezone.now() + self.lifetime)


def token(value: str, *, expires_in: dt.timedelta = dt.timedelta(hours=1)) -> AccessToken:
    return AccessToken(value=Secret(value), expires_at=timezone.now() + expires_in)


# --- the rules, with the in-memory store -------------------------------------------------------


def test_a_token_is_fetched_once_and_reused():
    store, fetch = InMemoryTokenStore(), CountingFetch()

    values = {access_token_get(store=store, fetch=fetch).value for _ in range(20)}

    assert values == {"token-1"}
    assert fetch.calls == 1


def test_a_token_close_to_expiry_is_renewed_beforehand():
    store = InMemoryTokenStore(token("old", expires_in=REFRESH_MARGIN - dt.timedelta(seconds=1)))
    fetch = CountingFetch()

    assert access_token_get(store=store, fetch=fetch).value == "token-1"
    assert store.load().value == "token-1"


def test_a_rejected_token_is_renewed_even_before_it_expires():
    store, fetch = InMemoryTokenStore(token("revoked")), CountingFetch()

    assert access_token_get(store=store, fetch=fetch, rejected="revoked").value == "token-1"


def test_a_token_renewed_by_someone_else_after_a_401_is_used_without_asking_again():
    store, fetch = InMemoryTokenStore(token("renewed-elsewhere")), CountingFetch()

    assert access_token_get(store=store, fetch=fetch, rejected="revoked").value == "renewed-elsewhere"
    assert fetch.calls == 0


def test_a_failed_renewal_frees_the_claim_for_the_next_attempt():
    store = InMemoryTokenStore()

    def refuse():
        raise CredentialsRejected()

    with pytest.raises(CredentialsRejected):
        access_token_get(store=store, fetch=refuse)

    assert store.try_claim() is True


def test_a_worker_gives_up_waiting_for_a_renewal_that_never_ends():
    store = InMemoryTokenStore()
    assert store.try_claim()  # someone else is renewing, and takes forever

    with pytest.raises(RollerUnavailable, match="another worker"):
        access_token_get(store=store, fetch=CountingFetch(), wait_timeout=0.2, poll=0.01)


def test_ten_threads_in_one_process_make_one_request():
    store, fetch = InMemoryTokenStore(token("expired", expires_in=-dt.timedelta(seconds=1))), CountingFetch(delay=0.2)
    barrier, results = threading.Barrier(10), []

    def work():
        barrier.wait()
        results.append(access_token_get(store=store, fetch=fetch, poll=0.01).value)

    threads = [threading.Thread(target=work) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert fetch.calls == 1
    assert results == ["token-1"] * 10


def test_the_token_never_shows_in_its_repr():
    assert "s3cret" not in repr(token("s3cret"))


# --- the database store -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_store_keeps_the_token_encrypted():
    settings = RollerSettingsFactory()
    store = DatabaseTokenStore(settings.pk)

    access_token_get(store=store, fetch=CountingFetch())

    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM roller_rollersettings WHERE id = %s", [settings.pk])
        (raw,) = cursor.fetchone()
    assert raw and "token-1" not in raw
    settings.refresh_from_db()
    assert settings.access_token == "token-1"
    assert settings.token_renewal_started_at is None


@pytest.mark.django_db
def test_a_fresh_claim_holds_off_others_and_a_stale_one_is_taken_over():
    settings = RollerSettingsFactory()
    first, second = DatabaseTokenStore(settings.pk), DatabaseTokenStore(settings.pk)

    assert first.try_claim() is True
    assert second.try_claim() is False

    RollerSettings.objects.filter(pk=settings.pk).update(
        token_renewal_started_at=timezone.now() - CLAIM_STALE_AFTER - dt.timedelta(seconds=1)
    )
    assert second.try_claim() is True
    # The first worker's late release does not end the claim the second took over.
    first.release()
    settings.refresh_from_db()
    assert settings.token_renewal_started_at is not None


@pytest.mark.django_db
def test_a_token_stored_by_another_process_is_reused():
    settings = RollerSettingsFactory(
        access_token="shared", access_token_expires_at=timezone.now() + dt.timedelta(hours=2)
    )
    fetch = CountingFetch()

    assert access_token_get(store=DatabaseTokenStore(settings.pk), fetch=fetch).value == "shared"
    assert fetch.calls == 0


@pytest.mark.django_db(transaction=True)
def test_ten_workers_finding_the_token_expired_make_one_request():
    settings = RollerSettingsFactory(
        access_token="expired", access_token_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    fetch = CountingFetch(delay=0.3)
    barrier, results, errors = threading.Barrier(10), [], []

    def work():
        try:
            barrier.wait()
            # A store per worker, as each process would have.
            results.append(access_token_get(store=DatabaseTokenStore(settings.pk), fetch=fetch, poll=0.02).value)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert fetch.calls == 1
    assert results == ["token-1"] * 10
