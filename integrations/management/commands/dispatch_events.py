"""Hands stored webhook events to the workers as soon as they arrive.

On PostgreSQL it sleeps on LISTEN webhook_events (the webhook view's insert notifies);
elsewhere it polls. Run exactly one or several: each batch is claimed with SKIP LOCKED.
"""

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from integrations.services.dispatch import webhook_events_dispatch

logger = logging.getLogger(__name__)
CHANNEL = "webhook_events"


class Command(BaseCommand):
    help = "Publishes stored webhook events to the Celery workers (run next to the web servers)."

    def add_arguments(self, parser):
        parser.add_argument("--poll", type=float, default=0.25, help="Seconds between polls without NOTIFY.")
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument("--once", action="store_true", help="Dispatch what is waiting, then stop.")

    def handle(self, *args, poll, batch, once, **options):
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        wait = self._listener(poll) if connection.vendor == "postgresql" and not once else None
        self.stdout.write(f"dispatching webhook events ({'LISTEN/NOTIFY' if wait else f'polling every {poll}s'})")
        while self.running:
            try:
                sent = webhook_events_dispatch(limit=batch)
            except Exception:
                logger.exception("dispatching failed; trying again shortly")
                close_old_connections()
                time.sleep(1)
                continue
            if once:
                self.stdout.write(f"dispatched {sent}")
                return
            if sent < batch:
                wait() if wait else time.sleep(poll)

    def _stop(self, *_):
        self.running = False

    def _listener(self, poll: float):
        import psycopg

        params = connection.get_connection_params()
        listen = psycopg.connect(**params, autocommit=True)
        listen.execute(f"LISTEN {CHANNEL}")

        def wait() -> None:
            # Wakes on the first notification, or after a second to catch anything missed.
            for _ in listen.notifies(timeout=1.0, stop_after=1):
                pass

        return wait
