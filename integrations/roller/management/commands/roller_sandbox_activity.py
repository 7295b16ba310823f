"""`manage.py roller_sandbox_activity <kind>`: make something happen in a running sandbox.

Examples:
    manage.py roller_sandbox_activity online-booking --new-guest
    manage.py roller_sandbox_activity waiver --minors 3
    manage.py roller_sandbox_activity guest-update --guest-id 27718003 --json '{"acceptMarketing": false}'
    manage.py roller_sandbox_activity live-start --rate 2
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.roller.sandbox.control_client import SandboxControl, SandboxControlError

KINDS = (
    "online-booking", "pos-sale", "pos-sale-anonymous", "waiver", "guest-update",
    "guest-delete", "booking-update", "booking-cancel", "product-change", "live-start",
    "live-stop",
)  # fmt: skip


class Command(BaseCommand):
    help = "Trigger simulated activity in a running ROLLER sandbox (via its /_sim/ API)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("--url", default="http://127.0.0.1:8100")
        parser.add_argument("--guest-id", type=int)
        parser.add_argument("--booking", help="uniqueId or bookingReference")
        parser.add_argument("--product-id", type=int)
        parser.add_argument("--minors", type=int, help="waiver: number of minors")
        parser.add_argument("--new-guest", action="store_true", help="bookings: a new guest")
        parser.add_argument("--rate", type=float, default=1.0, help="live-start: events per second")
        parser.add_argument("--json", default="{}", help="extra parameters as a JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        control = SandboxControl(options["url"])
        kind = options["kind"]
        try:
            params = json.loads(options["json"])
        except ValueError as exc:
            raise CommandError(f"--json is not valid JSON: {exc}") from exc
        if not isinstance(params, dict):
            raise CommandError("--json must be a JSON object.")
        for option, key in (
            ("guest_id", "guestId"),
            ("booking", "uniqueId"),
            ("product_id", "productId"),
            ("minors", "minors"),
        ):
            if options.get(option) is not None:
                params[key] = options[option]
        if options["new_guest"]:
            params["newGuest"] = True
        try:
            result = self._run(control, kind, params, options["rate"])
        except SandboxControlError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"Could not reach the sandbox at {options['url']}: {exc}") from exc
        self.stdout.write(json.dumps(result, indent=2))

    @staticmethod
    def _run(control: SandboxControl, kind: str, params: dict[str, Any], rate: float) -> Any:
        if kind == "live-start":
            return control.live_start(rate)
        if kind == "live-stop":
            return control.live_stop()
        if kind == "pos-sale-anonymous":
            return control.activity("pos-sale", **{**params, "withCustomer": False})
        return control.activity(kind, **params)
