"""The demo's first import on `make run`'s embedded stack: how long until it is finished.

`make run`'s defaults, nothing else running: SQLite (WAL) and kombu's file-system broker,
`manage.py run_local` (runserver, dispatcher, one Celery worker, beat, the ROLLER sandbox with
the demo venue, its rate limits on and its bulk exports at their default 5 s a sequence).
Everything lives in a temporary folder (DATABASE_URL, VAR_DIR), so a demo in var/ is not
touched; run_local's output is kept in /tmp/bench_first_import.log.

The connection is made and activated as the README's demo does it: `manage.py roller_connect`
(the preset's look-backs unless --contacts-lookback-days / --orders-lookback-days are given).
From the connection's activation it watches the store as bench/first_import_ways.py does, and
prints the time until the first import is finished against the 2-minute target, and the time
until the orders of the last 7 days are stored. `--rounds N` starts a fresh stack each round
and prints medians.

Run:  .venv/bin/python bench/bench_first_import.py [--rounds 1] [--timeout 900]
      [--contacts-lookback-days N] [--orders-lookback-days N] [--bulk-export-delay S]
The sandbox generates an export's months side by side, each ready `bulk_export_delay_seconds`
(5 s) after the request; `--bulk-export-delay` sets another delay first, and the summary says
which.
Needs nothing but this repository and its virtualenv.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.first_import_ways import import_watch
from bench.stack import ROOT, free_port, wait_for

PYTHON = sys.executable
TARGET_SECONDS = 120.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900, help="seconds a first import may take")
    parser.add_argument("--contacts-lookback-days", type=int)
    parser.add_argument("--orders-lookback-days", type=int)
    parser.add_argument(
        "--bulk-export-delay", type=float, help="the sandbox's seconds a sequence (default: its own, 5 s), set first"
    )
    parser.add_argument("--one-round", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_round:  # a process of its own: Django is set up once a process, on that round's database
        print(json.dumps(one_round(args)))
        return
    rounds = []
    for number in range(1, args.rounds + 1):
        print(f"round {number}…", flush=True)
        command = [PYTHON, __file__, "--one-round", *_lookbacks(args), "--timeout", str(args.timeout)]
        if args.bulk_export_delay is not None:
            command += ["--bulk-export-delay", str(args.bulk_export_delay)]
        out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(out.stderr[-3000:])
        rounds.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"  {_line(rounds[-1])}", flush=True)
    finished = [r["wall_seconds"] for r in rounds if not r["stopped"]]
    recent = [r["recent_orders_seconds"] for r in rounds if r["recent_orders_seconds"] is not None]
    delay = "its default" if args.bulk_export_delay is None else f"{args.bulk_export_delay:g} s"
    print(f"\nThe demo's first import on make run's embedded stack (SQLite, file-system broker; the sandbox's "
          f"bulk export delay a sequence: {delay}), {len(rounds)} round(s)")  # fmt: skip
    for number, r in enumerate(rounds, 1):
        print(f"  round {number}: {_line(r)}")
    if finished and len(finished) == len(rounds):
        median = statistics.median(finished)
        verdict = "met" if median < TARGET_SECONDS else "MISSED"
        print(f"first import finished: median {median:.0f} s (target < {TARGET_SECONDS:g} s: {verdict})")
    else:
        print(f"first import finished: not within {args.timeout:g} s in {len(rounds) - len(finished)} round(s) "
              f"(target < {TARGET_SECONDS:g} s: MISSED)")  # fmt: skip
    if recent:
        print(f"last 7 days of orders stored: median {statistics.median(recent):.0f} s after activation")
    else:
        print("last 7 days of orders stored: not all when the rounds stopped")


def _lookbacks(args) -> list[str]:
    out = []
    for name in ("contacts_lookback_days", "orders_lookback_days"):
        if getattr(args, name):
            out += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    return out


def _line(r: dict) -> str:
    done = r["stopped"] or f"finished in {r['wall_seconds']:.0f} s"
    recent = r["recent_orders_seconds"]
    recent = f"{recent:.0f} s" if recent is not None else "not all stored"
    how = "bulk: " + ", ".join(sorted(e["exportType"] for e in r["exports"])) if r["exports"] else "by windows"
    return (f"{done}; last 7 days of orders ({r['recent_orders']}) {recent}; {how}; "
            f"{r['contacts']} contacts, {r['orders']} orders; runs {r['runs']}")  # fmt: skip


def one_round(args) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-first-import-") as tmp:
        tmp = Path(tmp)
        web_port, sandbox_port = free_port(), free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "connector_site.settings.local",
            "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
            "VAR_DIR": str(tmp / "var"),
            "PYTHONPATH": str(ROOT),
        }
        env.pop("CELERY_BROKER_URL", None)  # the embedded default
        os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "VAR_DIR")})
        os.environ.pop("CELERY_BROKER_URL", None)
        for step in (["migrate", "-v0"], ["demo_setup"]):
            subprocess.run([PYTHON, "manage.py", *step], cwd=ROOT, env=env, check=True, capture_output=True)
        run_local = subprocess.Popen(
            [PYTHON, "manage.py", "run_local", "--port", str(web_port), "--sandbox-port", str(sandbox_port)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(run_local.stdout), daemon=True).start()
        try:
            return _activate_and_watch(env, args, web_port=web_port, sandbox_port=sandbox_port)
        finally:
            run_local.send_signal(signal.SIGINT)
            try:
                run_local.wait(30)
            except subprocess.TimeoutExpired:
                run_local.kill()
            Path("/tmp/bench_first_import.log").write_text("".join(lines))


def _activate_and_watch(env: dict, args, *, web_port: int, sandbox_port: int) -> dict:
    wait_for(sandbox_port, timeout=120)
    wait_for(web_port, timeout=120)
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    from integrations.roller.sandbox.control_client import SandboxControl

    if args.bulk_export_delay is not None:
        SandboxControl(sandbox).configure(bulk_export_delay_seconds=args.bulk_export_delay)
    subprocess.run(
        [PYTHON, "manage.py", "roller_connect", "--url", sandbox, *_lookbacks(args)],
        cwd=ROOT, env={**env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}"}, check=True, capture_output=True,
    )  # fmt: skip
    import django

    django.setup()
    from integrations.models import Connection

    connection = Connection.objects.get()
    seen = import_watch(
        connection, SandboxControl(sandbox), started=connection.activated_at.timestamp(), worker_pgid=None,
        bulk_grace=None, timeout=args.timeout,
    )  # fmt: skip
    contacts, orders = seen["last_state"][0], seen["last_state"][1]
    return {**seen, "contacts": contacts, "orders": orders}


if __name__ == "__main__":
    main()
