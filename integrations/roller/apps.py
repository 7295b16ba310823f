import sys
from pathlib import Path

from django.apps import AppConfig


class RollerConfig(AppConfig):
    name = "integrations.roller"
    label = "roller"
    verbose_name = "ROLLER"

    def ready(self) -> None:
        from integrations.registry import ConnectorSpec, SandboxSpec, connector_register
        from integrations.roller import importer
        from integrations.roller.exports import EXPORTS, bulk_export_created
        from integrations.roller.handlers import HANDLERS
        from integrations.roller.redaction import event_body_redact
        from integrations.roller.services import (
            roller_activate,
            roller_credentials_recheck,
            roller_delete,
            roller_locality,
        )
        from integrations.roller.setup import SETUP

        connector_register(
            ConnectorSpec(
                type="roller",
                label="ROLLER",
                description="Guests, bookings and products from ROLLER, the venue management platform.",
                handlers={**HANDLERS, ("BulkExport", "Created"): bulk_export_created},
                on_activate=roller_activate,
                on_delete=roller_delete,
                webhook_urls="integrations.roller.urls",
                read_products=importer.read_products,
                read_window=importer.read_window,
                read_people=importer.read_people,
                check_webhook=importer.check_webhook,
                import_calls_per_second=importer.IMPORT_CALLS_PER_SECOND,
                credentials_recheck=roller_credentials_recheck,
                body_redact=event_body_redact,
                setup=SETUP,
                locality=roller_locality,
                exports=EXPORTS,
                sandbox=SandboxSpec(
                    label="ROLLER sandbox",
                    default_port=8100,
                    command=sandbox_command,
                    url_setting="ROLLER_SANDBOX_URL",
                ),
            )
        )


def sandbox_command(port: int, var_dir: Path) -> list[str]:
    """The ROLLER sandbox as `make run` starts it: its venue kept in var/ across restarts."""

    state = var_dir / "roller-sandbox" / "venue.pickle"
    return [sys.executable, "manage.py", "roller_sandbox", "--port", str(port), "--state-file", str(state)]
