"""Webhook intake benchmark: requests a second and p99 latency, measured side by side.

Three receivers, served by the same gunicorn (sync workers, 2 by default) on PostgreSQL,
loaded by wrk from a second process on loopback with 8 concurrent senders:
  bare   - the same Django stack answering 200 without touching the database;
  naive  - one ORM insert plus Celery .delay() per request (bench/bench_urls.py);
  ours   - the real ROLLER webhook view (authenticate, one prepared INSERT … ON CONFLICT),
           with the dispatcher process publishing to Redis at the same time.
The three take turns, round after round, so a slower minute of this shared machine falls on
all of them; the summary is the median of the rounds.

Run:  .venv/bin/python bench/bench_intake.py [--duration 10] [--rounds 3] [--workers 2]
Needs PostgreSQL (127.0.0.1:5432, trust auth), Redis (127.0.0.1:6379) and wrk (apt install wrk).
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.stack import ROOT, Stack, database_create, free_port, wait_for

PYTHON = sys.executable
DATABASE = "connector_bench"
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14",
    "PYTHONPATH": str(ROOT),
}
KEY = "bench-webhook-key-" + "x" * 30


def ensure_database() -> None:
    database_create(DATABASE, fresh=False)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=ENV, check=True)


def prepare_connection() -> tuple[str, int]:
    os.environ.update({k: ENV[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL")})
    import django

    django.setup()
    from django.db import connection as db

    from integrations.models import Account, Connection, WebhookEvent
    from integrations.roller.models import RollerSettings

    # Every run starts from an empty table (no dead rows: this machine's PostgreSQL has
    # autovacuum off).
    with db.cursor() as cursor:
        cursor.execute(f"TRUNCATE {WebhookEvent._meta.db_table} CASCADE")
    account, _ = Account.objects.get_or_create(name="Bench")
    connection, _ = Connection.objects.get_or_create(
        account=account, name="Bench venue", defaults={"connector_type": "roller", "status": "active"}
    )
    # Paused for "naive", active for "ours": set per run below.
    RollerSettings.objects.update_or_create(
        connection=connection,
        defaults={"environment": "sandbox", "custom_base_url": "http://127.0.0.1:1", "webhook_key": KEY},
    )
    return str(connection.public_id), connection.pk


def body_file(tmp: Path) -> Path:
    fixture = ROOT / "tests/integrations/roller/fixtures/booking_created.json"
    envelope = json.loads(fixture.read_text())
    envelope["id"] = "__MESSAGE_ID__"
    path = tmp / "body.json"
    path.write_text(json.dumps(envelope))
    return path


def wrk(url: str, seconds: int, body: Path) -> dict:
    env = {**os.environ, "BENCH_BODY_FILE": str(body), "BENCH_WEBHOOK_KEY": KEY, "BENCH_RUN": uuid.uuid4().hex[:8]}
    out = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "-s", str(ROOT / "bench/post.lua"), url],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": percentiles.get("50"),
        "p99": percentiles.get("99"),
        "non2xx": int(errors.group(1)) if errors else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="Seconds per receiver per round.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers.")
    parser.add_argument("--no-dispatcher", action="store_true", help="Measure the view alone (diagnosis).")
    args = parser.parse_args()

    ensure_database()
    public_id, connection_id = prepare_connection()
    from integrations.models import WebhookEvent

    tmp = Path("/tmp/bench_intake")
    tmp.mkdir(exist_ok=True)
    body = body_file(tmp)
    port = free_port()
    stack = Stack(ENV)
    stack.start("gunicorn", [PYTHON, "-m", "gunicorn", "connector_site.wsgi:application", "--workers",
                             str(args.workers), "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
                             "--log-level", "warning"])  # fmt: skip
    if not args.no_dispatcher:
        stack.start("dispatcher", [PYTHON, "manage.py", "dispatch_events"])
    base = f"http://127.0.0.1:{port}"
    urls = {
        "bare": f"{base}/bench/bare/{connection_id}/",
        "naive": f"{base}/bench/naive/{connection_id}/",
        "ours": f"{base}/webhooks/roller/{public_id}/",
    }
    rounds: list[dict[str, dict]] = []
    try:
        wait_for(port)
        for url in urls.values():
            wrk(url, 3, body)  # warm up every path and connection
        for _ in range(args.rounds):
            results = {}
            for name, url in urls.items():
                before = WebhookEvent.objects.count()
                results[name] = wrk(url, args.duration, body)
                results[name]["stored"] = WebhookEvent.objects.count() - before
            rounds.append(results)
    finally:
        stack.stop()
        subprocess.run(["redis-cli", "-n", "14", "FLUSHDB"], capture_output=True)

    print(
        f"\nIntake benchmark: gunicorn {args.workers} sync workers, PostgreSQL, wrk 8 connections, "
        f"{args.rounds} rounds of {args.duration} s each"
    )
    print(f"{'round':<6} {'receiver':<8} {'req/s':>9} {'× bare':>7} {'p50':>9} {'p99':>9} {'non-2xx':>8} {'stored':>8}")
    for number, results in enumerate(rounds, 1):
        bare = results["bare"]["rps"]
        for name, r in results.items():
            print(
                f"{number:<6} {name:<8} {r['rps']:>9.0f} {r['rps'] / bare:>7.2f} {r['p50']:>9} {r['p99']:>9} "
                f"{r['non2xx']:>8} {r['stored']:>8}"
            )
    print("\nmedian of the rounds:")
    for name in urls:
        ratio = statistics.median(results[name]["rps"] / results["bare"]["rps"] for results in rounds)
        rps = statistics.median(results[name]["rps"] for results in rounds)
        p99 = statistics.median(milliseconds(results[name]["p99"]) for results in rounds)
        print(f"  {name:<8} {rps:>7.0f} req/s  {ratio:.2f} × bare  p99 {p99:.1f} ms")
    print("\ntarget: ours ≥ 0.40 × bare, p99 < 20 ms")


def milliseconds(value: str) -> float:
    """wrk's latency figure ("850.00us", "12.3ms", "1.2s") in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


if __name__ == "__main__":
    main()
