"""The .env templates: the local one works as copied, the production one names every variable."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = [*sorted((ROOT / "connector_site" / "settings").glob("*.py")), ROOT / "integrations" / "checks.py"]


def variables_read_by_the_settings() -> set[str]:
    pattern = re.compile(r"env(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]+)\"")
    return {name for path in SETTINGS for name in pattern.findall(path.read_text())}


def template(name: str) -> str:
    return (ROOT / name).read_text()


def test_the_production_template_names_every_variable_the_settings_read():
    documented = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", template(".env.production.example"), re.MULTILINE))

    assert variables_read_by_the_settings() - documented == set()


def test_the_local_template_copied_to_env_starts_the_site(tmp_path):
    # What `cp .env.local.example .env` gives the site: the same variables in its environment.
    values: dict[str, str] = {}
    for line in template(".env.local.example").splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key] = value
    env = {"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path / "var"), **values}

    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout
