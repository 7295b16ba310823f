"""One first import on the whole stack, watched from outside: what bench/bench_import.py runs
for each way (bulk exports, daily windows) and each round.

It knows nothing of the import's plan. It starts the ROLLER sandbox (a seeded venue, ROLLER's
rate limits on: 120 reporting calls a minute, then a 60 s lock-out), gunicorn, the dispatcher,
Celery beat and a Celery worker of two processes on PostgreSQL (db `bench_ways`) and Redis
(db 6), activates a connection as the wizard does (`connection_activate`: the webhook, then
the first import) and watches:

- the store (contacts, orders, the runs, the webhook events) every half second: the import is
  done when every run has ended, every webhook event is handled, the sandbox has sent every
  sequence of every bulk export, and nothing has changed for SETTLE seconds; its wall time
  runs to the last change seen;
- the orders made in the last 7 days: when their count reached its final value;
- /_sim/stats: ROLLER calls and usage units, as ROLLER counts them (a reporting call is one;
  an export, per calendar month, one per started 10,000 records); /_sim/bulk-exports;
- the worker processes' peak resident memory (VmHWM of each process of the worker's group);
- the seconds spent on the write path (bench/ingest_timing.py, in each worker process).

A bulk way that has requested no export `bulk_grace` seconds after activation is stopped:
this tree has no bulk first import (it imports by windows), and the result says so.

Run by bench_import.py:  python bench/first_import_ways.py '<way as JSON>'  → JSON on the last line.
"""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.ingest_timing import ingest_seconds
from bench.stack import ROOT, Stack, database_create, free_port, wait_for

PYTHON = sys.executable
# Two benchmarks at once need their own: BENCH_WAYS_DATABASE (bench_*) and BENCH_WAYS_REDIS_DB.
DATABASE = os.environ.get("BENCH_WAYS_DATABASE", "bench_ways")
REDIS_DB = int(os.environ.get("BENCH_WAYS_REDIS_DB", "6"))
CACHE = Path(os.environ.get("BENCH_CACHE_DIR", "/tmp/bench_cache"))
CLIENT_ID, CLIENT_SECRET = "sandbox-demo-client", "sandbox-demo-secret"
POLL, SETTLE = 0.5, 5.0
RECENT_DAYS = 7


# --- the sandbox's venue, seeded once ------------------------------------------------------------


def seeded_state(size: str, *, anchor: str, seed: int = 42) -> Path:
    """The sandbox's state file of a freshly seeded venue, cached on disk."""
    path = CACHE / f"{size}-seed{seed}-{anchor}.pickle"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        script = (
            "import sys; from pathlib import Path\n"
            "from integrations.roller.sandbox.app import Sandbox\n"
            "from integrations.roller.sandbox.config import SandboxConfig\n"
            "from integrations.roller.sandbox.persistence import state_save\n"
            f"state_save(Sandbox(SandboxConfig(seed={seed}, size={size!r}, anchor_date={anchor!r})), Path(sys.argv[1]))"
        )
        subprocess.run([PYTHON, "-c", script, str(path)], cwd=ROOT, check=True)
    return path


# --- the stack ------------------------------------------------------------------------------------------


def venue_today() -> str:
    from integrations.roller.sandbox.clock import VENUE_TZ

    return dt.datetime.now(VENUE_TZ).date().isoformat()


def stack_start(env: dict, tmp: Path, *, size: str, anchor: str, sandbox_port: int, web_port: int) -> tuple[Stack, int]:
    """The stack, and the Celery worker's process group (its pool's processes among them)."""
    state = tmp / "venue.pickle"
    shutil.copy(seeded_state(size, anchor=anchor), state)  # the sandbox saves into it as it runs: a copy
    stack = Stack(env, logs=tmp / "logs")
    sandbox = ["-m", "integrations.roller.sandbox", "--port", str(sandbox_port), "--size", size]
    stack.start("sandbox", [PYTHON, *sandbox, "--delivery-delay", "0", "--state-file", str(state)])
    web = ["-m", "gunicorn", "connector_site.wsgi:application", "--workers", "2", "--bind", f"127.0.0.1:{web_port}"]
    stack.start("gunicorn", [PYTHON, *web, "--log-level", "warning"])
    stack.start("dispatcher", [PYTHON, "manage.py", "dispatch_events", "--poll", "0.1"])
    worker = ["-m", "celery", "-A", "connector_site", "worker", "-Q", "events,imports", "--concurrency", "2"]
    worker_process = stack.start("worker", [PYTHON, *worker, "--loglevel", "INFO"])
    beat = ["-m", "celery", "-A", "connector_site", "beat", "--schedule", str(tmp / "beat-schedule")]
    stack.start("beat", [PYTHON, *beat, "--loglevel", "WARNING"])
    try:
        wait_for(sandbox_port, timeout=180)
        wait_for(web_port)
        _worker_ready(tmp / "logs" / "worker.log")
    except BaseException:
        stack.stop()
        raise
    return stack, worker_process.pid  # its own session: the group's id is its pid


