"""Seconds a worker process spends on the write path, for the benchmarks: installed in each
Celery worker process when BENCH_INGEST_TIMING_DIR is set (bench/bench_settings.py).

The write path is `integrations.services.ingest.ingest` after the reading: its steps (minors,
contacts, orders, products, outcomes). They are looked up in the module's namespace at every
call, so wrapping them there times every caller of `ingest` (windows, webhooks, bulk files)
without knowing who they are. Each process writes its running total to
`<dir>/ingest-<pid>.json`; the benchmark adds them up.
"""

import json
import os
import time
from pathlib import Path

STEPS = ("products_ingest", "ages_ingest", "removals_ingest", "contacts_ingest", "orders_ingest", "_outcomes_store")
FLUSH_EVERY = 0.5  # seconds between writes of the running total


def install(directory: Path) -> None:
    from integrations.services import ingest as module

    total = {"seconds": 0.0, "calls": 0}
    path = directory / f"ingest-{os.getpid()}.json"
    last_flush = [0.0]

    def flush(force: bool = False) -> None:
        now = time.monotonic()
        if force or now - last_flush[0] >= FLUSH_EVERY:
            last_flush[0] = now
            temporary = path.with_suffix(".tmp")
            temporary.write_text(json.dumps(total))
            temporary.replace(path)

    def timed(step):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return step(*args, **kwargs)
            finally:
                total["seconds"] += time.perf_counter() - started
                total["calls"] += 1
                flush(force=step.__name__ == "_outcomes_store")

        return wrapper

    for name in STEPS:
        if hasattr(module, name):
            setattr(module, name, timed(getattr(module, name)))


def ingest_seconds(directory: Path) -> float:
    """The write-path seconds of every worker process that wrote a total to `directory`."""
    seconds = 0.0
    for path in directory.glob("ingest-*.json"):
        try:
            seconds += json.loads(path.read_text())["seconds"]
        except (OSError, ValueError, KeyError):
            continue
    return seconds


def connect_to_worker_processes() -> None:
    directory = os.environ.get("BENCH_INGEST_TIMING_DIR")
    if not directory:
        return
    from celery.signals import worker_process_init

    worker_process_init.connect(lambda **_: install(Path(directory)), weak=False)
