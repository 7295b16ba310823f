"""How long the stack takes to process everything after a fault, against the 60 s target.

A stack of its own (a fresh PostgreSQL database, a private Redis, the ROLLER sandbox, the
dispatcher, beat, one events worker with the test connector and ROLLER, and one imports worker
for beat's monitoring tasks, as the Procfile runs them), then four faults,
each timed from the moment the service is back to the last event processed:

- kill -9 of the whole worker in the middle of a task, and a new worker started;
- Redis stopped while events arrive, then started again;
- every PostgreSQL connection of the stack terminated (pg_terminate_backend), as a restart does;
- ROLLER's API failing (the sandbox answers 503 to every call, the token included) while
  bookings arrive, so their holder fetches fail and they wait on back-off (10 s, 30 s, 90 s …);
  then ROLLER answers again, and beat's probe (every 30 s) makes the long waits due.

    .venv/bin/python bench/bench_recovery.py [--rounds 3] [--roller-outage 90]

With several rounds it prints each figure's median and worst.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.stack import ROOT, Stack, database_create, free_port, wait_for

TARGET_SECONDS = 60.0
PYTHON = sys.executable


def redis_start(port: int, workdir: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    wait_for(port)
    return process


def worker_start(stack: Stack, name: str, *, queue: str = "events") -> subprocess.Popen:
    process = stack.start(
        name,
        [PYTHON, "-m", "celery", "-A", "tests.support.worker_app", "worker", "-Q", queue, "--concurrency", "2",
         "--hostname", f"{name}@%h", "--loglevel", "INFO", "--without-mingle", "--without-gossip"],
    )  # fmt: skip
    log = stack.logs / f"{name}.log"
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit(f"worker {name} did not start:\n{log.read_text()}")
        time.sleep(0.2)
    return process


def sandbox_start(stack: Stack, port: int) -> str:
    stack.start("sandbox", [PYTHON, "-m", "integrations.roller.sandbox", "--port", str(port), "--size", "small",
                            "--delivery-delay", "0", "--no-rate-limit"])  # fmt: skip
    wait_for(port)
    return f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=1, help="times each fault is made")
    parser.add_argument("--roller-outage", type=float, default=90.0, help="seconds ROLLER's API fails")
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="bench-recovery-"))
    redis_port, sandbox_port = free_port(), free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "connector_site.settings.test",
        "DATABASE_URL": database_create("bench_recovery"),
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "ROLLER_PACING_ENABLED": "false",
    }
    os.environ.update(env)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    from django.db import connection as db

    from integrations.models import Order, RecordOutcome, WebhookEvent
    from integrations.roller.sandbox.control_client import SandboxControl
    from tests.factories import ConnectionFactory, ProductFactory, RollerSettingsFactory
    from tests.support import fake_connector
    from tests.support.webhooks import envelope

    fake_connector.register()
    connection = ConnectionFactory(connector_type=fake_connector.TYPE)
    redis = redis_start(redis_port, logs)
    stack = Stack(env, logs=logs)
    counter = iter(range(1_000_000))
    sandbox = SandboxControl(sandbox_start(stack, sandbox_port))
    roller = RollerSettingsFactory(custom_base_url=sandbox.url).connection
    for product_id in (123999221, 970411, 107400):  # the booking fixture's products
        ProductFactory(connection=roller, external_id=str(product_id))
    holders = [sandbox.online_booking(newGuest=True)["customerId"] for _ in range(5)]

    def store(count: int, **body) -> list[int]:
        ids = []
        for _ in range(count):
            number = next(counter)
            ids.append(
                WebhookEvent.objects.create(
                    connection=connection, message_id=f"bench-{number}", object_type="Thing", event_type="Created",
                    body=json.dumps({"thing": f"t-{number}", **body}),
                ).pk
            )  # fmt: skip
        return ids

    def bookings_arrive(count: int) -> list[int]:
        """Stored as the intake stores a delivery: each a booking of one of the holders."""
        ids = []
        for _ in range(count):
            number = next(counter)
            message = envelope("booking_created", customerId=holders[number % len(holders)],
                               bookingReference=f"B{number}", uniqueId=f"bench-booking-{number}")  # fmt: skip
            ids.append(
                WebhookEvent.objects.create(
                    connection=roller, message_id=message["id"], object_type="Booking", event_type="Created",
                    body=json.dumps(message), subject_reference=f"B{number}",
                ).pk
            )  # fmt: skip
        return ids

    def processed_after(ids: list[int], since: float, limit: float = 300) -> float:
        while WebhookEvent.objects.filter(pk__in=ids).exclude(status=WebhookEvent.Status.PROCESSED).exists():
            if time.monotonic() - since > limit:
                return float("inf")
            time.sleep(0.2)
        return time.monotonic() - since

    results: dict[str, list[float]] = {}

    def measured(name: str, seconds: float) -> None:
        results.setdefault(name, []).append(seconds)
        print(f"  round {len(results[name])}: {name:32s} {seconds:6.1f} s", flush=True)

    workers = iter(range(1, 1000))
    try:
        stack.start("dispatcher", [PYTHON, "manage.py", "dispatch_events"])
        stack.start("beat", [PYTHON, "-m", "celery", "-A", "tests.support.worker_app", "beat", "-s",
                             str(logs / "beat-schedule")])  # fmt: skip
        # As the Procfile runs them: beat's monitoring tasks (the source probe among them) go to
        # the imports queue, served by a worker of its own.
        worker_start(stack, "imports", queue="imports")
        worker = worker_start(stack, f"worker-{next(workers)}")
        processed_after(store(5), time.monotonic())  # warm: connections open and reused
        processed_after(bookings_arrive(2), time.monotonic())  # and ROLLER's token held
        for _ in range(args.rounds):
            # kill -9 of the whole worker while it is in the middle of a task.
            marker = logs / f"stalled-{next(counter)}"
            ids = store(1, stall_once_marker=str(marker), stall_seconds=600) + store(20)
            while not marker.exists():
                time.sleep(0.1)
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
            worker = worker_start(stack, f"worker-{next(workers)}")
            measured("kill -9 of the worker", processed_after(ids, time.monotonic()))

            # Redis away while deliveries are stored.
            redis.terminate()
            redis.wait()
            ids = store(20)
            time.sleep(10)
            redis = redis_start(redis_port, logs)
            measured("Redis outage", processed_after(ids, time.monotonic()))

            # Every connection of the stack's processes terminated, as a PostgreSQL restart does.
            with db.cursor() as cursor:
                cursor.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            back = time.monotonic()
            ids = store(20)
            measured("PostgreSQL connections killed", processed_after(ids, back))

            # ROLLER's API failing while bookings arrive: every call answered 503, the token too.
            sandbox.fault("/", status=503, count=10_000_000)
            ids = []
            outage_began = time.monotonic()
            while time.monotonic() - outage_began < args.roller_outage:
                ids += bookings_arrive(2)
                time.sleep(5)
            waiting = WebhookEvent.objects.filter(pk__in=ids, status=WebhookEvent.Status.FAILED).count()
            sandbox.clear_faults()
            back = time.monotonic()
            seconds = processed_after(ids, back)
            print(f"    ({len(ids)} bookings, {waiting} waiting on back-off when ROLLER answered again)")
            measured("ROLLER outage", seconds)

        # One outcome per record per event: an event processed twice would have two.
        duplicates = RecordOutcome.objects.values("webhook_event", "entity", "source_id").order_by().distinct().count()
        exactly_once = duplicates == RecordOutcome.objects.count()
        # Every booking has its order outcome: stored, or skipped with its reason (one of the
        # sandbox's new guests may have neither an email address nor a phone number).
        bookings = WebhookEvent.objects.filter(connection=roller).count()
        order_outcomes = RecordOutcome.objects.filter(connection=roller, entity="order")
        every_booking_stored = order_outcomes.values("webhook_event").distinct().count() == bookings
        stored_orders = Order.objects.filter(connection=roller).count()
    finally:
        stack.stop()
        redis.terminate()

    print(f"recovery after a fault: seconds from the service being back to the last event processed "
          f"(target {TARGET_SECONDS:.0f} s), {args.rounds} round(s)")  # fmt: skip
    for name, figures in results.items():
        worst = max(figures)
        verdict = "ok" if worst <= TARGET_SECONDS else "MISSED"
        print(f"  {name:32s} median {statistics.median(figures):6.1f} s  worst {worst:6.1f} s  {verdict}")
    print(f"  every event's effect exactly once: {'yes' if exactly_once else 'NO'}")
    print(f"  every booking has its outcome: {'yes' if every_booking_stored else 'NO'} "
          f"({bookings} bookings, {stored_orders} orders stored, the others skipped with their reason)")  # fmt: skip
    print(f"  logs: {logs}")
    if all(max(figures) <= TARGET_SECONDS for figures in results.values()):
        shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    main()