def _worker_ready(log: Path, timeout: float = 120) -> None:
    """Celery says "ready." once its pool consumes: the activation's first task must not wait for it."""
    deadline = time.monotonic() + timeout
    while " ready." not in (log.read_text() if log.exists() else ""):
        if time.monotonic() > deadline:
            raise SystemExit(f"the Celery worker was not ready within {timeout:g} s (see {log})")
        time.sleep(0.2)


def group_peak_rss_mb(pgid: int) -> dict[int, float]:
    """VmHWM (the resident high-water mark) of every process of the group, by pid, in MB."""
    peaks = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks[int(entry.name)] = int(line.split()[1]) / 1024
        except (OSError, IndexError, ValueError):
            continue
    return peaks


# --- one way -----------------------------------------------------------------------------------------


def way_measure(way: dict) -> dict:
    """way: label, size, anchor_date (default today), lookback_days, switches (sandbox config),
    bulk (bool), bulk_grace, timeout."""
    import redis

    broker = f"redis://127.0.0.1:6379/{REDIS_DB}"
    redis.Redis.from_url(broker).flushdb()  # no task of an earlier run
    with tempfile.TemporaryDirectory(prefix="bench-ways-") as tmp:
        tmp = Path(tmp)
        sandbox_port, web_port = free_port(), free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
            "DATABASE_URL": database_create(DATABASE),
            "CELERY_BROKER_URL": broker,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
            "ROLLER_PACING_ENABLED": "true",
            "BENCH_INGEST_TIMING_DIR": str(tmp),
            "PYTHONPATH": str(ROOT),
        }
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL",
                                               "PUBLIC_BASE_URL", "ROLLER_PACING_ENABLED")})  # fmt: skip
        import django

        django.setup()
        anchor = way.get("anchor_date") or venue_today()
        stack, worker_pgid = stack_start(
            env, tmp, size=way["size"], anchor=anchor, sandbox_port=sandbox_port, web_port=web_port
        )
        with stack:
            result = _watch(way, f"http://127.0.0.1:{sandbox_port}", worker_pgid=worker_pgid, timing=tmp)
        if result.get("stopped"):
            result["logs_tail"] = (tmp / "logs" / "worker.log").read_text()[-1500:]
        return result


def _connection(url: str, lookback_days: int):
    from integrations.models import Account
    from integrations.roller.services import roller_connection_create, roller_venue_refresh

    account, _ = Account.objects.get_or_create(name="Bench")
    connection = roller_connection_create(
        account=account, name="Bench", environment="sandbox", client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
        custom_base_url=url,
    )  # fmt: skip
    roller_venue_refresh(roller_settings=connection.roller)
    connection.contacts_lookback_days = connection.orders_lookback_days = lookback_days
    connection.save(update_fields=["contacts_lookback_days", "orders_lookback_days"])
    return connection


def _watch(way: dict, url: str, *, worker_pgid: int, timing: Path) -> dict:
    from integrations.roller.sandbox.control_client import SandboxControl
    from integrations.services.connections import connection_activate

    control = SandboxControl(url)
    if way.get("switches"):
        control.configure(**way["switches"])
    connection = _connection(url, way["lookback_days"])
    before = control.stats()
    started = time.time()
    connection_activate(connection=connection)
    seen = import_watch(
        connection, control, started=started, worker_pgid=worker_pgid,
        bulk_grace=way["bulk_grace"] if way.get("bulk") else None, timeout=way["timeout"],
    )  # fmt: skip
    stopped, last_state, exports = seen["stopped"], seen["last_state"], seen["exports"]
    after = control.stats()

    def delta(key: str) -> int:
        return after["calls"].get(key, 0) - before["calls"].get(key, 0)

    rows = last_state[0] + last_state[1]
    write_seconds = ingest_seconds(timing)
    by_path = {k: v - before["callsByPath"].get(k, 0) for k, v in after["callsByPath"].items()}
    return {
        "label": way["label"], "stopped": stopped, "wall_seconds": seen["wall_seconds"],
        "reporting_calls": delta("reporting"), "rest_calls": delta("rest"), "calls_by_path": by_path,
        "usage_units": after["usageUnits"] - before["usageUnits"],
        "rate_limited": after["rateLimited"] - before["rateLimited"],
        "rows": rows, "write_seconds": write_seconds, "rows_per_second": rows / write_seconds if write_seconds else 0,
        "worker_peak_mb": seen["worker_peak_mb"], "recent_orders": seen["recent_orders"],
        "recent_orders_seconds": seen["recent_orders_seconds"],
        "bulk_exports": [{k: e[k] for k in ("exportType", "sequenceTotal", "usageUnits")} for e in exports],
        "largest_file_mb": max((b for e in exports for b in e.get("fileBytes", [])), default=0) / 1e6,
        "runs": [_run_figures(run, started=started, lookback_days=way["lookback_days"])
                 for run in connection.sync_runs.all()],
    }  # fmt: skip


