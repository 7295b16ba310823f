from django.core.management.base import BaseCommand

from integrations.services.accounts import account_user_ensure


class Command(BaseCommand):
    help = "Creates the demo account and its login (for local use only) and prints them."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="demo-connect-2026")
        parser.add_argument("--account", default="Demo Venues")

    def handle(self, *args, username, password, account, **options):
        account_user_ensure(account_name=account, username=username, password=password, staff=True)
        self.stdout.write(f"Demo login: {username} / {password} (account '{account}', also admin)")
