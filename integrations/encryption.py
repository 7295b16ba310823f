"""Encryption of secrets at rest with Fernet keys from FIELD_ENCRYPTION_KEYS (newest first).

MultiFernet encrypts with the first key and decrypts with any, so a new key can be put in
front, `manage.py rotate_encryption_keys` run, and the old key removed afterwards.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class EncryptionKeyError(Exception):
    """The configured keys are missing or malformed, or none of them opens a stored value."""


@lru_cache(maxsize=4)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise EncryptionKeyError(
            "FIELD_ENCRYPTION_KEYS is empty: set it to one or more Fernet keys, newest first "
            "(python manage.py generate_encryption_key makes one)."
        )
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError) as exc:
            # The key itself is never repeated in the message.
            raise EncryptionKeyError(
                f"FIELD_ENCRYPTION_KEYS entry {position} is not a valid Fernet key (32 url-safe base64-encoded bytes)."
            ) from exc
    return MultiFernet(fernets)


def current_cipher() -> MultiFernet:
    return _multifernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return current_cipher().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return current_cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise EncryptionKeyError(
            "A stored secret cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS: "
            "the key it was encrypted with has been removed or changed."
        ) from exc


def reencrypt(token: str) -> str:
    """The same secret, encrypted under the newest key."""
    try:
        return current_cipher().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise EncryptionKeyError("A stored secret cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS.") from exc
