"""Slow clients (issue 13): good webhook deliveries while 20 slow senders stay connected.

gunicorn serves the real ROLLER webhook view with the production settings on PostgreSQL, once
as the README used to say (2 sync workers) and once with deploy/gunicorn.conf.py (the
Procfile's web process). Meanwhile SLOW clients keep connections open, reconnecting whenever
the server drops one, in three kinds:
  silent   - connects and sends nothing;
  headers  - sends the request line, then one header byte every 2 s, never finishing;
  body     - sends complete headers (the right key, Content-Length 4096), 64 bytes, then stalls.
A good sender posts one booking webhook at a time, a new connection each, for --seconds, and
times the answer. ROLLER gives up after 10 s; the target is every good delivery under 1 s.

Run:  .venv/bin/python bench/bench_slow_clients.py [--slow 20] [--seconds 20]
Needs PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379).
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.stack import ROOT, Stack, database_create, free_port, wait_for

PYTHON = sys.executable
DATABASE = "connector_bench_slow_clients"
KEY = "bench-slow-clients-key-" + "x" * 24
TARGET_SECONDS = 1.0
ROLLER_GIVES_UP_SECONDS = 10.0
SETUPS = {
    "2 sync workers (the README before)": ["--workers", "2", "--worker-class", "sync"],
    "deploy/gunicorn.conf.py (Procfile)": ["--config", str(ROOT / "deploy/gunicorn.conf.py")],
}


def environment(broker_db: int) -> dict[str, str]:
    from cryptography.fernet import Fernet

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "connector_site.settings.production",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{broker_db}",
        "SECRET_KEY": "bench-" + uuid.uuid4().hex * 2,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PUBLIC_BASE_URL": "https://connect.example.com",
        # Plain HTTP on loopback: TLS is not what this measures.
        "SECURE_SSL_REDIRECT": "false",
        "PYTHONPATH": str(ROOT),
    }


def prepare_connection(env: dict[str, str]) -> str:
    database_create(DATABASE)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    from integrations.models import Account, Connection
    from integrations.roller.models import RollerSettings

    account = Account.objects.create(name="Bench")
    connection = Connection.objects.create(
        account=account, name="Bench venue", connector_type="roller", status="active"
    )
    RollerSettings.objects.create(
        connection=connection, environment="sandbox", custom_base_url="http://127.0.0.1:1", webhook_key=KEY
    )
    return str(connection.public_id)


class SlowClients:
    """`count` slow connections kept open (reconnecting when dropped) until stopped."""

    KINDS = ("silent", "headers", "body")

    def __init__(self, port: int, path: str, count: int) -> None:
        self.port, self.path, self.stopping = port, path, threading.Event()
        self.dropped = 0
        self.threads = [
            threading.Thread(target=self._keep, args=(self.KINDS[n % 3],), daemon=True) for n in range(count)
        ]

    def __enter__(self) -> "SlowClients":
        for thread in self.threads:
            thread.start()
        time.sleep(1)  # all connected before the good deliveries start
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(5)

    def _keep(self, kind: str) -> None:
        while not self.stopping.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
                    self._stall(sock, kind)
            except OSError:
                pass
            self.dropped += 1

    def _stall(self, sock: socket.socket, kind: str) -> None:
        if kind == "headers":
            sock.sendall(f"POST {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
            for byte in b"X-Slow: " + b"y" * 1000:
                if self.stopping.wait(2):
                    return
                sock.sendall(bytes([byte]))
        elif kind == "body":
            head = (
                f"POST {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"x-roller-apikey: {KEY}\r\nContent-Length: 4096\r\n\r\n"
            )
            sock.sendall(head.encode() + b'{"id": "' + b"s" * 56)
        # silent, and whatever is left: hold the connection until the server drops it.
        sock.settimeout(1)
        while not self.stopping.is_set():
            try:
                if sock.recv(1024) == b"":
                    return
            except TimeoutError:
                continue


def good_deliveries(url: str, seconds: float) -> tuple[list[float], int]:
    latencies, failures = [], 0
    fixture = json.loads((ROOT / "tests/integrations/roller/fixtures/booking_created.json").read_text())
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        fixture["id"] = str(uuid.uuid4())
        started = time.monotonic()
        try:
            response = requests.post(
                url,
                data=json.dumps(fixture),
                headers={"Content-Type": "application/json", "x-roller-apikey": KEY, "Connection": "close"},
                timeout=ROLLER_GIVES_UP_SECONDS,
            )
            ok = response.status_code == 200
        except requests.RequestException:
            ok = False
        elapsed = time.monotonic() - started
        if ok:
            latencies.append(elapsed)
        else:
            failures += 1
        time.sleep(max(0.0, 0.2 - elapsed))
    return latencies, failures


def run(name: str, options: list[str], env: dict[str, str], public_id: str, args, logs: Path) -> dict:
    port = free_port()
    stack = Stack({**env, "PORT": str(port), "WEB_BIND_HOST": "127.0.0.1"}, logs=logs / name.split()[0])
    with stack:
        command = [PYTHON, "-m", "gunicorn", "connector_site.wsgi:application", *options]
        stack.start("gunicorn", [*command, "--bind", f"127.0.0.1:{port}", "--log-level", "warning"])
        wait_for(port)
        path = f"/webhooks/roller/{public_id}/"
        url = f"http://127.0.0.1:{port}{path}"
        good_deliveries(url, 2)  # warm up
        with SlowClients(port, path, args.slow) as slow:
            latencies, failures = good_deliveries(url, args.seconds)
    latencies.sort()
    return {"name": name, "latencies": latencies, "failures": failures, "dropped": slow.dropped}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slow", type=int, default=20, help="slow clients connected at once")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--broker-db", type=int, default=12, help="Redis database number for this run")
    args = parser.parse_args()

    env = environment(args.broker_db)
    public_id = prepare_connection(env)
    logs = Path("/tmp/bench_slow_clients")
    results = [run(name, options, env, public_id, args, logs) for name, options in SETUPS.items()]

    print(f"\nGood webhook deliveries with {args.slow} slow clients connected, {args.seconds:g} s per setup")
    print(f"{'setup':<38} {'sent':>5} {'p50':>8} {'p95':>8} {'max':>8} {'>1 s':>5} {'failed':>7} {'dropped':>8}")
    for r in results:
        lat = r["latencies"]
        p95 = lat[max(0, round(0.95 * len(lat)) - 1)] if lat else float("nan")
        over = sum(1 for value in lat if value > TARGET_SECONDS)
        print(
            f"{r['name']:<38} {len(lat) + r['failures']:>5} {statistics.median(lat) if lat else float('nan'):>7.3f}s "
            f"{p95:>7.3f}s {lat[-1] if lat else float('nan'):>7.3f}s {over:>5} {r['failures']:>7} {r['dropped']:>8}"
        )
    print(f"target: every good delivery answered 200 in under {TARGET_SECONDS:g} s (ROLLER gives up after 10 s)")
    print("failed: no 200 within 10 s; dropped: slow connections the server closed (each reconnects at once)")


if __name__ == "__main__":
    main()
