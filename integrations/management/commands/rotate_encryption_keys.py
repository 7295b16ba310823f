from django.core.management.base import BaseCommand, CommandError

from integrations.encryption import EncryptionKeyError
from integrations.services.secrets import secrets_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypts every stored secret with the first key in FIELD_ENCRYPTION_KEYS. "
        "Put the new key first, run this, then remove the old key."
    )

    def handle(self, *args, **options):
        try:
            count = secrets_rotate()
        except EncryptionKeyError as exc:
            raise CommandError(f"{exc} Nothing was changed.") from exc
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} secret(s) with the newest key."))
