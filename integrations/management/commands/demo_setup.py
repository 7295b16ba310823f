from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from integrations.services.accounts import account_user_ensure


class Command(BaseCommand):
    help = "Creates the demo account and its login once (for local use only) and prints them."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="demo-connect-2026")
        parser.add_argument("--account", default="Demo Venues")

    def handle(self, *args, username, password, account, **options):
        # Once: `make run` calls this at every start, and setting the password again logged
        # the demo user out each time (and undid a password they had chosen).
        if get_user_model().objects.filter(username=username).exists():
            self.stdout.write(f"Demo login: {username} (created earlier; its password is left as it is)")
            return
        account_user_ensure(account_name=account, username=username, password=password, staff=True)
        self.stdout.write(f"Demo login: {username} / {password} (account '{account}', also admin)")
