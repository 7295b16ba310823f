"""Starts web, dispatcher, Celery worker, Celery beat and each connector's sandbox, for local use.

Each runs as its own process with its output prefixed; Ctrl-C (or one of them dying)
stops them all. Production runs each process on its own (see the README).

The ports are checked before anything starts: on a clash one line names the port and how to
choose another, and the command exits non-zero with nothing left running.
"""

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.delivery.registry import destination_specs
from integrations.registry import connectors_all

COLOURS = ["\033[36m", "\033[35m", "\033[33m", "\033[32m", "\033[34m"]
RESET = "\033[0m"
# Ctrl-C must be over within 3 s: every process gets SIGTERM at once and has this long
# before its whole group is killed.
STOP_SECONDS = 2.5
# The worker's warm shutdown waits for the running task; after this it stops it (the task
# is acknowledged late, so it runs again at the next start: imports resume from their cursor).
WORKER_SOFT_SHUTDOWN_SECONDS = 1.0
# The local worker runs its two slots as threads: a prefork pool alone took 1.5–2 s to wind
# down after its last task (measured with bench/bench_embedded.py), threads well under one.
# Production keeps prefork (time limits are enforced only there); see the README.


@dataclass
class Sandbox:
    type: str
    label: str
    port: int
    command: list[str]
    url_setting: str
    view_path: str = "/_sim/stats"
    make_variable: str = ""  # "" : the only source's (SANDBOX_PORT), else --sandbox-port TYPE=PORT


class Command(BaseCommand):
    help = "Runs the web server, the dispatcher, a Celery worker, Celery beat and the connectors' sandboxes."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--sandbox-port",
            action="append",
            default=[],
            metavar="[TYPE=]PORT",
            help="a sandbox's port as TYPE=PORT (the connector type may be left out when only one has a sandbox)",
        )
        parser.add_argument("--no-sandbox", action="store_true")
        parser.add_argument(
            "--once",
            action="append",
            default=[],
            metavar="COMMAND",
            help="a manage.py command (with its arguments) run once beside the others, e.g. the demo's "
            "connection to a stand-in; its ending stops nothing",
        )

    def handle(self, *args, port, sandbox_port, no_sandbox, once, **options):
        sandboxes = [] if no_sandbox else _sandboxes(sandbox_port)
        clash = _port_in_use([("web", port, f"make run PORT={port + 1}"), *_sandbox_ports(sandboxes)])
        if clash:
            self.stderr.write(clash)
            sys.exit(2)

        python = sys.executable
        var_dir = settings.VAR_DIR
        var_dir.mkdir(parents=True, exist_ok=True)
        env = os.environ.copy()
        for sandbox in sandboxes:
            env.setdefault(sandbox.url_setting, f"http://127.0.0.1:{sandbox.port}")
        env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
        env["PYTHONUNBUFFERED"] = "1"
        env["CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT"] = str(WORKER_SOFT_SHUTDOWN_SECONDS)
        commands = {
            "web": [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            "worker": [
                python, "-m", "celery", "-A", "connector_site", "worker", "-Q", "events,imports,exports",
                "--pool", "threads", "--concurrency", "2", "--loglevel", "INFO",
            ],
            "dispatcher": [python, "manage.py", "dispatch_events"],
            "beat": [python, "-m", "celery", "-A", "connector_site", "beat", "--loglevel", "INFO",
                     "--schedule", str(var_dir / "celerybeat-schedule")],
        }  # fmt: skip
        for sandbox in sandboxes:
            commands[sandbox.type] = sandbox.command
        one_shots = set()
        for index, line in enumerate(once):
            name = f"once-{index + 1}" if len(once) > 1 else "once"
            commands[name] = [python, "manage.py", *shlex.split(line)]
            one_shots.add(name)

        processes: dict[str, subprocess.Popen] = {}
        for index, (name, command) in enumerate(commands.items()):
            # Its own session: Ctrl-C in the terminal reaches only this command, which stops
            # each process by its main pid (a Celery pool child signalled directly logs ERROR).
            process = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
            )
            processes[name] = process
            threading.Thread(target=_pump, args=(name, process, COLOURS[index % len(COLOURS)]), daemon=True).start()

        self.stdout.write(f"Web: http://127.0.0.1:{port}/  (admin: /admin/)")
        for sandbox in sandboxes:
            self.stdout.write(f"{sandbox.label}: http://127.0.0.1:{sandbox.port}{sandbox.view_path}")
        stopping, failed, finished = threading.Event(), [], set()

        def stop(*_):
            stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping.is_set():
                for name, process in processes.items():
                    if name in one_shots and process.poll() is not None:
                        if process.returncode:
                            self.stderr.write(f"{name} exited with {process.returncode}; the rest runs on.")
                        one_shots.discard(name)
                        finished.add(name)
                        continue
                    if name not in finished and process.poll() is not None:
                        self.stderr.write(f"{name} exited with {process.returncode}; stopping the others.")
                        failed.append(name)
                        stopping.set()
                        break
                # Short: a signal does not cut a wait short (PEP 475), so this is Ctrl-C's delay.
                stopping.wait(0.1)
        finally:
            _stop_all(processes, last={sandbox.type for sandbox in sandboxes})
        if failed:
            sys.exit(1)


