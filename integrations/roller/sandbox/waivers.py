"""Signing the venue waiver: one record for the adult and one per minor signed for.

A parent signing for two children yields three signed-waiver records and three guest
records (ROLLER's docs). Minors get a date of birth and their parent's last name, but no
email, no phone and no marketing consent.
"""

from __future__ import annotations

import datetime as dt
import random

from . import clock
from .entities import Guest, SignedWaiver
from .people import FIRST_NAMES, minor_dob
from .state import Store

DAY = 86400.0


def _record(store: Store, guest: Guest, *, parent_id: int | None, at: float) -> SignedWaiver:
    waiver = store.waiver
    minor = parent_id is not None
    return SignedWaiver(
        id=store.ids.take("signed_waiver"),
        waiver_id=waiver.id,
        guest_id=guest.id,
        first_name=guest.first_name,
        last_name=guest.last_name,
        date_of_birth=guest.date_of_birth,
        email=None if minor else guest.email,
        phone=None if minor else guest.phone,
        is_minor=minor,
        parent_id=parent_id,
        created=at,
        modified=at,
        expiry=at + waiver.validity_days * DAY,
    )


def _minor(store: Store, rng: random.Random, parent: Guest, on: dt.date, at: float) -> Guest:
    child = Guest(
        id=store.ids.take("guest"),
        first_name=rng.choice(FIRST_NAMES),
        last_name=parent.last_name,
        email=None,
        phone=None,
        date_of_birth=minor_dob(rng, on),
        gender=rng.choice(("Male", "Female")),
        accept_marketing=False,
        accept_marketing_sms=False,
        created=at,
        modified=at,
    )
    store.add_guest(child, adult=False)
    return child


def sign_waiver(store: Store, rng: random.Random, adult: Guest, *, minors: int, at: float) -> list[SignedWaiver]:
    """`adult` signs for themselves and `minors` children; returns adult record first."""
    on = dt.date.fromisoformat(clock.venue_date(at))
    if adult.date_of_birth is None:
        # The waiver form asks every signer for a date of birth.
        adult.date_of_birth = (on - dt.timedelta(days=rng.randrange(25 * 365, 50 * 365))).isoformat()
    adult_record = _record(store, adult, parent_id=None, at=at)
    records = [adult_record]
    for _ in range(minors):
        child = _minor(store, rng, adult, on, at)
        records.append(_record(store, child, parent_id=adult_record.id, at=at))
    for record in records:
        store.add_signed_waiver(record)
    store.touch_guest(adult, max(adult.modified, at))
    return records
