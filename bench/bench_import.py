"""First-import benchmark: rows a second and the worker's peak memory, side by side with a baseline.

The ROLLER sandbox is started with the bench venue (`--size bench`: ~108,000 guests, 100,000
bookings with ~200,000 booking items over 90 days) and its rate limit off. Then, into PostgreSQL:

  ours      - the real first import (integrations.services.import_runs, import_windows) of all of it: every window
              task run one after another in a separate worker process, exactly as Celery would
              run them (read the window over HTTP, rules, batch upserts, outcomes, cursor).
  baseline  - the same fetched records written one by one with the ORM's update_or_create
              (contact + guest link; order + its lines), without rules or outcomes. It is slow,
              so it runs on a fixed subset (by default the most recent 20 days of guests and 4
              days of bookings); rows/s compares fairly, whatever the count.

Rows are the records written: contacts and orders (an order's lines are part of its row).
For ours, "end to end" includes reading the windows over HTTP; "write path" leaves the
reading out, as the baseline's figure does. Peak memory is the worker's maximum resident set
(getrusage), Python, Django and all.

Then the first import's two ways, side by side (issue 14), each on the whole stack with
ROLLER's rate limits on (bench/first_import_ways.py: gunicorn, dispatcher, beat, a Celery
worker of two processes; PostgreSQL db bench_ways, Redis db 6):

  windows   - daily reporting windows on the 10-year bench venue (`--size bench10y`: the same
              guests and booking items over 3,650 days) over a look-back the bench can afford
              (`--window-days`, 90), then calls, units and seconds extrapolated to 10 years
              (bench/ways_report.py; records never are), labelled so;
  bulk      - the first import of all 10 years (look-backs of 3,650 days) at export delays of
              0 s and 60 s per sequence (`--bulk-delays`). A tree without a bulk first import
              requests no export: after `--bulk-grace` seconds the way stops and says so;
  big file  - the bulk way on `--size bench1m` anchored on the first of this month with files
              unsplit (`bulk_export_file_records`): one file of about 170 MB, for the worker's
              peak memory.

For each: wall time, ROLLER calls, usage units (from /_sim/stats, as ROLLER counts them), rows
a second on the write path, worker peak memory (VmHWM of the worker's processes), and the time
from activation until the orders of the last 7 days are stored; then each target beside its
figure. `--rounds N` runs the ways N times and prints medians. BENCH_IMPORT_WAYS=off (set by
bench/compare_commits.py) runs only the first part.

Run:  .venv/bin/python bench/bench_import.py [--baseline-guest-days 20] [--baseline-booking-days 4]
      [--rounds 1] [--window-days 90] [--bulk-delays 0,60] [--bulk-grace 180] [--timeout 10800]
      [--parts write,ways] [--ways windows,bulk,big] [--results /tmp/bench_import_ways.json] [--keep]
Needs PostgreSQL on 127.0.0.1:5432 (trust auth) and Redis. The first part takes a few minutes;
the windows way about 5; the bulk way about 3 at 0 s a sequence and 6 at 60 s (the sandbox
generates an export's months side by side).
"""

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
DATABASE = "connector_bench_import"
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
    "ROLLER_PACING_ENABLED": "false",
    "PYTHONPATH": str(ROOT),
}
CLIENT_ID, CLIENT_SECRET = "sandbox-demo-client", "sandbox-demo-secret"
# The bench venue: 90 days of bookings; guests from a year before that.
GUEST_DAYS, BOOKING_DAYS = 90 + 365 + 2, 91


# --- setup ----------------------------------------------------------------------------------


def fresh_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=ENV, check=True)


def start_sandbox(tmp: Path) -> tuple[subprocess.Popen, str]:
    ready = tmp / "ready.json"
    command = [PYTHON, "-m", "integrations.roller.sandbox", "--host", "127.0.0.1", "--port", "0", "--size", "bench",
               "--no-rate-limit", "--ready-file", str(ready), "--exit-with-parent"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the sandbox did not start")
        time.sleep(0.2)
    return process, json.loads(ready.read_text())["url"]


def django_setup() -> None:
    os.environ.update({key: ENV[key] for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "ROLLER_PACING_ENABLED")})
    import django

    django.setup()


def new_connection(url: str, name: str, *, guest_days: int, booking_days: int):
    from integrations.models import Account, Connection
    from integrations.roller.services import roller_connection_create, roller_venue_refresh

    account, _ = Account.objects.get_or_create(name="Bench")
    connection = roller_connection_create(
        account=account, name=name, environment="sandbox", client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
        custom_base_url=url,
    )  # fmt: skip
    roller_venue_refresh(roller_settings=connection.roller)
    Connection.objects.filter(pk=connection.pk).update(
        contacts_lookback_days=guest_days, orders_lookback_days=booking_days, status=Connection.Status.ACTIVE
    )
    connection.refresh_from_db()
    return connection


