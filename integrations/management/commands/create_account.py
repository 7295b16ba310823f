"""Creates a real account and its first login (demo_setup is for local use only).

The password is never an argument: anyone on the machine can read a command line in the
process list and the shell's history. It is asked for twice (getpass), or the login gets an
e-mail invitation to choose it (--invite).
"""

import getpass
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from integrations.services.accounts import (
    AccountCreateError,
    account_create,
    account_create_check,
    account_user_invite,
)


class Command(BaseCommand):
    help = "Creates an account and its first login; asks for the password, or e-mails an invitation (--invite)."

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="The account's name (a customer, e.g. 'Jump Park BV').")
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True, help="Where the invitation and alert e-mails go.")
        parser.add_argument(
            "--invite", action="store_true", help="E-mail a link to choose the password instead of asking for it."
        )

    def handle(self, *args, account, username, email, invite, **options):
        try:
            # Before any prompt: a taken name is said at once, not after typing a password twice.
            account_create_check(account_name=account, username=username)
            with transaction.atomic():
                if invite:
                    _, user = account_create(account_name=account, username=username, email=email)
                    account_user_invite(user=user)
                else:
                    if not sys.stdin.isatty():
                        raise CommandError("No terminal to ask for the password on: use --invite to e-mail a link.")
                    password = self._ask_password(username=username, email=email)
                    account_create(account_name=account, username=username, email=email, password=password)
        except AccountCreateError as exc:
            raise CommandError(str(exc)) from exc
        how = f"an invitation was e-mailed to {email}" if invite else "it can sign in now"
        self.stdout.write(self.style.SUCCESS(f"Account '{account}' created with the login '{username}'; {how}."))

    def _ask_password(self, *, username: str, email: str) -> str:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ: nothing was created. Run the command again.")
        try:
            validate_password(password, user=get_user_model()(username=username, email=email))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages) + " Nothing was created.") from exc
        return password
