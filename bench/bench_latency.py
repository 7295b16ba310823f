"""Booking webhook → stored order: latency p50/p95 at a steady rate, the whole stack running.

The ROLLER sandbox (delivery delay 0, its rate limit off) posts each new online booking's
webhooks to gunicorn (2 sync workers); the dispatcher hands them to one Celery worker of two
processes on Redis, which fetches the guest from the sandbox and stores contact and order.
Latency is measured from the webhook's arrival (WebhookEvent.received_at, a few ms after
the sandbox sent it) to the order row's creation.

Run:  .venv/bin/python bench/bench_latency.py [--rate 20] [--seconds 30]
Needs PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.stack import ROOT, connector_stack, database_create, free_port

PYTHON = sys.executable
DATABASE = "connector_bench_latency"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=20.0, help="bookings a second")
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()

    database_url = database_create(DATABASE)
    web_port, sandbox_port = free_port(), free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/13",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "ROLLER_SANDBOX_URL": f"http://127.0.0.1:{sandbox_port}",
        "ROLLER_PACING_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL")})
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(["redis-cli", "-n", "13", "FLUSHDB"], capture_output=True)

    sandbox = f"http://127.0.0.1:{sandbox_port}"
    with connector_stack(
        env, sandbox_port=sandbox_port, web_port=web_port, size="small", logs=Path("/tmp/bench_latency")
    ):
        subprocess.run(
            [PYTHON, "manage.py", "roller_connect", "--contacts-lookback-days", "1", "--orders-lookback-days", "1"],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip
        import django

        django.setup()
        from django.db.models import Count

        from integrations.models import Order, RecordOutcome, SyncRun, WebhookEvent

        # Let the first import (short look-back) finish so it does not share the worker.
        deadline = time.monotonic() + 120
        while SyncRun.objects.filter(status__in=["queued", "running"]).exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        started_at = time.monotonic()
        sent = 0
        while time.monotonic() - started_at < args.seconds:
            due = started_at + sent / args.rate
            time.sleep(max(0.0, due - time.monotonic()))
            requests.post(f"{sandbox}/_sim/online-booking", json={"newGuest": True}, timeout=10).raise_for_status()
            sent += 1
        # Wait for the tail to land.
        deadline = time.monotonic() + 60
        bookings = WebhookEvent.objects.filter(object_type="Booking", event_type="Created")
        while time.monotonic() < deadline:
            landed = Order.objects.count()
            if bookings.count() >= sent and landed >= bookings.count():
                break
            time.sleep(0.5)

        retried = bookings.filter(attempts__gt=1).count()
        skipped = dict(
            RecordOutcome.objects.filter(entity="order", outcome="skipped")
            .values_list("reason")
            .annotate(n=Count("pk"))
            .values_list("reason", "n")
        )
        latencies, missing = [], 0
        orders = {o.external_id: o.created_at for o in Order.objects.all()}
        for event in bookings:
            unique_id = json.loads(event.body)["data"].get("uniqueId") if event.body else None
            created = orders.get(str(unique_id))
            if created is None:
                missing += 1
                continue
            latencies.append((created - event.received_at).total_seconds())

    latencies.sort()
    print(f"\nBooking webhook → order stored, {args.rate:g} bookings/s for {args.seconds} s "
          f"(gunicorn 2 sync workers, 1 Celery worker × 2 processes on Redis, PostgreSQL)")  # fmt: skip
    print(f"bookings sent {sent}, booking webhooks stored {len(latencies) + missing}, orders landed {len(latencies)}")
    print(f"skipped by the rules (new guests without email or phone): {skipped or 'none'}; retried events: {retried}")
    if latencies:
        p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
        print(
            f"p50 {statistics.median(latencies) * 1000:.0f} ms   p95 {p95 * 1000:.0f} ms   max {latencies[-1] * 1000:.0f} ms"
        )
    print("target: p95 < 2 s")


if __name__ == "__main__":
    main()
