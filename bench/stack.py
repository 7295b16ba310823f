"""What the benchmark scripts share: ports, fresh databases, and the processes of a stack."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


def database_create(name: str, *, fresh: bool = True) -> str:
    """A PostgreSQL database on this machine (dropped first when fresh); returns its URL."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f"DROP DATABASE {name}")
        if not exists or fresh:
            conn.execute(f"CREATE DATABASE {name}")
    return f"postgres://postgres@127.0.0.1:5432/{name}"


class Stack:
    """Processes started together and stopped together, whatever happens in between."""

    def __init__(self, env: dict[str, str], *, logs: Path | None = None) -> None:
        self.env, self.logs, self.processes = env, logs, []
        if logs:
            logs.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        output = (self.logs / f"{name}.log").open("w") if self.logs else subprocess.DEVNULL
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def __enter__(self) -> "Stack":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def connector_stack(env: dict[str, str], *, sandbox_port: int, web_port: int, size: str, logs: Path | None = None):
    """The whole connector as in production, on this machine: the ROLLER sandbox (delivery
    delay 0, rate limit off), gunicorn with 2 sync workers, the dispatcher, one Celery worker
    of 2 processes. Returns the Stack (a context manager) once the sandbox and the web listen."""
    python = env.get("BENCH_PYTHON") or sys.executable
    stack = Stack(env, logs=logs)
    sandbox = ["-m", "integrations.roller.sandbox", "--port", str(sandbox_port), "--size", size]
    stack.start("sandbox", [python, *sandbox, "--delivery-delay", "0", "--no-rate-limit"])
    web = ["-m", "gunicorn", "connector_site.wsgi:application", "--workers", "2", "--bind", f"127.0.0.1:{web_port}"]
    stack.start("gunicorn", [python, *web, "--log-level", "warning"])
    stack.start("dispatcher", [python, "manage.py", "dispatch_events", "--poll", "0.1"])
    worker = ["-m", "celery", "-A", "connector_site", "worker", "-Q", "events,imports", "--concurrency", "2"]
    stack.start("worker", [python, *worker, "--loglevel", "WARNING"])
    try:
        wait_for(sandbox_port)
        wait_for(web_port)
    except BaseException:
        stack.stop()
        raise
    return stack
