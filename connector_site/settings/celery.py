"""Celery settings, read by connector_site.celery_app through the CELERY_ namespace.

https://docs.celeryq.dev/en/stable/userguide/configuration.html
"""

from pathlib import Path

import environ
from celery.schedules import crontab

env = environ.Env()
_BASE_DIR = Path(__file__).resolve().parent.parent.parent
# The same folder as base.VAR_DIR (this module is read before base's names exist).
_BROKER_DIR = Path(env("VAR_DIR", default=str(_BASE_DIR / "var"))) / "broker"


def filesystem_broker_options(broker_dir: Path) -> dict:
    """kombu's file-system transport, every folder under `broker_dir` (created here).

    https://docs.celeryq.dev/projects/kombu/en/stable/reference/kombu.transport.filesystem.html
    """
    for sub in ("out", "processed", "control", "staging"):
        (broker_dir / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(broker_dir / "out"),
        "data_folder_out": str(broker_dir / "out"),
        "processed_folder": str(broker_dir / "processed"),
        # Written here, then renamed into out/ whole (connector_site.embedded_broker).
        "staging_folder": str(broker_dir / "staging"),
        "store_processed": False,
        # Unset, kombu keeps its exchange tables in `control/` of whatever folder the
        # process started in: the repository's root, where git saw them.
        "control_folder": str(broker_dir / "control"),
        # kombu polls an idle queue once a second (its default), and a worker whose
        # prefetch is full only looks again after that sleep: one task per queue per
        # second, so live activity at 5 bookings a second queued up for a minute. A
        # directory listing every 50 ms costs nothing measurable (bench/bench_embedded.py).
        "polling_interval": EMBEDDED_POLLING_INTERVAL,
    }


EMBEDDED_POLLING_INTERVAL = env.float("CELERY_FILESYSTEM_POLLING_INTERVAL", default=0.05)

# Default: kombu's file-system transport, which needs no server (one machine only).
# Production: redis://host:6379/0.
# The file-system URL names a host (which it does not use) so kombu does not warn "No
# hostname was supplied" at every connection.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(_BROKER_DIR)
else:
    # Above the longest task's hard time limit, so a running task is never handed to a
    # second worker while the first is still busy with it (an import task is one window).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}

CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"

# At-least-once: a task is acknowledged after it ran, and requeued when its worker dies.
# Every task claims its work with a conditional update, so running twice is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 5 * 60
# Seconds a warm shutdown waits for running tasks before it stops them; 0 waits for them to
# end. run_local sets 1 (Ctrl-C stops in 3 s): a stopped task was not acknowledged, so it
# runs again at the next start, and an import goes on from its cursor.
# https://docs.celeryq.dev/en/stable/userguide/workers.html#soft-shutdown
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env.float("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", default=0.0)
CELERY_TASK_TIME_LIMIT = 6 * 60

# Real-time events and imports never share a queue: a ten-year import must not delay a booking.
QUEUE_EVENTS = "events"
QUEUE_IMPORTS = "imports"
CELERY_TASK_DEFAULT_QUEUE = QUEUE_EVENTS
CELERY_TASK_ROUTES = {
    "integrations.tasks_sync.*": {"queue": QUEUE_IMPORTS},
    "integrations.tasks_monitoring.*": {"queue": QUEUE_IMPORTS},
    "wizard.tasks.*": {"queue": QUEUE_IMPORTS},
}

# Celery's Django fix-up closes the database connection around every task unless told to
# reuse it; reopening costs more than a one-row task.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=200)

CELERY_BEAT_SCHEDULE = {
    # Catches events the dispatcher could not hand over (broker down) or a lost worker left;
    # often, so they are processed within a minute of a worker or the broker being back. A
    # sweep not run in time (no worker) expires rather than pile up.
    "sweep-webhook-events": {
        "task": "integrations.tasks.sweep_webhook_events",
        "schedule": 15.0,
        "options": {"expires": 15.0},
    },
    # Raw webhook bodies and record outcomes older than RETENTION_DAYS; daily counts stay.
    "purge-expired-data": {
        "task": "integrations.tasks_monitoring.purge_expired_data",
        "schedule": crontab(hour=3, minute=17),
    },
    # Updates waiting out a back-off go as soon as their source answers again
    # (integrations.services.source_recovery).
    "probe-sources": {
        "task": "integrations.tasks_monitoring.probe_sources",
        "schedule": 30.0,
        "options": {"expires": 30},
    },
    # Connections whose credentials the source refused ask it again, cheaply, and heal once it
    # accepts them (integrations.services.credentials.RECHECK_EVERY).
    "recheck-refused-credentials": {
        "task": "integrations.tasks_monitoring.recheck_refused_credentials",
        "schedule": 5 * 60.0,
    },
    # One e-mail per connection when something new needs attention (a digest, not per record).
    "send-alert-digests": {"task": "integrations.tasks_monitoring.send_alert_digests", "schedule": 300.0},
    # One tick for every connection's product schedule: it reads each connection's frequency,
    # so changing it, pausing or resuming needs no restart of beat.
    "sync-products-due": {"task": "integrations.tasks_sync.sync_products_due", "schedule": 60.0},
    # Each connection's webhook at the source (one GET /webhooks): one that went missing or
    # disabled (a restarted sandbox, ROLLER after failed deliveries) is registered again by
    # itself within 5 minutes, and a reconciliation fills the gap.
    "check-webhooks": {"task": "integrations.tasks_sync.check_webhooks_due", "schedule": 300.0},
    # Reconciliation passes whose venue-local hour has come (RECONCILIATION_HOUR, daily).
    "reconcile-due": {"task": "integrations.tasks_sync.reconcile_due", "schedule": 15 * 60.0},
    # Running imports without a recent heartbeat (task lost: broker down, worker killed) go on;
    # a healthy import is not disturbed (integrations.services.heartbeat).
    "sweep-imports": {"task": "integrations.tasks_sync.sweep_imports", "schedule": 60.0},
    # Exports of a first import's history: requests asked again, exports that never came and
    # months that went missing read by windows instead, files whose reader died handed out
    # again (integrations.services.exports).
    "sweep-exports": {"task": "integrations.tasks_sync.sweep_exports", "schedule": 60.0, "options": {"expires": 60}},
}