# --- ours: the worker process ---------------------------------------------------------------------


def worker(url: str) -> None:
    """The first import, every window task in turn, in this process; prints JSON figures."""
    django_setup()
    from integrations.models import SyncRun
    from integrations.registry import connector_get
    from integrations.services import import_runs, import_windows

    connection = new_connection(url, "Ours", guest_days=GUEST_DAYS, booking_days=BOOKING_DAYS)
    spec = connector_get("roller")
    reading = {"seconds": 0.0}
    read_window, read_people = spec.read_window, spec.read_people

    def timed(read):
        def wrapper(*args):
            started = time.perf_counter()
            try:
                return read(*args)
            finally:
                reading["seconds"] += time.perf_counter() - started

        return wrapper

    spec.read_window, spec.read_people = timed(read_window), timed(read_people)
    queue: deque[int] = deque()

    def publish(*, sync_run_id: int) -> None:  # the broker, in-process
        queue.append(sync_run_id)

    import_runs.window_publish = import_windows.window_publish = publish
    if hasattr(import_runs, "exports_request_publish"):
        # A tree with a bulk first import asks for its exports by a task: here at once, in-process.
        # The sandbox refuses them (bulk exports off), so the history goes by windows as before.
        from integrations.services import exports as source_exports

        def exports_request_now(*, connection_id: int) -> None:
            source_exports.exports_request(connection=connection)

        import_runs.exports_request_publish = exports_request_now

    started = time.perf_counter()
    import_runs.first_import_start(connection=connection)
    tasks = 0
    while queue:
        result = import_windows.import_window_process(sync_run_id=queue.popleft())
        tasks += 1
        if result.retry_in is not None:
            raise SystemExit(f"unexpected retry: {result}")
    elapsed = time.perf_counter() - started

    runs = SyncRun.objects.filter(connection=connection)
    counts: dict[str, int] = {}
    for run in runs:
        assert run.status == SyncRun.Status.SUCCEEDED, (run, run.error)
        for key, count in run.counts.items():
            counts[key] = counts.get(key, 0) + count
    written = sum(
        n
        for key, n in counts.items()
        if key.split(".")[0] in ("contact", "order") and key.split(".")[1] in ("created", "updated")
    )
    print(json.dumps({
        "seconds": elapsed, "reading_seconds": reading["seconds"], "rows": written, "tasks": tasks,
        "windows": sum(run.windows_total for run in runs), "records_read": sum(run.records_seen for run in runs),
        "counts": counts, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))  # fmt: skip


# --- the baseline -----------------------------------------------------------------------------------


def baseline(url: str, *, guest_days: int, booking_days: int) -> dict:
    """Reads a fixed subset through the same reader, then writes it one row at a time."""
    from django.utils import timezone

    from integrations.locality import connection_zone
    from integrations.models import Contact, ContactSourceLink, Order, OrderLine, Product
    from integrations.roller import importer
    from integrations.rules import contact_prepare
    from integrations.windows import local_midnight, window_end

    connection = new_connection(url, "Baseline", guest_days=guest_days, booking_days=booking_days)
    tz, now = connection_zone(connection), timezone.now()
    today = now.astimezone(tz).date()

    def fetched(stream: str, days: int) -> list:
        records, cursor = [], local_midnight(today - dt.timedelta(days=days), tz)
        while cursor < now:
            end = window_end(cursor, now, tz)
            window = importer.read_window(connection, stream, cursor, end)
            records += window.contacts if stream == "contacts" else window.orders
            cursor = end
        return records

    guests = [contact_prepare(c, connection=connection) for c in fetched("contacts", guest_days)]
    guests = [c for c in guests if c.match_value]
    orders = fetched("orders", booking_days)
    for product in importer.read_products(connection).products:  # not timed: the catalogue
        Product.objects.update_or_create(
            connection=connection,
            external_id=product.external_id,
            defaults={"name": product.name, "price": product.price},
        )
    product_ids = dict(Product.objects.filter(connection=connection).values_list("external_id", "id"))

    started, rows = time.perf_counter(), 0
    for c in guests:
        contact, _ = Contact.objects.update_or_create(
            connection=connection, match_value=c.match_value,
            defaults={"email": c.email, "phone": c.phone, "first_name": c.first_name, "last_name": c.last_name,
                      "date_of_birth": c.date_of_birth, "gender": c.gender, "street": c.street, "city": c.city,
                      "postcode": c.postcode, "state": c.state, "country": c.country, "email_consent": c.email_consent,
                      "sms_consent": c.sms_consent, "source_version": c.source_version},
        )  # fmt: skip
        ContactSourceLink.objects.update_or_create(
            connection=connection,
            source_id=c.source_id,
            defaults={"contact": contact, "source_version": c.source_version},
        )
        rows += 1
    links = dict(ContactSourceLink.objects.filter(connection=connection).values_list("source_id", "contact_id"))
    for o in orders:
        if o.holder_source_id not in links or any(line.product_external_id not in product_ids for line in o.lines):
            continue
        order, _ = Order.objects.update_or_create(
            connection=connection, external_id=o.external_id,
            defaults={"contact_id": links[o.holder_source_id], "reference": o.reference, "channel": o.channel,
                      "source_channel": o.source_channel, "status": o.status, "ordered_at": o.ordered_at,
                      "visit_date": o.visit_date, "total": o.total, "discount": o.discount, "currency": o.currency,
                      "source_version": o.source_version},
        )  # fmt: skip
        for line in o.lines:
            OrderLine.objects.update_or_create(
                order=order, external_id=line.external_id,
                defaults={"product_id": product_ids[line.product_external_id], "quantity": line.quantity,
                          "unit_price": line.unit_price, "discount": line.discount, "visit_date": line.visit_date},
            )  # fmt: skip
        rows += 1
    return {"seconds": time.perf_counter() - started, "rows": rows}


def autovacuum_off() -> bool:
    from django.db import connection as db

    with db.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0] != "on"


# --- main ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", metavar="SANDBOX_URL", help=argparse.SUPPRESS)
    parser.add_argument("--baseline-guest-days", type=int, default=20)
    parser.add_argument("--baseline-booking-days", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1, help="of the two ways; medians are printed")
    parser.add_argument("--window-days", type=int, default=90, help="the windows way's look-back")
    parser.add_argument("--bulk-delays", default="0,60", help="seconds per sequence, comma-separated")
    parser.add_argument("--bulk-grace", type=float, default=180, help="seconds for a bulk way to request an export")
    parser.add_argument("--timeout", type=float, default=3 * 3600, help="seconds a way may take")
    parser.add_argument("--parts", default="write,ways", help="write (the write path), ways (the two ways)")
    parser.add_argument("--ways", default="windows,bulk,big", help="which ways: windows, bulk, big (the big file)")
    parser.add_argument("--results", type=Path, default=Path("/tmp/bench_import_ways.json"), help="figures kept here")
    parser.add_argument("--keep", action="store_true", help="keep the figures of the ways not run (from --results)")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    parts = set(args.parts.split(","))
    if os.environ.get("BENCH_IMPORT_WAYS", "").lower() in ("off", "0", "false"):
        parts.discard("ways")
    if "write" in parts:
        write_path(args)
    if "ways" in parts:
        both_ways(args)


def write_path(args) -> None:
    fresh_database()
    with tempfile.TemporaryDirectory() as tmp:
        print("starting the sandbox with the bench venue (seeding takes a while)…", flush=True)
        sandbox, url = start_sandbox(Path(tmp))
        from integrations.roller.sandbox.control_client import SandboxControl

        SandboxControl(url).configure(bulk_exports_enabled=False)  # the write path of windows, every tree alike
        try:
            print("ours: the first import of everything, in a worker process…", flush=True)
            out = subprocess.run([PYTHON, __file__, "--worker", url], cwd=ROOT, env=ENV, capture_output=True, text=True)
            if out.returncode:
                raise SystemExit(out.stderr[-4000:])
            ours = json.loads(out.stdout.strip().splitlines()[-1])
            print("baseline: update_or_create one by one, on a subset…", flush=True)
            django_setup()
            base = baseline(url, guest_days=args.baseline_guest_days, booking_days=args.baseline_booking_days)
        finally:
            sandbox.terminate()
            sandbox.wait(10)

    ours_rate = ours["rows"] / ours["seconds"]
    write_rate = ours["rows"] / (ours["seconds"] - ours["reading_seconds"])
    base_rate = base["rows"] / base["seconds"]
    print("\nFirst-import benchmark: ROLLER sandbox (bench venue, rate limit off) into PostgreSQL")
    print(f"  ours:     {ours['rows']:>7} rows in {ours['seconds']:6.1f} s = {ours_rate:7.0f} rows/s end to end "
          f"({write_rate:.0f} rows/s write path; {ours['reading_seconds']:.1f} s reading over HTTP)")  # fmt: skip
    print(f"            {ours['windows']} windows in {ours['tasks']} tasks, {ours['records_read']} records read, "
          f"worker peak memory {ours['peak_rss_mb']:.0f} MB")  # fmt: skip
    print(f"  baseline: {base['rows']:>7} rows in {base['seconds']:6.1f} s = {base_rate:7.0f} rows/s "
          f"(update_or_create; subset: guests of {args.baseline_guest_days} days, bookings of "
          f"{args.baseline_booking_days} days)")  # fmt: skip
    print(f"  ours / baseline: {ours_rate / base_rate:.1f}× end to end, {write_rate / base_rate:.1f}× write path")
    print(f"  counts: {json.dumps(ours['counts'], sort_keys=True)}")
    print("\ntargets: ≥ 10× the baseline's rows/s; worker peak memory < 300 MB")
    if autovacuum_off():
        print("note: this PostgreSQL runs with autovacuum off, so the planner never learns the tables grew "
              "(seq scans on big tables, e.g. the order lines' DELETE); production has it on.")  # fmt: skip


