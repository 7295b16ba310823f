"""The first import's two ways side by side: the arithmetic of bench/bench_import.py's summary.

Daily windows are measured over a look-back the bench can afford, then extrapolated to ten
years: the windowed runs' seconds, calls and units grow with the days; what does not depend on
the days (products, the webhook, the venue) stays. Records are never extrapolated.
"""

import statistics

TEN_YEARS = 3650
WINDOWED_STREAMS = ("ages", "contacts", "orders")
# Calls a first import makes once, whatever its look-back. The holders' reads (`GET /guests/{id}`)
# are not scaled either: they fetch the holders of orders older than the contacts' look-back,
# and a ten-year look-back stores those holders first.
FIXED_PATHS = (
    "reporting /data/products", "reporting /data/waivers", "reporting /reporting/bulk", "rest /venues",
    "rest /webhooks", "rest /guests", "token /token",
)  # fmt: skip
TARGETS = {"faster": 20.0, "fewer_units": 15.0, "recent_seconds": 120.0, "peak_mb": 300.0, "big_file_mb": 100.0}


def windows_extrapolated(measured: dict, *, days: int, to_days: int = TEN_YEARS) -> dict:
    """The windows way's figures as they would be over `to_days` (calls, units, seconds)."""
    factor = to_days / days
    # The runs over the look-back grow with it; a tail of the last days does not.
    growing = [r for r in measured["runs"] if r["stream"] in WINDOWED_STREAMS and r.get("lookback", True)]
    windowed = sum(r["seconds"] or 0 for r in growing)
    scaled = {k: v for k, v in measured["calls_by_path"].items() if k not in FIXED_PATHS and not k.startswith("files")}
    scaled_calls = sum(scaled.values())
    scaled_reporting = sum(v for k, v in scaled.items() if k.startswith("reporting "))
    calls = measured["reporting_calls"] + measured["rest_calls"]
    wall = measured["wall_seconds"] - windowed + windowed * factor
    recent = measured["recent_orders_seconds"]
    return {
        **measured,
        "label": f"windows, {to_days} d (extrapolated)",
        "wall_seconds": wall,
        "calls": calls - scaled_calls + scaled_calls * factor,
        "reporting_calls": measured["reporting_calls"] - scaled_reporting + scaled_reporting * factor,
        "usage_units": measured["usage_units"] - scaled_reporting + scaled_reporting * factor,
        # Later by what the growing runs did before those orders were stored, times the factor.
        "recent_orders_seconds": None if recent is None else recent + (factor - 1) * _before(growing, recent),
        "extrapolated": True,
    }


def _before(runs: list[dict], moment: float) -> float:
    """The seconds of these runs spent before `moment` (a run without from/to: all of it)."""
    total = 0.0
    for run in runs:
        if run.get("from") is None:
            total += run["seconds"] or 0
        else:
            total += max(0.0, min(run["to"] if run["to"] is not None else moment, moment) - run["from"])
    return total


def median_of(rounds: list[dict]) -> dict:
    """Each number the median of the rounds; the rest from the last round."""
    merged = dict(rounds[-1])
    for key, value in rounds[-1].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            values = [r[key] for r in rounds if isinstance(r.get(key), (int, float))]
            merged[key] = statistics.median(values)
    merged["rounds"] = len(rounds)
    return merged


def how(way: dict) -> str:
    if way.get("extrapolated"):
        return "extrapolated"
    if way["bulk_exports"]:
        return "bulk: " + ", ".join(sorted(e["exportType"] for e in way["bulk_exports"]))
    return "by windows" + (", stopped" if way["stopped"] else "")


