"""What every stand-in process shares (a source's sandbox, the destination's stand-in): a
stdlib threading HTTP server that knows its address, the ready file a starter waits for, and
a watch that ends the process with the one that started it. Standard library only: a
stand-in runs without Django."""

from __future__ import annotations

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class StandInServer(ThreadingHTTPServer):
    daemon_threads = True  # a hung request (a fault switched on) never blocks shutdown
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], app: Any, *, log_requests: bool
    ) -> None:
        super().__init__(address, handler)
        self.app = app
        self.log_requests = log_requests

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def ready_file_write(path: Path, url: str) -> None:
    """The address a starter waits for, renamed into place: a reader never sees half a file."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"url": url, "pid": os.getpid()}))
    temporary.replace(path)


def parent_watch() -> None:
    """A test run that dies (even by SIGKILL) must not leave a stand-in running."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
