"""Hands stored webhook events to the workers a moment after they arrive.

It polls (a few times a second): PostgreSQL's NOTIFY would wake it sooner, but every
committing insert then queues on one lock, which cost the webhook view more than a third
of its throughput. It keeps its place in memory and writes nothing per event (see
integrations.services.dispatch.Dispatcher): run exactly one.
"""

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from integrations.services.dispatch import Dispatcher

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Publishes stored webhook events to the Celery workers (run one next to the web servers)."

    def add_arguments(self, parser):
        parser.add_argument("--poll", type=float, default=0.2, help="Seconds between polls when idle.")
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument("--once", action="store_true", help="Dispatch what is waiting, then stop.")

    def handle(self, *args, poll, batch, once, **options):
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        dispatcher = Dispatcher()
        self.stdout.write(f"dispatching webhook events (polling every {poll}s)")
        while self.running:
            try:
                sent = dispatcher.dispatch(limit=batch)
            except Exception:
                logger.exception("dispatching failed; trying again shortly")
                close_old_connections()
                time.sleep(1)
                continue
            if once:
                self.stdout.write(f"dispatched {sent}")
                return
            if sent < batch:
                time.sleep(poll)

    def _stop(self, *_):
        self.running = False
