"""Services publish tasks by name (integrations.publishing.task_publish): every name they publish
must be registered in any process once Django is set up, not only in a worker (which finds its
task modules itself). A web process never imported wizard.tasks, so the summary's preview could
not be queued ("the task queue is not reachable") though the broker was fine; a test that had
imported the module earlier in the run hid it."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = re.compile(r"""task_publish\(\s*["']([\w.]+)["']""")


def published_task_names() -> set[str]:
    sources = [*(REPO_ROOT / "integrations").rglob("*.py"), *(REPO_ROOT / "wizard").rglob("*.py")]
    return {name for path in sources for name in PUBLISHED.findall(path.read_text())}


def test_every_task_a_service_publishes_is_registered_in_a_fresh_web_process():
    names = published_task_names()
    assert "wizard.tasks.preview_run" in names and "integrations.tasks.process_webhook_events" in names

    # A process of its own: this one has imported every task module through the tests.
    script = (
        "import django, json; django.setup(); from celery import current_app; "
        "print(json.dumps(sorted(current_app.tasks.keys())))"
    )
    env_settings = {"DJANGO_SETTINGS_MODULE": "connector_site.settings.test"}
    answer = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, **env_settings},
    )  # fmt: skip
    registered = set(json.loads(answer.stdout.strip().splitlines()[-1]))

    assert sorted(names - registered) == []
