import sys
from pathlib import Path

from django.apps import AppConfig


class ActivateConfig(AppConfig):
    name = "integrations.activate"
    label = "activate"
    verbose_name = "Spotler Activate"

    def ready(self) -> None:
        from dataclasses import replace

        from integrations.activate.destination import ACTIVATE
        from integrations.activate.setup import SETUP
        from integrations.delivery.registry import destination_register
        from integrations.registry import SandboxSpec

        sandbox = SandboxSpec(
            label="Activate stand-in",
            default_port=8200,
            command=sandbox_command,
            url_setting="ACTIVATE_SANDBOX_URL",
            view_path="/",
            make_variable="ACTIVATE_SANDBOX_PORT",
        )
        destination_register(replace(ACTIVATE, setup=SETUP, sandbox=sandbox))


def sandbox_command(port: int, var_dir: Path) -> list[str]:
    """The Activate stand-in as `make run` starts it (it keeps what it holds in memory)."""
    return [sys.executable, "manage.py", "activate_sandbox", "--port", str(port)]
