"""The Procfile and the systemd examples describe the same processes, as the README does."""

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
UNIT_OF = {
    "web": "connector-web.service",
    "dispatcher": "connector-dispatcher.service",
    "events": "connector-worker-events.service",
    "imports": "connector-worker-imports.service",
    "exports": "connector-worker-exports.service",
    "beat": "connector-beat.service",
}


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line).groups() for line in lines if line[:1].isalnum())


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read_string((UNITS / name).read_text())
    return parser


def words(command: str) -> list[str]:
    # The same program from the virtualenv; systemd writes a literal % as %%; beat keeps its
    # schedule where each manager has a writable place.
    command = command.replace("/srv/connector/.venv/bin/", "").replace("%%", "%")
    return re.sub(r"--schedule \S+", "--schedule <state>", command).split()


def test_every_process_is_in_the_procfile_with_one_dispatcher_and_one_beat():
    processes = procfile()
    assert list(processes) == ["web", "dispatcher", "events", "imports", "exports", "beat"]
    assert "dispatch_events" in processes["dispatcher"]
    assert "-Q events " in processes["events"] and "-Q imports " in processes["imports"]
    assert sum("beat" in command.split() for command in processes.values()) == 1


def test_the_export_worker_takes_the_exports_queue_alone():
    assert "-Q exports " in procfile()["exports"]


def test_each_systemd_unit_runs_its_procfile_command():
    for process, command in procfile().items():
        service = unit(UNIT_OF[process])["Service"]
        assert words(service["ExecStart"]) == words(command), process
        assert service["EnvironmentFile"] == "/etc/connector/env"
        assert service["Restart"] == "always"


def test_the_target_starts_every_unit():
    wanted = unit("connector.target")["Unit"]["Wants"].split()
    assert sorted(wanted) == sorted(UNIT_OF.values())
