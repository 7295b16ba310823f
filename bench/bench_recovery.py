"""How long the stack takes to process everything after a fault, against the 60 s target.

A stack of its own (a fresh PostgreSQL database, a private Redis, the dispatcher, beat and one
events worker with the test connector), then three faults, each timed from the moment the
service is back to the last event processed:

- kill -9 of the whole worker in the middle of a task, and a new worker started;
- Redis stopped while events arrive, then started again;
- every PostgreSQL connection of the stack terminated (pg_terminate_backend), as a restart does.

    .venv/bin/python bench/bench_recovery.py
"""

import json
import os
import shutil
import signal
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


def worker_start(stack: Stack, name: str) -> subprocess.Popen:
    process = stack.start(
        name,
        [PYTHON, "-m", "celery", "-A", "tests.support.worker_app", "worker", "-Q", "events", "--concurrency", "2",
         "--loglevel", "INFO", "--without-mingle", "--without-gossip"],
    )  # fmt: skip
    log = stack.logs / f"{name}.log"
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit(f"worker {name} did not start:\n{log.read_text()}")
        time.sleep(0.2)
    return process


def main() -> None:
    logs = Path(tempfile.mkdtemp(prefix="bench-recovery-"))
    redis_port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "connector_site.settings.test",
        "DATABASE_URL": database_create("bench_recovery"),
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
    }
    os.environ.update(env)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    from django.db import connection as db

    from integrations.models import RecordOutcome, WebhookEvent
    from tests.factories import ConnectionFactory
    from tests.support import fake_connector

    fake_connector.register()
    connection = ConnectionFactory(connector_type=fake_connector.TYPE)
    redis = redis_start(redis_port, logs)
    stack = Stack(env, logs=logs)
    counter = iter(range(1_000_000))

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

    def processed_after(ids: list[int], since: float, limit: float = 300) -> float:
        while WebhookEvent.objects.filter(pk__in=ids).exclude(status=WebhookEvent.Status.PROCESSED).exists():
            if time.monotonic() - since > limit:
                return float("inf")
            time.sleep(0.2)
        return time.monotonic() - since

    results = []
    try:
        stack.start("dispatcher", [PYTHON, "manage.py", "dispatch_events"])
        stack.start("beat", [PYTHON, "-m", "celery", "-A", "tests.support.worker_app", "beat", "-s",
                             str(logs / "beat-schedule")])  # fmt: skip
        worker = worker_start(stack, "worker-1")
        processed_after(store(5), time.monotonic())  # warm: connections open and reused

        # kill -9 of the whole worker while it is in the middle of a task.
        marker = logs / "stalled"
        ids = store(1, stall_once_marker=str(marker), stall_seconds=600) + store(20)
        while not marker.exists():
            time.sleep(0.1)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        worker = worker_start(stack, "worker-2")
        results.append(("kill -9 of the worker", processed_after(ids, time.monotonic())))

        # Redis away while deliveries are stored.
        redis.terminate()
        redis.wait()
        ids = store(20)
        time.sleep(10)
        redis = redis_start(redis_port, logs)
        results.append(("Redis outage", processed_after(ids, time.monotonic())))

        # Every connection of the stack's processes terminated, as a PostgreSQL restart does.
        with db.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        back = time.monotonic()
        ids = store(20)
        results.append(("PostgreSQL connections killed", processed_after(ids, back)))

        duplicates = RecordOutcome.objects.values("source_id").order_by().distinct().count()
        exactly_once = duplicates == RecordOutcome.objects.count()
    finally:
        stack.stop()
        redis.terminate()

    print(f"recovery after a fault: seconds from the service being back to the last event processed "
          f"(target {TARGET_SECONDS:.0f} s)")  # fmt: skip
    for name, seconds in results:
        verdict = "ok" if seconds <= TARGET_SECONDS else "MISSED"
        print(f"  {name:32s} {seconds:6.1f} s  {verdict}")
    print(f"  every event's effect exactly once: {'yes' if exactly_once else 'NO'}")
    print(f"  logs: {logs}")
    if all(seconds <= TARGET_SECONDS for _, seconds in results):
        shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    main()
