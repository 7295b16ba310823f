"""Settings for the benchmarks: the project's, plus the comparison receivers' URLs, quiet logs."""

from connector_site.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

# With BENCH_INGEST_TIMING_DIR set, each Celery worker process times its write path (bench/ingest_timing.py).
from bench.ingest_timing import connect_to_worker_processes  # noqa: E402

connect_to_worker_processes()
