"""Checks that no minor's name is anywhere in the database after a busy day at the venue.

Starts the whole stack on a fresh PostgreSQL database (sandbox with delivery delay 0,
gunicorn, dispatcher, one Celery worker), connects to the sandbox with a short first import,
lets the sandbox's live-venue mode make a few hundred bookings, waivers with minors and
guest updates, waits for every event to be processed, then dumps the whole database with
pg_dump and searches it for the full name of every minor the sandbox knows.

Before the dump it also delivers, with the connection's key, bodies that name a few of those
minors but cannot be read (cut off, a NUL byte, a booking whose items are text): they are
answered 200 and stored as failed, and must leave no name behind either.

Run:  .venv/bin/python bench/check_minors_dump.py [--events 600] [--rate 20]
Exits 1 when a minor's name is found.
"""

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_recovery import redis_start
from bench.stack import ROOT, connector_stack, database_create, free_port

PYTHON = sys.executable
DATABASE = "connector_minors_check"


def waiver_names(sandbox: str) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """(first name, last name, date of birth) of the minors and of the adults in the sandbox's
    signed waivers of the last days."""
    token = requests.post(
        f"{sandbox}/token",
        json={"client_id": "sandbox-demo-client", "client_secret": "sandbox-demo-secret"},
        timeout=10,
    ).json()["access_token"]
    minors, adults = set(), set()
    today = dt.date.today()
    for offset in range(-3, 2):
        start, end = today + dt.timedelta(days=offset), today + dt.timedelta(days=offset + 1)
        page, pages = 1, 1
        while page <= pages:
            answer = requests.get(
                f"{sandbox}/data/signedwaivers",
                params={
                    "startDate": start.isoformat(),
                    "endDate": end.isoformat(),
                    "pageNumber": page,
                    "pageSize": 500,
                },
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            ).json()
            pages = answer["totalPages"]
            page += 1
            for row in answer["items"]:
                name = (row["firstName"], row["lastName"], row.get("dateOfBirth") or "")
                (minors if row.get("isForMinor") or row.get("parentSignedWaiverId") else adults).add(name)
    return minors, adults


def appears(person: tuple[str, str, str], dump: str, *, with_birth_date: bool = True) -> bool:
    """First and last name close together ("Noah Jansen", a JSON body's "firstName": "Noah",
    "lastName": "Jansen", a table row's Noah<tab>Jansen) and, unless told otherwise, the date
    of birth soon after: the sandbox's names repeat, so an adult may share a child's name."""
    first, last, born = (re.escape(part) for part in person)
    tail = rf".{{0,300}}{born}" if with_birth_date and born else ""
    return re.search(rf"\b{first}\b.{{0,40}}\b{last}\b{tail}", dump) is not None


def unreadable_deliveries(web: str, minors: set[tuple[str, str, str]], *, count: int = 3) -> list[int]:
    """Posts bodies naming `count` of the minors that the intake (or the handler) cannot read;
    returns the answers' status codes."""
    from integrations.roller.models import RollerSettings

    roller = RollerSettings.objects.select_related("connection").get()
    url = f"{web}/webhooks/roller/{roller.connection.public_id}/"
    headers = {"x-roller-apikey": str(roller.webhook_key), "content-type": "application/json"}
    answers = []
    for number, (first, last, born) in enumerate(sorted(minors)[:count]):
        person = {"firstName": first, "lastName": last, "dateOfBirth": born, "isForMinor": True}
        waiver = json.dumps({"id": f"unreadable-{number}", "type": "SignedWaiver", "eventType": "Created",
                             "data": person}).encode()  # fmt: skip
        booking = json.dumps({"id": f"unreadable-booking-{number}", "type": "Booking", "eventType": "Created",
                              "data": {"bookingReference": f"U{number}", "items": f"{first} {last} {born}"}})  # fmt: skip
        for body in (waiver[:-2], waiver.replace(b'", "lastName"', b'\x00", "lastName"'), booking.encode()):
            answers.append(requests.post(url, data=body, headers=headers, timeout=30).status_code)
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=600, help="live-venue events to make")
    parser.add_argument("--rate", type=float, default=20.0)
    args = parser.parse_args()

    database_url = database_create(DATABASE)
    web_port, sandbox_port, redis_port = free_port(), free_port(), free_port()
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
        "DATABASE_URL": database_url,
        # A Redis of its own: on a shared one, another run's worker took this run's messages.
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "ROLLER_SANDBOX_URL": sandbox,
        "ROLLER_PACING_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL")})
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    workdir = Path(tempfile.mkdtemp(prefix="minors-dump-"))
    redis = redis_start(redis_port, workdir)
    try:
        found = check(env, args, web_port=web_port, sandbox_port=sandbox_port, workdir=workdir)
    finally:
        redis.terminate()
    sys.exit(1 if found else 0)


def check(env: dict[str, str], args: argparse.Namespace, *, web_port: int, sandbox_port: int, workdir: Path) -> list:
    """Runs the busy day and searches the dump; returns the minors found in it."""
    sandbox = f"http://127.0.0.1:{sandbox_port}"

    with connector_stack(env, sandbox_port=sandbox_port, web_port=web_port, size="default", logs=None) as stack:
        # Beat, as in production: its sweeps publish whatever the dispatcher missed.
        stack.start("beat", [PYTHON, "-m", "celery", "-A", "connector_site", "beat", "-s",
                             str(workdir / "beat-schedule"), "--loglevel", "WARNING"])  # fmt: skip
        subprocess.run(
            [PYTHON, "manage.py", "roller_connect", "--contacts-lookback-days", "2", "--orders-lookback-days", "2"],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip
        requests.post(f"{sandbox}/_sim/live/start", json={"rate": args.rate}, timeout=10).raise_for_status()
        time.sleep(args.events / args.rate)
        live = requests.post(f"{sandbox}/_sim/live/stop", timeout=10).json()
        import django

        django.setup()
        from django.db.models import Count

        from integrations.models import Order, SyncRun, WebhookEvent

        unreadable = unreadable_deliveries(f"http://127.0.0.1:{web_port}", waiver_names(sandbox)[0])
        print(f"unreadable deliveries naming a minor: {len(unreadable)}, answered {sorted(set(unreadable))}")

        deadline = time.monotonic() + 300
        busy = WebhookEvent.objects.filter(status__in=["received", "processing"])
        running = SyncRun.objects.filter(status__in=["queued", "running"])
        while (busy.exists() or running.exists()) and time.monotonic() < deadline:
            time.sleep(1)
        names, adults = waiver_names(sandbox)
        dump = subprocess.run(
            ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--data-only", DATABASE],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        found = sorted(" ".join(name) for name in names if appears(name, dump))
        namesakes = sum(appears(name, dump, with_birth_date=False) for name in names)
        print(f"\nlive venue made: {live.get('counts', live)}")
        statuses = dict(WebhookEvent.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        print(f"events by status: {statuses}")
        print(f"orders stored: {Order.objects.count()}, still busy: {busy.count()} events, {running.count()} runs")
        print(f"minors known to the sandbox (last days): {len(names)}; database dump: {len(dump) // 1024} KiB")
        print(f"minors found in the dump (name with date of birth): {len(found)} {found[:10]}")
        print(f"minors whose first and last name an adult in the dump also has: {namesakes}")
        # The control: the same search does find adults who signed waivers (stored as contacts).
        print(
            f"adults' names found in the dump (the search works): {sum(appears(name, dump) for name in adults)} of {len(adults)}"
        )
    return found


if __name__ == "__main__":
    main()
