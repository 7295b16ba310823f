"""Connects an account to Spotler Activate (the local stand-in by default) and activates it;
run again, it finds the account's one Activate destination and leaves it connected.

For the demo (`make run` runs it once the stand-in answers) and for operators; the wizard does
the same in the browser. The API key is read from ACTIVATE_API_KEY (or the stand-in's demo
key), never from the command line, where any user of the machine could read it.
"""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.activate.errors import ActivateError
from integrations.activate.services import activate_connect, activate_credentials_verify
from integrations.models import Account

STAND_IN_URL = "http://127.0.0.1:8200"
STAND_IN_ACCOUNT = "sandbox-account"
STAND_IN_KEY = "sandbox-api-key"

SAID = {
    "activated": "is connected and active: the store's products, profiles and purchases are on their way",
    "already_active": "was connected already; it stays as it is",
    "healed": "accepted the key again and resumes sending",
    "paused": "was connected already and stays paused, as it was left",
}


class Command(BaseCommand):
    help = "Connects an account to Spotler Activate (the local stand-in by default) and activates it."

    def add_arguments(self, parser):
        parser.add_argument("--account", default="Demo Venues", help="Account name (created if missing).")
        parser.add_argument("--url", default="", help="Activate's address (default: the stand-in's).")
        parser.add_argument("--account-id", default="", help="The Activate Account ID.")
        parser.add_argument(
            "--wait", type=float, default=0, help="seconds to wait for Activate to answer (the demo starts both)"
        )

    def handle(self, *args, account, url, account_id, wait, **options):
        url = url or settings.ACTIVATE_SANDBOX_URL or STAND_IN_URL
        stand_in = url.rstrip("/") == (settings.ACTIVATE_SANDBOX_URL or STAND_IN_URL).rstrip("/")
        account_id = account_id or (os.environ.get("ACTIVATE_SANDBOX_ACCOUNT", STAND_IN_ACCOUNT) if stand_in else "")
        api_key = os.environ.get("ACTIVATE_API_KEY") or (
            os.environ.get("ACTIVATE_SANDBOX_APIKEY", STAND_IN_KEY) if stand_in else ""
        )
        if not account_id or not api_key:
            raise CommandError("Give --account-id and set ACTIVATE_API_KEY in the environment.")
        try:
            activate_credentials_verify(account_id=account_id, api_key=api_key, base_url=url, wait_seconds=wait)
        except ActivateError as exc:
            raise CommandError(f"{exc}. Nothing was saved.") from exc
        account_row, _ = Account.objects.get_or_create(name=account)
        connected = activate_connect(account=account_row, account_id=account_id, api_key=api_key, base_url=url)
        self.stdout.write(
            self.style.SUCCESS(f"{connected.destination.name} ({url}, account {account_id}) {SAID[connected.outcome]}.")
        )
