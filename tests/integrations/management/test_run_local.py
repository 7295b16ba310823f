"""`manage.py run_local`: the ports checked first, each connector's sandbox asked for its process."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from integrations.management.commands.run_local import _port_in_use, _sandbox_ports, _sandboxes

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def busy_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_a_busy_port_is_one_clear_line_and_a_non_zero_exit_with_nothing_started(busy_port, tmp_path):
    command = [sys.executable, "manage.py", "run_local", "--port", str(busy_port), "--no-sandbox"]
    env = {"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path / "var")}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 2
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert f"Port {busy_port} (web) is already in use" in lines[0]
    assert f"make run PORT={busy_port + 1}" in lines[0]
    # Returned before starting anything: no process wrote its files (settings make var/broker).
    assert sorted(p.name for p in (tmp_path / "var").iterdir()) == ["broker"]


def test_a_busy_sandbox_port_names_the_sandbox_and_its_make_variable(busy_port):
    sandbox = _sandboxes([str(busy_port)])

    line = _port_in_use([("ROLLER sandbox", busy_port, f"make run SANDBOX_PORT={busy_port + 1}")])

    assert sandbox[0].port == busy_port
    assert line.startswith(f"Port {busy_port} (ROLLER sandbox) is already in use")


def test_free_ports_pass():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert _port_in_use([("web", port, "")]) is None


def test_each_connector_with_a_sandbox_says_how_to_start_it_and_where_it_keeps_its_state(settings, tmp_path):
    settings.VAR_DIR = tmp_path

    roller, activate = _sandboxes(["roller=8123"])

    assert (roller.type, roller.port, roller.url_setting) == ("roller", 8123, "ROLLER_SANDBOX_URL")
    assert roller.command[1:5] == ["manage.py", "roller_sandbox", "--port", "8123"]
    assert Path(roller.command[roller.command.index("--state-file") + 1]).is_relative_to(tmp_path)
    assert (activate.type, activate.port, activate.url_setting) == ("activate", 8200, "ACTIVATE_SANDBOX_URL")


def test_the_activate_stand_in_starts_beside_the_roller_sandbox_on_its_own_port(busy_port):
    roller, activate = _sandboxes(["8101", f"activate={busy_port}"])

    assert (roller.port, activate.port) == (8101, busy_port)
    assert activate.command[1:5] == ["manage.py", "activate_sandbox", "--port", str(busy_port)]
    line = _port_in_use(_sandbox_ports([roller, activate]))
    assert line.startswith(f"Port {busy_port} (Activate stand-in) is already in use")
    assert f"make run ACTIVATE_SANDBOX_PORT={busy_port + 1}" in line


def test_an_unknown_sandbox_type_is_refused():
    with pytest.raises(CommandError, match="TYPE one of: roller"):
        _sandboxes(["nosuch=9000"])