def side_by_side(columns: list[dict]) -> list[str]:
    def cell(way: dict, key: str) -> str:
        if key in ("wall_seconds", "recent_orders_seconds") and way.get("stopped"):
            return "stopped"  # a rate, a peak, calls and units stand for the part that ran
        value = way.get(key)
        if key == "calls" and value is None:
            value = way["reporting_calls"] + way["rest_calls"]
        if value is None:
            return "-"
        if key in ("wall_seconds", "recent_orders_seconds"):
            return f"{value / 60:.1f} min" if value >= 120 else f"{value:.0f} s"
        if key == "largest_file_mb":
            return f"{value:.0f} MB" if value else "-"
        if key == "worker_peak_mb":
            return f"{value:.0f} MB"
        return f"{value:,.0f}"

    rows = [
        ("", "label"), ("how", None), ("rounds", "rounds"), ("wall time", "wall_seconds"), ("ROLLER calls", "calls"),
        ("  of them reporting", "reporting_calls"), ("usage units", "usage_units"), ("rows written", "rows"),
        ("rows/s, write path", "rows_per_second"), ("worker peak memory", "worker_peak_mb"),
        ("last 7 days of orders", "recent_orders_seconds"), ("largest file", "largest_file_mb"),
    ]  # fmt: skip
    width = max(len(c["label"]) for c in columns) + 2
    lines = []
    for title, key in rows:
        cells = [how(c) if key is None else (c["label"] if key == "label" else cell(c, key)) for c in columns]
        lines.append(f"  {title:<24}" + "".join(f"{v:>{max(width, len(v) + 2)}}" for v in cells))
    return lines


def target_lines(*, windows_x: dict, bulk: list[dict], big: dict | None) -> list[str]:
    def verdict(ok: bool | None) -> str:
        return "not measured" if ok is None else ("met" if ok else "MISSED")

    lines = []
    for way in bulk:
        if not way["bulk_exports"]:
            lines.append(f"  {way['label']}: not measured ({way['stopped'] or 'no bulk export'})")
            continue
        if way["stopped"]:
            # The units are charged when the exports are asked for; the time is a bound.
            at_most = windows_x["wall_seconds"] / way["wall_seconds"]
            fewer = windows_x["usage_units"] / max(way["usage_units"], 1)
            lines.append(f"  {way['label']}: {way['stopped']}, so at most {at_most:.1f}× faster than windows (target "
                         f"≥ {TARGETS['faster']:g}×: {verdict(at_most >= TARGETS['faster'] and None)}); "
                         f"{fewer:.1f}× fewer units so far (target ≥ {TARGETS['fewer_units']:g}×: "
                         f"{verdict(fewer >= TARGETS['fewer_units'])}); last 7 days of orders: "
                         f"{way['recent_orders']} stored when it stopped")  # fmt: skip
            continue
        faster = windows_x["wall_seconds"] / way["wall_seconds"]
        fewer = windows_x["usage_units"] / max(way["usage_units"], 1)
        recent = way["recent_orders_seconds"]
        lines.append(f"  {way['label']}: {faster:.1f}× faster than windows (target ≥ {TARGETS['faster']:g}×: "
                     f"{verdict(faster >= TARGETS['faster'])}); {fewer:.1f}× fewer units (target ≥ "
                     f"{TARGETS['fewer_units']:g}×: {verdict(fewer >= TARGETS['fewer_units'])}); last 7 days of orders "
                     f"in {recent:.0f} s (target < {TARGETS['recent_seconds']:g} s: "
                     f"{verdict(recent < TARGETS['recent_seconds'])})")  # fmt: skip
    if big and big["stopped"] and big["largest_file_mb"] >= TARGETS["big_file_mb"]:
        lines.append(f"  worker peak memory {big['worker_peak_mb']:.0f} MB until the run stopped, with a largest file "
                     f"of {big['largest_file_mb']:.0f} MB (target < {TARGETS['peak_mb']:g} MB; {big['stopped']})")  # fmt: skip
    elif big is None or big["stopped"] or not big["bulk_exports"]:
        lines.append(f"  worker peak memory with a file ≥ {TARGETS['big_file_mb']:g} MB: not measured"
                     + (f" ({big['stopped']})" if big and big["stopped"] else ""))  # fmt: skip
    else:
        large = big["largest_file_mb"] >= TARGETS["big_file_mb"]
        ok = big["worker_peak_mb"] < TARGETS["peak_mb"]
        lines.append(f"  worker peak memory {big['worker_peak_mb']:.0f} MB with a largest file of "
                     f"{big['largest_file_mb']:.0f} MB (target < {TARGETS['peak_mb']:g} MB with a file ≥ "
                     f"{TARGETS['big_file_mb']:g} MB: {verdict(ok and large) if large else 'file too small'})")  # fmt: skip
    return lines
