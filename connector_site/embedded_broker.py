"""kombu's file-system transport, made safe and quick for `make run`'s embedded broker.

Two changes, nothing else:

- A message is written in a staging folder and renamed into the queue's folder whole. kombu
  creates the file in the queue's folder and writes it afterwards; a worker polling at that
  moment moved the empty file away, failed to parse it, and died ("Unrecoverable error:
  JSONDecodeError"), taking `make run` down with it, within a minute at 5 bookings a second.
  A rename within one file system is atomic: a reader sees no file or the whole of it.
- A wait for a message ends within DRAIN_SECONDS once the worker is stopping. Celery's
  worker loop asks for up to 2 s and checks for a shutdown only between waits (two of them),
  so Ctrl-C took 4 s before the worker even began to stop.
"""

import os
import uuid
from pathlib import Path
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

DRAIN_SECONDS = 0.1


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # The name kombu gives it: milliseconds first, so the queue reads in order.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        staging = Path(self.transport_options.get("staging_folder") or Path(self.data_folder_out).parent / "staging")
        staged = staging / name
        try:
            staging.mkdir(parents=True, exist_ok=True)
            staged.write_bytes(str_to_bytes(dumps(payload)))
            os.replace(staged, os.path.join(self.data_folder_out, name))
        except OSError as exc:
            raise ChannelError(f"Cannot add file {name!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel

    def drain_events(self, connection, timeout=None):
        """As kombu's, waiting in steps of DRAIN_SECONDS: a worker that is stopping gets its
        time-out at the next step, anyone else the whole wait it asked for."""
        if timeout is None:
            return super().drain_events(connection)
        deadline = monotonic() + timeout
        while True:
            step = max(0.0, min(deadline - monotonic(), DRAIN_SECONDS))
            try:
                return super().drain_events(connection, timeout=step)
            except TimeoutError:
                if monotonic() >= deadline or _worker_stopping():
                    raise


def _worker_stopping() -> bool:
    from celery.worker import state

    # Celery's own test: the flags hold an exit code, and 0 (EX_OK) means "stop" too.
    return any(flag is not None and flag is not False for flag in (state.should_stop, state.should_terminate))


def embedded_broker_install() -> None:
    """`filesystem://` means this transport in this process (connector_site.celery_app calls
    it before any connection is made); every other URL is left to kombu."""
    TRANSPORT_ALIASES["filesystem"] = f"{__name__}:Transport"
