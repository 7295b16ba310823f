"""Export to Spotler Activate, measured against its stand-in, the stack on PostgreSQL and Redis.

  latency   booking webhook → Purchase stored by the stand-in, at a steady rate (default 20
            bookings a second): the ROLLER sandbox posts each booking's webhooks to gunicorn,
            the dispatcher and the events worker store contact and order (which queues the
            outbox), the exports worker sends the Purchase. Measured from the webhook's arrival
            (WebhookEvent.received_at) to the outbox row's delivered_at, set once the stand-in
            answered that it stored it. Target: p95 < 3 s.
  backfill  the bench venue's store (100,000 profiles, 100,000 orders with 200,000 booking
            items; seeded straight into the tables, since the import is bench_import's subject)
            sent by the backfill on activation, the stand-in adding 50 ms to every request.
            Records a second from the first delivery to the last, the batch size, and the
            exports worker's memory at 10 % and 100 % of the backfill and its peak: its largest
            process, every process of it (main and pool) by resident sets summed, and by
            proportional sets summed (PSS: the pages a forked pool shares with its parent
            counted once). Targets: ≥ 2,000 records/s, peak < 300 MB, growth < 50 MB from 10 %
            to 100 %.

Run:  .venv/bin/python bench/bench_activate.py latency [--rate 20] [--seconds 30]
      .venv/bin/python bench/bench_activate.py backfill [--profiles 100000] [--concurrency 4]
Needs PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379, db 6, or BENCH_REDIS_DB).
"""

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.stack import ROOT, Stack, connector_stack, database_create, free_port, wait_for

PYTHON = sys.executable
DATABASE = "h_outbox_bench"
# Redis db 6 (this branch's); BENCH_REDIS_DB moves it when another stack shares it.
REDIS_DB = os.environ.get("BENCH_REDIS_DB", "6")
BROKER = f"redis://127.0.0.1:6379/{REDIS_DB}"
ACCOUNT_ID, API_KEY = "sandbox-account", "sandbox-api-key"


def environment(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
        "DATABASE_URL": database_create(DATABASE),
        "CELERY_BROKER_URL": BROKER,
        "ROLLER_PACING_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL")})
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(["redis-cli", "-n", REDIS_DB, "FLUSHDB"], capture_output=True)
    return env


def activate_sandbox(stack: Stack, port: int, *, latency_ms: int = 0) -> str:
    command = [PYTHON, "-m", "integrations.activate.sandbox", "--port", str(port), "--latency-ms", str(latency_ms)]
    stack.start("activate", command)
    wait_for(port)
    return f"http://127.0.0.1:{port}"


def exports_worker(stack: Stack, *, concurrency: int, pool: str = "prefork"):
    command = [PYTHON, "-m", "celery", "-A", "connector_site", "worker", "-Q", "exports", "--pool", pool]
    return stack.start("exports", [*command, "--concurrency", str(concurrency), "--loglevel", "WARNING", "-n", "x@%h"])


def destination_create(account, *, url: str, status: str):
    from integrations.activate.models import ActivateSettings
    from integrations.delivery.models import Destination

    destination = Destination.objects.create(
        account=account, destination_type="activate", name="Activate", status=status, currency="EUR", language="nl_NL"
    )
    ActivateSettings.objects.create(destination=destination, account_id=ACCOUNT_ID, api_key=API_KEY, base_url=url)
    return destination


