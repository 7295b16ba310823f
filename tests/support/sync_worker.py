"""A worker for tests: the sync tasks the services publish, run one after another in-process.

`SyncWorker` replaces the publishing of integrations.tasks_sync's tasks with a list, and
`drain()` runs them as Celery would: one task at a time, the on-commit callbacks of each
executed (they publish the next window), a retry put back with its attempt count.
"""

import time
from dataclasses import dataclass, field

from integrations.models import Connection
from integrations.services.export_files import export_file_process
from integrations.services.exports import exports_request
from integrations.services.import_windows import import_window_process
from integrations.services.products_sync import products_sync_run
from integrations.services.reconciliation import webhook_check
from integrations.tasks_sync import check_webhook, import_export_file, import_window, request_exports, sync_products


@dataclass
class SyncWorker:
    capture: object  # pytest-django's django_capture_on_commit_callbacks
    queue: list[tuple[str, int, int]] = field(default_factory=list)  # (task, id, attempt)
    done: list[tuple[str, int, str]] = field(default_factory=list)  # (task, id, status)
    retries: list[float] = field(default_factory=list)  # the countdowns asked for
    # Seconds to really wait before a retry (a sandbox's lockout must pass); 0: none.
    sleep_on_retry: float = 0.0

    def install(self, monkeypatch) -> "SyncWorker":
        for task in (import_window, sync_products, check_webhook, request_exports, import_export_file):
            monkeypatch.setattr(
                task, "apply_async", lambda args, name=task.name, **kwargs: self.queue.append((name, args[0], 0))
            )
        return self

    def call(self, service, **kwargs):
        """Calls a service as a request or beat would: what it publishes on commit is queued."""
        with self.capture(execute=True):
            return service(**kwargs)

    def step(self) -> str:
        """Runs the oldest queued task; returns its status."""
        name, object_id, attempt = self.queue.pop(0)
        with self.capture(execute=True):
            if name == import_window.name:
                result = import_window_process(sync_run_id=object_id, attempt=attempt)
            elif name == sync_products.name:
                result = products_sync_run(sync_run_id=object_id, attempt=attempt)
            elif name == request_exports.name:
                accepted = exports_request(connection=Connection.objects.get(pk=object_id))
                self.done.append((name, object_id, f"requested {accepted}"))
                return "requested"
            elif name == import_export_file.name:
                result = export_file_process(file_id=object_id, task_id=f"test-{object_id}-{attempt}")
            else:
                webhook_check(connection=Connection.objects.get(pk=object_id))
                self.done.append((name, object_id, "checked"))
                return "checked"
        if result.retry_in is not None:
            self.retries.append(result.retry_in)
            time.sleep(min(result.retry_in, self.sleep_on_retry))
            self.queue.append((name, object_id, attempt + 1))
        self.done.append((name, object_id, result.status))
        return result.status

    def drain(self, *, limit: int = 500) -> list[tuple[str, int, str]]:
        for _ in range(limit):
            if not self.queue:
                return self.done
            self.step()
        raise AssertionError(f"still {len(self.queue)} task(s) queued after {limit} steps")
