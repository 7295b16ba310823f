"""One ROLLER access token per connection, shared by every process, renewed by one at a time.

ROLLER asks integrators to cache one token and share it across servers: minting a token per
request can earn a 429 and the suspension of the credentials (docs/roller-facts.md, Tokens). So:

- The token lives on RollerSettings (`access_token`, encrypted; `access_token_expires_at`) and
  is reused until REFRESH_MARGIN before it expires, or until ROLLER answers 401 with it.
- Renewal is single-flight across threads and processes (ten tasks finding the token expired at once make one token request): a worker
  claims the renewal with a conditional UPDATE of `token_renewal_started_at` (NULL or older than
  CLAIM_STALE_AFTER → now). Exactly one UPDATE matches the row, on PostgreSQL and SQLite alike;
  that worker asks ROLLER, stores the token and clears the claim. The others poll the row with
  short sleeps until a token they may use appears. A claim left by a crashed worker goes stale
  and is taken over.

The store sits behind the small TokenStore interface so the wizard (which checks credentials
before any connection row exists) and tests can use InMemoryTokenStore.

Call the client outside a database transaction: a claim made inside one stays invisible to the
other workers until it commits (tasks and the wizard's checks run in autocommit).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from django.db import OperationalError, connection
from django.db.models import Q
from django.utils import timezone

from integrations.fields import Secret
from integrations.roller.errors import RollerUnavailable

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Renew this long before ROLLER's expiry, so a call never starts with a token about to lapse.
REFRESH_MARGIN = dt.timedelta(minutes=5)
# A renewal claim older than this belongs to a worker that died; the token request itself is
# bounded well below it by the client's time-outs.
CLAIM_STALE_AFTER = dt.timedelta(seconds=60)
# How long a worker waits for another one's renewal before giving up.
WAIT_TIMEOUT_SECONDS = 90.0
POLL_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class AccessToken:
    value: Secret
    expires_at: dt.datetime

    def __repr__(self) -> str:
        return f"AccessToken(value=Secret('********'), expires_at={self.expires_at.isoformat()})"

    def usable(self, *, now: dt.datetime, rejected: str | None = None) -> bool:
        return bool(self.value) and self.value != rejected and self.expires_at - REFRESH_MARGIN > now


class TokenStore(Protocol):
    def load(self) -> AccessToken | None:
        """The stored token, if any (expired or not)."""

    def try_claim(self) -> bool:
        """Claim the renewal; True for exactly one caller until release() or the claim goes stale."""

    def save(self, token: AccessToken) -> None:
        """Store a new token and end the claim."""

    def release(self) -> None:
        """End this caller's claim without a new token (the request failed)."""


class InMemoryTokenStore:
    """A token kept in this process only: for the wizard's credential check and for tests."""

    def __init__(self, token: AccessToken | None = None) -> None:
        self._token = token
        self._lock = threading.Lock()
        self._claimed_at: float | None = None

    def load(self) -> AccessToken | None:
        return self._token

    def try_claim(self) -> bool:
        with self._lock:
            stale = (
                self._claimed_at is not None and time.monotonic() - self._claimed_at > CLAIM_STALE_AFTER.total_seconds()
            )
            if self._claimed_at is None or stale:
                self._claimed_at = time.monotonic()
                return True
            return False

    def save(self, token: AccessToken) -> None:
        with self._lock:
            self._token = token
            self._claimed_at = None

    def release(self) -> None:
        with self._lock:
            self._claimed_at = None


def retry_if_locked(operation: Callable[[], T], *, timeout: float = 10.0) -> T:
    """SQLite refuses a statement while another connection writes ("database is locked",
    or "table is locked" on the shared-cache in-memory database tests use); the busy time-out
    does not cover every case, so a locked statement is tried again for a while."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return operation()
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.005 + random.random() * 0.02)


class DatabaseTokenStore:
    """The token on a RollerSettings row, shared by every process using that connection."""

    def __init__(self, settings_id: int) -> None:
        self.settings_id = settings_id
        self._claimed_at: dt.datetime | None = None

    def _row(self):
        from integrations.roller.models import RollerSettings  # the client is imported before apps load

        return RollerSettings.objects.filter(pk=self.settings_id)

    def load(self) -> AccessToken | None:
        row = retry_if_locked(lambda: self._row().values_list("access_token", "access_token_expires_at").first())
        if not row or not row[0] or row[1] is None:
            return None
        return AccessToken(value=Secret(row[0]), expires_at=row[1])

    def try_claim(self) -> bool:
        now = timezone.now()
        free = Q(token_renewal_started_at__isnull=True) | Q(token_renewal_started_at__lt=now - CLAIM_STALE_AFTER)
        if retry_if_locked(lambda: self._row().filter(free).update(token_renewal_started_at=now)) == 1:
            self._claimed_at = now
            return True
        return False

    def save(self, token: AccessToken) -> None:
        retry_if_locked(
            lambda: self._row().update(
                access_token=token.value, access_token_expires_at=token.expires_at, token_renewal_started_at=None
            )
        )
        self._claimed_at = None

    def release(self) -> None:
        if self._claimed_at is not None:
            # Only our own claim: a stale one may have been taken over meanwhile.
            claimed_at = self._claimed_at
            retry_if_locked(
                lambda: self._row().filter(token_renewal_started_at=claimed_at).update(token_renewal_started_at=None)
            )
            self._claimed_at = None


def access_token_get(
    *,
    store: TokenStore,
    fetch: Callable[[], AccessToken],
    rejected: str | None = None,
    wait_timeout: float = WAIT_TIMEOUT_SECONDS,
    poll: float = POLL_SECONDS,
) -> AccessToken:
    """A token to call ROLLER with: the stored one while usable, else one renewal for everyone.

    `rejected` is a token ROLLER just answered 401 to: it is not used again, but a different
    one stored meanwhile by another worker is.
    """
    deadline = time.monotonic() + wait_timeout
    while True:
        token = store.load()
        if token is not None and token.usable(now=timezone.now(), rejected=rejected):
            return token
        if store.try_claim():
            try:
                # Another worker may have stored a token between our load and our claim.
                token = store.load()
                if token is not None and token.usable(now=timezone.now(), rejected=rejected):
                    store.release()
                    return token
                token = fetch()
            except BaseException:
                store.release()
                raise
            store.save(token)
            logger.info("ROLLER access token renewed, valid until %s", token.expires_at.isoformat())
            return token
        if time.monotonic() >= deadline:
            raise RollerUnavailable(
                "Timed out waiting for another worker to renew the ROLLER access token; try again later."
            )
        time.sleep(poll * (0.5 + random.random()))
