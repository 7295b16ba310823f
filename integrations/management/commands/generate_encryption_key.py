from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Prints a new key for FIELD_ENCRYPTION_KEYS."
    # It must work before any key is configured, which the system checks refuse.
    requires_system_checks = []

    def handle(self, *args, **options):
        self.stdout.write(Fernet.generate_key().decode())
