"""How the sandbox writes times, ROLLER's way."""

import datetime as dt
import random

from integrations.roller.sandbox import clock


def test_data_api_dates_are_utc_seconds_with_z_exactly_as_strftime_writes_them():
    rng = random.Random(7)
    stamps = [rng.uniform(0, 4_102_444_800) for _ in range(5000)] + [0.0, 1_782_806_399.9999996, 1_782_806_400.0]
    for ts in stamps:
        expected = dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert clock.iso_data(ts) == expected, ts


def test_data_api_dates_in_venue_time_carry_the_offset():
    assert clock.iso_data(1_782_806_400.0, venue_offset=True) == "2026-06-30T10:00:00+02:00"
