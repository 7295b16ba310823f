"""What the production checks share: a database and Redis of their own, the production
environment, a self-signed certificate, and the Procfile started with honcho.

The processes run `connector_site.settings.production` unchanged: PostgreSQL, Redis, real
keys, an https:// PUBLIC_BASE_URL, gunicorn serving TLS itself with a certificate made here.
"""

import datetime as dt
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis
import requests
from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import connection as db

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_url(number: int) -> str:
    """The broker's Redis server, with a database number of this check's own."""
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        pytest.skip("needs Redis as the broker: set CELERY_BROKER_URL=redis://127.0.0.1:6379/15")
    parts = urlsplit(broker)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{number}", "", ""))
    redis.Redis.from_url(url).flushdb()
    return url


def database_url(name: str) -> str:
    """A fresh PostgreSQL database beside the test database; its URL."""
    server = db.settings_dict
    address = f"{server['USER']}@{server['HOST']}:{server['PORT']}"
    with psycopg.connect(f"postgresql://{address}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://{address}/{name}"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, valid for a day: (certificate, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def production_env(*, database: str, broker: str, web_port: int, certificate: Path, key: Path, sandbox_url: str):
    """The environment an operator would set, for processes started from this checkout."""
    return {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DJANGO_SETTINGS_MODULE": "connector_site.settings.production",
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": broker,
        "SECRET_KEY": Fernet.generate_key().decode() * 2,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PUBLIC_BASE_URL": f"https://127.0.0.1:{web_port}",
        "ROLLER_SANDBOX_URL": sandbox_url,
        "WEB_BIND_HOST": "127.0.0.1",
        # gunicorn reads extra options from here: TLS without changing the Procfile.
        "GUNICORN_CMD_ARGS": f"--certfile {certificate} --keyfile {key}",
        "PYTHONUNBUFFERED": "1",
    }


def manage(env: dict[str, str], *args: str, cwd: Path = ROOT) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


class Honcho:
    """`honcho start` of the Procfile (or some of its processes), stopped as a whole."""

    def __init__(self, env: dict[str, str], log: Path, *, port: int, processes: tuple[str, ...] = (), cwd=ROOT):
        self.log = log
        command = [str(VENV_BIN / "honcho"), "start", "--no-colour", "--port", str(port), *processes]
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        return self.log.read_text()

    def assert_running(self) -> None:
        assert self.process.poll() is None, "honcho stopped:\n" + self.output()

    def stop(self) -> None:
        # As an operator's Ctrl-C: honcho passes it on to each process.
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def wait_until(condition, *, timeout: float, what: str, stack: Honcho | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack:
            stack.assert_running()
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"{what} within {timeout:g} s" + (f"; honcho's output:\n{stack.output()}" if stack else ""))


def answers(url: str, *, certificate: Path) -> bool:
    try:
        return requests.get(url, verify=str(certificate), timeout=2).status_code == 200
    except requests.RequestException:
        return False


def order_stored(database: str, unique_id: str) -> bool:
    with psycopg.connect(database.replace("postgres://", "postgresql://")) as conn:
        return conn.execute("SELECT 1 FROM integrations_order WHERE external_id = %s", [unique_id]).fetchone()


def checkout_copy(destination: Path) -> Path:
    """A second copy of this working tree (tracked and new files), as on another host."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination
