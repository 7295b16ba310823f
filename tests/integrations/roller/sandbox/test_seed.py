"""The seeded venue, built in-process: deterministic, and untidy in the right ways."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time

import pytest

from integrations.roller.sandbox import clock, render_data, render_rest
from integrations.roller.sandbox.seed import SIZES, build_store, build_store_of

ANCHOR = "2026-06-30"


def _snapshot(store):
    return (
        [render_rest.customer_detail(g) for g in store.guests.values()],
        [render_rest.booking_detail(store, b) for b in store.bookings.values()],
        [render_rest.signed_waiver(w) for w in store.signed_waivers.values()],
    )


@pytest.fixture(scope="module")
def default_venue():
    return build_store(seed=42, size="default", anchor_date=ANCHOR)


def test_same_seed_gives_the_same_venue():
    first = build_store(seed=7, size="small", anchor_date=ANCHOR)
    second = build_store(seed=7, size="small", anchor_date=ANCHOR)
    other = build_store(seed=8, size="small", anchor_date=ANCHOR)

    assert _snapshot(first) == _snapshot(second)
    assert _snapshot(first) != _snapshot(other)


def test_sizes():
    small = build_store(seed=1, size="small", anchor_date=ANCHOR).counts()

    assert 20 <= small["guests"] <= 99 and 80 <= small["bookings"] <= 150


def test_default_venue_has_the_demo_numbers(default_venue):
    counts = default_venue.counts()

    assert counts["guests"] >= 500 and counts["bookings"] >= 2000 and 20 <= counts["products"] <= 40


def test_history_covers_the_last_90_days(default_venue):
    created = [b.created for b in default_venue.bookings.values()]
    end = dt.datetime(2026, 6, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))).timestamp()

    assert max(created) < end and min(created) > end - 91 * 86400 and min(created) < end - 80 * 86400


def test_minors_have_a_birth_date_but_no_email_or_phone(default_venue):
    minor_ids = {w.guest_id for w in default_venue.signed_waivers.values() if w.is_minor}
    minors = [default_venue.guests[i] for i in minor_ids]

    assert len(minors) > 50
    for minor in minors:
        assert minor.email is None and minor.phone is None and not minor.accept_marketing
        assert dt.date.fromisoformat(minor.date_of_birth) > dt.date(2026, 6, 30) - dt.timedelta(days=18 * 365)


def test_guests_have_untidy_contact_details(default_venue):
    adults = [default_venue.guests[i] for i in default_venue.adult_guest_ids]

    assert any(g.phone and not g.email for g in adults)
    assert any(not g.phone and not g.email for g in adults)
    assert any(g.email and g.email != g.email.strip().lower() for g in adults)
    assert all(g.phone.startswith(("06", "+316")) for g in adults if g.phone)


def test_about_half_of_pos_sales_have_no_customer(default_venue):
    pos = [b for b in default_venue.bookings.values() if b.channel == "POS"]
    anonymous = sum(1 for b in pos if b.customer_id is None)

    assert all(b.location == "Doorlist" for b in pos)
    assert 0.4 < anonymous / len(pos) < 0.6


def test_online_bookings_always_have_a_holder_and_some_tickets_name_minors(default_venue):
    online = [b for b in default_venue.bookings.values() if b.channel == "Online"]
    minors = {w.id: w for w in default_venue.signed_waivers.values() if w.is_minor}
    linked = [
        link for b in online for i in b.items for link in (i.tickets or {}).values() if link.signed_waiver_id in minors
    ]

    assert all(b.customer_id is not None and b.location == "Consumer" for b in online)
    assert linked and all(link.customer_id == minors[link.signed_waiver_id].guest_id for link in linked)


def test_there_are_cancellations_discounts_and_multi_item_bookings(default_venue):
    bookings = list(default_venue.bookings.values())

    assert any(b.status == "Cancelled" for b in bookings)
    assert any(b.discount > 0 for b in bookings)
    assert any(len(b.items) >= 3 for b in bookings)


def test_the_waiver_treats_under_18s_as_minors(default_venue):
    assert render_data.waiver(default_venue.waiver, offset=False)["minorAgeLimitsInYears"] == 18


@pytest.mark.skipif(
    not os.environ.get("ROLLER_SANDBOX_BENCH_TEST"), reason="about 10 s: set ROLLER_SANDBOX_BENCH_TEST=1"
)
def test_bench_size_is_large_and_quick():
    started = time.monotonic()
    counts = build_store(seed=42, size="bench", anchor_date=ANCHOR).counts()

    assert counts["guests"] >= 100_000 and counts["bookingItems"] >= 200_000
    assert time.monotonic() - started < 120


def test_the_ten_year_bench_venue_spreads_its_history_over_3650_days():
    # bench10y at a hundredth of its size: the same spread, built in a moment.
    full = SIZES["bench10y"]
    scaled = dataclasses.replace(full, adults=720, waiver_signers=180, bookings=1000)
    store = build_store_of(seed=42, seed_size=scaled, anchor_date=ANCHOR)
    end = clock.local_midnight_ts(dt.date.fromisoformat(ANCHOR))
    start = end - 3650 * 86400

    def days(stamps):
        return {int((stamp - start) // 86400) for stamp in stamps}

    guests = [g.created for g in store.guests.values()]
    bookings = [b.created for b in store.bookings.values()]
    waivers = [w.created for w in store.signed_waivers.values()]
    for stamps in (guests, bookings, waivers):
        assert start <= min(stamps) and max(stamps) < end
        spread = days(stamps)
        assert min(spread) < 180 and max(spread) > 3650 - 180  # from the first months to the last
    assert len(days(bookings)) > 700  # a thousand bookings on many different days, not a cluster
    counts = store.counts()
    # As the full size scaled down: ~1.5 guests an adult (minors from waivers), ~2.2 items a booking.
    assert 1_000 <= counts["guests"] <= 1_200
    assert counts["bookings"] == 1_000 and 2_000 <= counts["bookingItems"] <= 2_500
    assert counts["signedWaivers"] >= 180
    assert (full.days, full.adults, full.bookings) == (3650, 72_000, 100_000)  # the bench venue's counts