def _sandboxes(ports: list[str]) -> list[Sandbox]:
    """Each source's sandbox and each destination's stand-in. A port without a type is the
    source's, when one source has a sandbox (`make run SANDBOX_PORT=…`)."""
    sources = [spec for spec in connectors_all() if spec.sandbox is not None]
    specs = [*sources, *[spec for spec in destination_specs() if spec.sandbox is not None]]
    chosen: dict[str, int] = {}
    for value in ports:
        kind, _, number = value.rpartition("=")
        if not kind and len(sources) == 1:
            kind = sources[0].type
        if kind not in {spec.type for spec in specs} or not number.isdigit():
            types = ", ".join(spec.type for spec in specs) or "none"
            raise CommandError(f"--sandbox-port {value}: give TYPE=PORT, TYPE one of: {types}")
        chosen[kind] = int(number)
    var_dir = settings.VAR_DIR
    sandboxes = []
    for spec in specs:
        port = chosen.get(spec.type, spec.sandbox.default_port)
        command = spec.sandbox.command(port, var_dir)
        sandboxes.append(
            Sandbox(
                spec.type,
                spec.sandbox.label,
                port,
                command,
                spec.sandbox.url_setting,
                spec.sandbox.view_path,
                spec.sandbox.make_variable or ("SANDBOX_PORT" if spec in sources and len(sources) == 1 else ""),
            )
        )
    return sandboxes


def _sandbox_ports(sandboxes: list[Sandbox]) -> list[tuple[str, int, str]]:
    return [
        (
            s.label,
            s.port,
            f"make run {s.make_variable}={s.port + 1}" if s.make_variable else f"--sandbox-port {s.type}={s.port + 1}",
        )
        for s in sandboxes
    ]


def _port_in_use(ports: list[tuple[str, int, str]]) -> str | None:
    """The one line to print for the first port something else listens on, or None."""
    for what, port, other in ports:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return f"Port {port} ({what}) is already in use (another `make run`?): stop it, or choose another port, e.g. `{other}`."
    return None


def _stop_all(processes: dict[str, subprocess.Popen], *, last: set[str] = frozenset()) -> None:
    """SIGTERM to each main process (never to a pool child directly), those named in `last`
    once the others are gone, then, after STOP_SECONDS, SIGKILL to whatever group is left.

    The sandboxes go last: a worker's task still calling one would otherwise retry against a
    closed port until it was killed."""
    deadline = time.monotonic() + STOP_SECONDS
    first = {name: p for name, p in processes.items() if name not in last}
    for group in (first, {name: p for name, p in processes.items() if name in last}):
        for process in group.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in group.values():
            # The sandboxes keep 0.5 s of the budget to save their state.
            budget = deadline - time.monotonic() - (0.5 if group is first and last else 0)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.05, budget))
    for name, process in processes.items():
        if process.poll() is None:
            sys.stderr.write(f"{name} did not stop within {STOP_SECONDS:g} s; killed.\n")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # stragglers, and children their parent left
        process.wait()


def _pump(name: str, process: subprocess.Popen, colour: str) -> None:
    for line in process.stdout:
        sys.stdout.write(f"{colour}{name:>8}{RESET} | {line}")
        sys.stdout.flush()
