"""Starts web, Celery worker, Celery beat and the ROLLER sandbox together, for local use.

Each runs as its own process with its output prefixed; Ctrl-C (or one of them dying)
stops them all. Production runs each process on its own (see the README).
"""

import os
import signal
import subprocess
import sys
import threading
import time

from django.core.management.base import BaseCommand

COLOURS = ["\033[36m", "\033[35m", "\033[33m", "\033[32m"]
RESET = "\033[0m"


class Command(BaseCommand):
    help = "Runs the web server, a Celery worker, Celery beat and the ROLLER sandbox."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sandbox-port", type=int, default=8100)
        parser.add_argument("--no-sandbox", action="store_true")

    def handle(self, *args, port, sandbox_port, no_sandbox, **options):
        python = sys.executable
        env = os.environ.copy()
        env.setdefault("ROLLER_SANDBOX_URL", f"http://127.0.0.1:{sandbox_port}")
        env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
        env["PYTHONUNBUFFERED"] = "1"
        commands = {
            "web": [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            "worker": [
                python, "-m", "celery", "-A", "connector_site", "worker",
                "-Q", "events,imports", "--concurrency", "2", "--loglevel", "INFO",
            ],
            "dispatcher": [python, "manage.py", "dispatch_events"],
            "beat": [python, "-m", "celery", "-A", "connector_site", "beat", "--loglevel", "INFO",
                     "--schedule", "var/celerybeat-schedule"],
        }  # fmt: skip
        if not no_sandbox:
            commands["sandbox"] = [python, "manage.py", "roller_sandbox", "--port", str(sandbox_port)]
        os.makedirs("var", exist_ok=True)

        processes: dict[str, subprocess.Popen] = {}
        for index, (name, command) in enumerate(commands.items()):
            process = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
            )
            processes[name] = process
            threading.Thread(target=_pump, args=(name, process, COLOURS[index % len(COLOURS)]), daemon=True).start()

        self.stdout.write(f"Web: http://127.0.0.1:{port}/  (admin: /admin/)")
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} exited with {process.returncode}; stopping the others.")
                        stopping = True
                        break
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


def _pump(name: str, process: subprocess.Popen, colour: str) -> None:
    for line in process.stdout:
        sys.stdout.write(f"{colour}{name:>8}{RESET} | {line}")
        sys.stdout.flush()
