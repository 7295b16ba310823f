"""`manage.py activate_sandbox` starts the stand-in and says where it listens."""

import json
import subprocess
import sys
import time

import requests

from tests.fixtures.sandbox_process import REPO_ROOT


def test_the_command_starts_the_stand_in(tmp_path):
    ready = tmp_path / "ready.json"
    command = [sys.executable, "manage.py", "activate_sandbox", "--port", "0", "--ready-file", str(ready)]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        url = json.loads(ready.read_text())["url"]
        assert requests.get(f"{url}/_sim/health", timeout=5).json() == {"ok": True}
        assert requests.post(f"{url}/v1/verifyAuth", timeout=5).status_code == 401
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "Spotler Activate stand-in listening on http://127.0.0.1:" in output