# --- the two ways ------------------------------------------------------------------------------------


def both_ways(args) -> None:
    from bench import ways_report
    from bench.first_import_ways import venue_today

    today = dt.date.fromisoformat(venue_today())
    # Windows all the way: with the sandbox's bulk exports off (403) a tree with a bulk first import
    # falls back to windows, and one without never asks.
    ways = [{"label": f"windows, {args.window_days} d", "size": "bench10y", "lookback_days": args.window_days,
             "bulk": False, "timeout": args.timeout, "switches": {"bulk_exports_enabled": False}}]  # fmt: skip
    for delay in (float(d) for d in args.bulk_delays.split(",") if d.strip()):
        ways.append({"label": f"bulk, {delay:g} s/seq", "size": "bench10y", "lookback_days": 3650, "bulk": True,
                     "switches": {"bulk_export_delay_seconds": delay}, "bulk_grace": args.bulk_grace,
                     "timeout": args.timeout})  # fmt: skip
    big = {"label": "bulk, one big file", "size": "bench1m", "anchor_date": today.replace(day=1).isoformat(),
           "lookback_days": 3650, "bulk": True, "bulk_grace": args.bulk_grace, "timeout": args.timeout,
           "switches": {"bulk_export_delay_seconds": 0.0, "bulk_export_file_records": 10**9}}  # fmt: skip
    ways.append(big)
    kinds = {"windows": ways[:1], "bulk": ways[1:-1], "big": ways[-1:]}
    chosen = [way for kind in args.ways.split(",") for way in kinds.get(kind.strip(), [])]
    # With --keep, the figures of an earlier run stay for the ways not run again.
    results: dict[str, list[dict]] = json.loads(args.results.read_text()) if args.keep and args.results.exists() else {}
    for way in chosen:
        results.pop(way["label"], None)
    for round_no in range(1, args.rounds + 1):
        for way in chosen:
            print(f"round {round_no}: {way['label']}…", flush=True)
            script = ROOT / "bench" / "first_import_ways.py"
            out = subprocess.run([PYTHON, str(script), json.dumps(way)], cwd=ROOT, capture_output=True, text=True)
            if out.returncode:
                print(f"  failed:\n{out.stderr[-3000:]}", flush=True)
                continue
            result = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"  {ways_report.how(result)}: {result['wall_seconds']:.0f} s", flush=True)
            results.setdefault(way["label"], []).append(result)
            args.results.write_text(json.dumps(results, indent=1))  # every round's figures, kept as they come

    medians = {label: ways_report.median_of(rounds) for label, rounds in results.items()}
    windows = medians.get(ways[0]["label"])
    columns = [windows] if windows else []
    windows_x = ways_report.windows_extrapolated(windows, days=args.window_days) if windows else None
    if windows_x:
        columns.append(windows_x)
    bulk = [medians[w["label"]] for w in ways[1:-1] if w["label"] in medians]
    columns += bulk + ([medians[big["label"]]] if big["label"] in medians else [])
    print("\nThe first import's two ways: ROLLER sandbox with its rate limits on, the whole stack on PostgreSQL "
          "(medians of each way's rounds)")  # fmt: skip
    print("\n".join(ways_report.side_by_side(columns)))
    print("\ntargets")
    if windows_x:
        print("\n".join(ways_report.target_lines(windows_x=windows_x, bulk=bulk, big=medians.get(big["label"]))))
    delays = [w["switches"]["bulk_export_delay_seconds"] for w in ways[1:-1]]
    if any(delays):
        print(f"note: the sandbox generates an export's months side by side, each ready {max(delays):g} s after "
              "the request; the recent days' people of unknown age wait for the waivers' export.")  # fmt: skip


if __name__ == "__main__":
    main()