# --- latency ----------------------------------------------------------------------------------
def latency(args) -> None:
    web_port, sandbox_port, activate_port = free_port(), free_port(), free_port()
    env = environment(
        PUBLIC_BASE_URL=f"http://127.0.0.1:{web_port}", ROLLER_SANDBOX_URL=f"http://127.0.0.1:{sandbox_port}"
    )
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    with connector_stack(
        env, sandbox_port=sandbox_port, web_port=web_port, size="small", logs=Path(args.logs)
    ) as stack:
        activate = activate_sandbox(stack, activate_port)
        exports_worker(stack, concurrency=6, pool="threads")  # as the Procfile runs it
        subprocess.run(
            [PYTHON, "manage.py", "roller_connect", "--contacts-lookback-days", "1", "--orders-lookback-days", "1"],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip
        import django

        django.setup()
        from integrations.delivery.models import OutboxItem
        from integrations.models import Connection, Order, SyncRun, WebhookEvent

        deadline = time.monotonic() + 120
        while SyncRun.objects.filter(status__in=["queued", "running"]).exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        # Connected after the first import: the bench measures live bookings, not a backfill.
        destination = destination_create(
            Connection.objects.get().account, url=activate, status="draft" if args.without_destination else "active"
        )
        started_at, sent = time.monotonic(), 0
        while time.monotonic() - started_at < args.seconds:
            time.sleep(max(0.0, started_at + sent / args.rate - time.monotonic()))
            requests.post(f"{sandbox}/_sim/online-booking", json={"newGuest": True}, timeout=10).raise_for_status()
            sent += 1
        bookings = WebhookEvent.objects.filter(object_type="Booking", event_type="Created")
        purchases = OutboxItem.objects.filter(destination=destination, kind="purchase")
        # The tail: every booking's webhook stored and processed, every purchase settled.
        deadline = time.monotonic() + 120
        unsettled = ["received", "processing"]
        while time.monotonic() < deadline:
            processed = bookings.count() >= sent and not bookings.filter(status__in=unsettled).exists()
            if processed and not purchases.filter(state__in=["queued", "delivering"]).exists():
                break
            time.sleep(0.5)
        delivered = dict(purchases.filter(state="delivered").values_list("record_key", "delivered_at"))
        orders = {
            external_id: (pk, created)
            for external_id, pk, created in Order.objects.values_list("external_id", "pk", "created_at")
        }
        latencies, stored, exported, missing, no_order = [], [], [], 0, 0
        for event in bookings.filter(received_at__gte=destination.created_at):
            order_pk, created = orders.get(_unique_id(event), (None, None))
            if order_pk is None:
                no_order += 1  # skipped by the rules (a new guest without email or phone)
                continue
            stored.append((created - event.received_at).total_seconds())
            at = delivered.get(str(order_pk))
            if at is None:
                missing += 1
                continue
            latencies.append((at - event.received_at).total_seconds())
            exported.append((at - created).total_seconds())
        state = requests.get(f"{activate}/_sim/state", timeout=30).json()
    latencies.sort()
    stored.sort()
    exported.sort()
    print(
        f"\nBooking webhook → Purchase stored by the Activate stand-in, {args.rate:g} bookings/s for {args.seconds} s"
    )
    print(f"bookings sent {sent}, orders stored {len(stored)} (no order by the rules: {no_order}), purchases delivered "
          f"{len(latencies)}, not delivered {missing}, purchases the stand-in holds {len(state['purchases'])}")  # fmt: skip
    if stored:
        print(
            f"webhook → order stored: p50 {statistics.median(stored) * 1000:.0f} ms   p95 {percentile95(stored) * 1000:.0f} ms"
        )
    if latencies:
        print(
            f"webhook → Purchase stored by the stand-in: p50 {statistics.median(latencies) * 1000:.0f} ms   "
            f"p95 {percentile95(latencies) * 1000:.0f} ms   max {latencies[-1] * 1000:.0f} ms"
        )
    if exported:
        print(
            f"of which order stored → Purchase stored (the export path): p50 {statistics.median(exported) * 1000:.0f} ms"
            f"   p95 {percentile95(exported) * 1000:.0f} ms"
        )
    print("target: p95 < 3 s")


def percentile95(values: list[float]) -> float:
    return values[max(0, round(0.95 * len(values)) - 1)]


def _unique_id(event) -> str:
    import json

    return str(json.loads(event.body)["data"].get("uniqueId")) if event.body else ""


# --- backfill ---------------------------------------------------------------------------------
def seed(*, profiles: int, orders: int, items_per_order: int) -> "object":
    """The bench venue's store, written straight into its tables (bulk, a batch at a time)."""
    from integrations.models import Account, Connection, Contact, Order, OrderLine, Product

    account = Account.objects.create(name="Bench account")
    connection = Connection.objects.create(
        account=account, connector_type="roller", name="Bench venue", status="active", time_zone="Europe/Amsterdam",
        country="NL", currency="EUR",
    )  # fmt: skip
    version = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    products = Product.objects.bulk_create(
        Product(connection=connection, external_id=f"P{n}", name=f"Ticket {n}", price=Decimal("12.50"),
                source_version=version)
        for n in range(40)
    )  # fmt: skip
    batch = 5000
    for start in range(0, profiles, batch):
        Contact.objects.bulk_create(
            Contact(connection=connection, match_value=f"guest{n}@example.com", email=f"guest{n}@example.com",
                    first_name="Guest", last_name=str(n), date_of_birth=dt.date(1980, 1, 1) + dt.timedelta(days=n % 9000),
                    country="Netherlands", city="Utrecht", email_consent=n % 3 == 0 or None, source_version=version)
            for n in range(start, min(start + batch, profiles))
        )  # fmt: skip
    contact_ids = list(Contact.objects.filter(connection=connection).order_by("pk").values_list("pk", flat=True))
    for start in range(0, orders, batch):
        made = Order.objects.bulk_create(
            Order(connection=connection, external_id=f"B{n}", contact_id=contact_ids[n % len(contact_ids)],
                  channel="online", status="Paid", ordered_at=version + dt.timedelta(minutes=n),
                  visit_date=dt.date(2026, 6, 2), total=Decimal("25.00") * items_per_order / 2, currency="EUR",
                  source_version=version)
            for n in range(start, min(start + batch, orders))
        )  # fmt: skip
        OrderLine.objects.bulk_create(
            OrderLine(order=order, external_id=f"{order.external_id}-{i}", product=products[(order.pk + i) % 40],
                      quantity=1, unit_price=Decimal("12.50"))
            for order in made
            for i in range(items_per_order)
        )  # fmt: skip
    return account


def rss_mb(pid: int) -> tuple[float, float, float]:
    """Memory of the worker, in MB: the resident sets of all its processes (main and pool)
    summed, the largest single process, and all of them by their proportional sets (PSS: a
    page the forked pool shares with its parent counted once, split between its sharers, so
    the sum is what the worker really takes; the RSS sum counts Django's pages once per process)."""
    rss, pss = [], []
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            rss += [_kb(Path(f"/proc/{p}/status"), "VmRSS:") / 1024]
            pss += [_kb(Path(f"/proc/{p}/smaps_rollup"), "Pss:") / 1024]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return sum(rss), max(rss, default=0.0), sum(pss)


def _kb(path: Path, field: str) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User and system CPU of the process and its children (the pool), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def backfill(args) -> None:
    env = environment()
    import django

    django.setup()
    from django.db.models import Count

    from integrations.activate.destination import EVENTS_PER_REQUEST
    from integrations.delivery.models import OutboxItem
    from integrations.delivery.services.destinations import destination_activate

    seeded = time.monotonic()
    account = seed(profiles=args.profiles, orders=args.orders, items_per_order=args.items // args.orders)
    print(
        f"seeded {args.profiles} profiles, {args.orders} orders, {args.items} items in {time.monotonic() - seeded:.0f} s"
    )
    with Stack(env, logs=Path(args.logs)) as stack:
        activate = activate_sandbox(stack, free_port(), latency_ms=args.latency_ms)
        stand_in = stack.processes[-1]
        worker = exports_worker(stack, concurrency=args.concurrency, pool=args.pool)
        time.sleep(6)  # the worker's start
        destination = destination_create(account, url=activate, status="draft")
        total = 40 + args.profiles + args.orders
        started = time.monotonic()
        destination_activate(destination)
        rows = OutboxItem.objects.filter(destination=destination)
        first_at = None
        at10 = peak = (0.0, 0.0, 0.0)
        delivered = 0
        while time.monotonic() - started < args.timeout:
            time.sleep(1)
            delivered = rows.filter(state__in=["delivered", "filtered", "failed", "dead"]).count()
            rss = rss_mb(worker.pid)
            peak = tuple(max(a, b) for a, b in zip(peak, rss, strict=True))
            if delivered and first_at is None:
                first_at = time.monotonic()
            if not at10[0] and delivered >= total * 0.1:
                at10 = rss
            if delivered >= total:
                break
        ended = time.monotonic()
        at100 = rss_mb(worker.pid)
        cpu = {"exports worker": cpu_seconds(worker.pid), "stand-in": cpu_seconds(stand_in.pid)}
        states = dict(rows.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    elapsed = ended - (first_at or started) + 1
    print(f"\nBackfill on activation to the Activate stand-in (+{args.latency_ms} ms a request), "
          f"exports worker × {args.concurrency} {'threads' if args.pool == 'threads' else 'processes'}")  # fmt: skip
    print(f"batch size: {EVENTS_PER_REQUEST} events a request (products 150)")
    print(f"records {delivered} of {total} in {elapsed:.0f} s from activation: {delivered / elapsed:,.0f} records/s "
          f"(outbox states {states})")  # fmt: skip
    labels = ("all its processes, resident sets summed", "its largest process", "all its processes, PSS summed")
    for index, label in enumerate(labels):
        print(f"worker memory, {label}: at 10 % {at10[index]:.0f} MB, at 100 % {at100[index]:.0f} MB, "
              f"growth {at100[index] - at10[index]:+.0f} MB, peak {peak[index]:.0f} MB")  # fmt: skip
    print("CPU seconds used: " + ", ".join(f"{name} {seconds:.0f}" for name, seconds in cpu.items()))
    print("targets: ≥ 2,000 records/s; peak < 300 MB; growth < 50 MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parts = parser.add_subparsers(dest="part", required=True)
    one = parts.add_parser("latency")
    one.add_argument("--rate", type=float, default=20.0)
    one.add_argument("--seconds", type=int, default=30)
    one.add_argument("--logs", default="/tmp/bench_activate_latency")
    one.add_argument(
        "--without-destination", action="store_true", help="the destination a draft: intake alone, for comparison"
    )
    two = parts.add_parser("backfill")
    two.add_argument("--profiles", type=int, default=100_000)
    two.add_argument("--orders", type=int, default=100_000)
    two.add_argument("--items", type=int, default=200_000)
    two.add_argument("--concurrency", type=int, default=4)
    two.add_argument("--pool", default="prefork", choices=["prefork", "threads"], help="the exports worker's pool")
    two.add_argument("--latency-ms", type=int, default=50)
    two.add_argument("--timeout", type=int, default=900)
    two.add_argument("--logs", default="/tmp/bench_activate_backfill")
    args = parser.parse_args()
    (latency if args.part == "latency" else backfill)(args)


if __name__ == "__main__":
    main()
