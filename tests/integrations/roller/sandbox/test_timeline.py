"""The Data API's windows come from timelines by modified time: they must stay what a scan of
the whole venue would give, after seeding and after any activity."""

from __future__ import annotations

import datetime as dt

from integrations.roller.sandbox import activity, clock
from integrations.roller.sandbox.app import Sandbox
from integrations.roller.sandbox.config import SandboxConfig
from integrations.roller.sandbox.timeline import Timeline

DAY = 86400.0


def _scan(store, start: float, end: float) -> dict[str, list]:
    """The windows as the Data API found them before the timelines: a scan and a sort."""
    return {
        "guests": sorted(
            (g for g in store.guests.values() if not g.deleted and start <= g.modified < end),
            key=lambda g: (g.modified, g.id),
        ),
        "bookings": sorted(
            (b for b in store.bookings.values() if b.status != "Deleted" and start <= b.modified < end),
            key=lambda b: (b.modified, b.reference),
        ),
        "signed_waivers": sorted(
            (w for w in store.signed_waivers.values() if start <= w.modified < end), key=lambda w: (w.modified, w.id)
        ),
        "booking_signed_waivers": sorted(
            (r for r in store.booking_signed_waivers if start <= r.modified < end),
            key=lambda r: (r.modified, r.signed_waiver_id),
        ),
    }


def _indexed(store, start: float, end: float) -> dict[str, list]:
    return {
        "guests": store.guests_modified_between(start, end),
        "bookings": store.bookings_modified_between(start, end),
        "signed_waivers": store.signed_waivers_modified_between(start, end),
        "booking_signed_waivers": store.booking_signed_waivers_modified_between(start, end),
    }


def _windows(days_back: int):
    """Venue-local days from `days_back` ago to tomorrow, plus a few odd windows."""
    today = dt.datetime.now(clock.VENUE_TZ).date()
    for n in range(-days_back, 2):
        start = clock.local_midnight_ts(today + dt.timedelta(days=n))
        yield start, start + DAY
    now = clock.now()
    yield now - 3600, now + 3600
    yield now - 0.5, now + 0.5


def _assert_windows_match(store, days_back: int) -> None:
    for start, end in _windows(days_back):
        assert _indexed(store, start, end) == _scan(store, start, end), (start, end)


def _sandbox() -> Sandbox:
    today = dt.datetime.now(clock.VENUE_TZ).date().isoformat()
    return Sandbox(SandboxConfig(size="small", anchor_date=today))


def test_seeded_windows_are_those_of_a_scan():
    app = _sandbox()

    _assert_windows_match(app.store, days_back=400)


def test_windows_stay_right_after_every_kind_of_activity():
    app = _sandbox()
    _assert_windows_match(app.store, days_back=20)  # built: from now on changes are placed one by one

    for _round in range(3):
        for name, run in activity.ACTIVITIES.items():
            run(app, {"newGuest": True} if name in ("online-booking", "waiver") else {})
            run(app, {})
    booking = next(b for b in app.store.bookings.values() if b.status != "Deleted")
    app.store.touch_booking(booking, clock.now())  # as DELETE /bookings/{id} does
    booking.status = "Deleted"

    _assert_windows_match(app.store, days_back=20)


def test_a_record_moves_when_its_modified_time_changes():
    timeline = Timeline()
    timeline.place("a", 10.0, 1)
    timeline.place("b", 20.0, 2)
    assert timeline.between(0, 30) == [(10.0, 1), (20.0, 2)]

    timeline.place("a", 25.0, 1)
    timeline.place("c", 20.0, 0)

    assert timeline.between(0, 30) == [(20.0, 0), (20.0, 2), (25.0, 1)]
    assert timeline.between(20.0, 25.0) == [(20.0, 0), (20.0, 2)]  # start included, end not
    assert len(timeline) == 3