def _run_figures(run, *, started: float, lookback_days: int) -> dict:
    """A run's seconds, from and to (since the activation), and whether its range is the
    look-back's (it grows with it) rather than a fixed tail of days."""

    def since(at):
        return at.timestamp() - started if at else None

    lookback_start = dt.datetime.fromtimestamp(started, dt.UTC) - dt.timedelta(days=lookback_days - 1)
    return {
        "stream": run.stream, "status": run.status,
        "seconds": (run.finished_at - run.started_at).total_seconds() if run.finished_at and run.started_at else None,
        "from": since(run.started_at), "to": since(run.finished_at),
        "lookback": run.window_start is not None and run.window_start <= lookback_start,
    }  # fmt: skip


def import_watch(
    connection, control, *, started: float, worker_pgid: int | None, bulk_grace: float | None, timeout: float
) -> dict:
    """Watches the store from `started` (epoch seconds, the activation) until the first import
    is done (see the module's docstring), stopped (`bulk_grace`, `timeout`); returns what it saw."""
    from integrations.models import Contact, Order, SyncRun, WebhookEvent

    recent_since = dt.datetime.fromtimestamp(started, dt.UTC) - dt.timedelta(days=RECENT_DAYS)
    runs = SyncRun.objects.filter(connection=connection)
    pending_events = WebhookEvent.objects.filter(connection=connection, status__in=["received", "processing", "failed"])
    recent_history: list[tuple[float, int]] = []
    peaks: dict[int, float] = {}
    last_state, last_change, exports, stopped = None, 0.0, [], ""
    while True:
        time.sleep(POLL)
        elapsed = time.time() - started
        for pid, mb in group_peak_rss_mb(worker_pgid).items() if worker_pgid else ():
            peaks[pid] = max(peaks.get(pid, 0.0), mb)
        recent = Order.objects.filter(connection=connection, ordered_at__gte=recent_since).count()
        if not recent_history or recent_history[-1][1] != recent:
            recent_history.append((elapsed, recent))
        exports = control.bulk_exports()
        statuses = sorted(runs.values_list("stream", "status"))
        state = (Contact.objects.filter(connection=connection).count(), Order.objects.filter(connection=connection)
                 .count(), statuses, pending_events.count(), [len(e["delivered"]) for e in exports])  # fmt: skip
        if state != last_state:
            last_state, last_change = state, elapsed
        ended = statuses and all(status not in ("queued", "running") for _, status in statuses)
        sent = all(len(e["delivered"]) == e["sequenceTotal"] for e in exports)
        if ended and not state[3] and sent and elapsed - last_change >= SETTLE:
            break
        if bulk_grace is not None and not exports and elapsed > bulk_grace:
            stopped = f"no bulk export requested within {bulk_grace:g} s: this tree imports by windows"
            break
        if elapsed > timeout:
            stopped = f"not finished within the timeout of {timeout:g} s"
            break
    return {
        "stopped": stopped, "wall_seconds": elapsed if stopped else last_change, "last_state": last_state,
        "exports": exports, "worker_peak_mb": max(peaks.values(), default=0.0),
        "recent_orders": recent_history[-1][1] if recent_history else 0,
        # The count only grows (a fresh store): its last change is when the last of those orders came.
        "recent_orders_seconds": recent_history[-1][0] if recent_history and not stopped else None,
        "runs": sorted(set(statuses)),
    }  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(way_measure(json.loads(sys.argv[1]))))
