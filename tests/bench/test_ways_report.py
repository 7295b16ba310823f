"""The benchmark's arithmetic: daily windows extrapolated to ten years, never their records."""

from bench.ways_report import windows_extrapolated


def measured(**changes):
    figures = {
        "label": "windows, 90 d", "stopped": "", "wall_seconds": 100.0, "recent_orders_seconds": 95.0,
        "reporting_calls": 271, "rest_calls": 2, "usage_units": 271, "rows": 5_000,
        "calls_by_path": {"reporting /data/products": 1, "reporting /data/signedwaivers": 90,
                          "reporting /data/customers": 90, "reporting /data/bookingitems": 90, "rest /webhooks": 1,
                          "rest /guests": 1},
        "runs": [{"stream": "products", "seconds": 1.0}, {"stream": "ages", "seconds": 30.0},
                 {"stream": "contacts", "seconds": 30.0}, {"stream": "orders", "seconds": 30.0}],
    }  # fmt: skip
    return {**figures, **changes}


def test_the_windows_calls_grow_with_the_days_and_the_fixed_ones_do_not():
    ten_years = windows_extrapolated(measured(), days=90, to_days=3650)

    assert ten_years["reporting_calls"] == 1 + 270 * 3650 / 90  # the products' call once
    assert ten_years["calls"] == 1 + 1 + 1 + 270 * 3650 / 90  # and the webhook's, and the holder read
    assert ten_years["usage_units"] == ten_years["reporting_calls"]  # a reporting call is one unit


def test_the_windowed_runs_seconds_grow_and_the_rest_stays():
    ten_years = windows_extrapolated(measured(), days=90, to_days=3650)

    assert ten_years["wall_seconds"] == 10.0 + 90.0 * 3650 / 90
    assert ten_years["recent_orders_seconds"] == ten_years["wall_seconds"] - 5.0  # as far from the end


def test_records_are_never_extrapolated_and_the_column_says_so():
    ten_years = windows_extrapolated(measured(), days=90, to_days=3650)

    assert ten_years["rows"] == 5_000
    assert ten_years["extrapolated"] and "extrapolated" in ten_years["label"]


def test_a_tail_read_first_stays_as_quick_as_measured():
    # Tail first (8 days, fixed), then the history over the look-back (grows with it).
    runs = [
        {"stream": "orders", "seconds": 20.0, "from": 0.0, "to": 20.0, "lookback": False},
        {"stream": "contacts", "seconds": 80.0, "from": 20.0, "to": 100.0, "lookback": True},
    ]
    ten_years = windows_extrapolated(measured(runs=runs, recent_orders_seconds=20.0), days=90, to_days=3650)

    assert ten_years["recent_orders_seconds"] == 20.0
    assert ten_years["wall_seconds"] == 20.0 + 80.0 * 3650 / 90
