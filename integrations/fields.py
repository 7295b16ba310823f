"""A model field for secrets: encrypted in the database, masked everywhere else."""

from django.db import models

from integrations.encryption import decrypt, encrypt


class Secret(str):
    """A decrypted secret that does not show itself in repr(), logs or tracebacks.

    str() and formatting still give the value, because the HTTP client must send it; the
    repr is what debuggers, error reports and the admin's change messages print.
    """

    def __repr__(self) -> str:
        return "Secret('********')" if self else "Secret('')"


class EncryptedTextField(models.TextField):
    """Stores a string encrypted with the FIELD_ENCRYPTION_KEYS (Fernet).

    An empty string stays empty (no secret set). A value that no configured key can open
    raises EncryptionKeyError on read: a wrong key fails loudly instead of handing back
    ciphertext as if it were the secret.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return Secret(value or "")
        return Secret(decrypt(value))

    def to_python(self, value):
        if value is None or isinstance(value, Secret):
            return value
        return Secret(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def formfield(self, **kwargs):
        from django import forms

        # Write-only: a form never renders a stored secret back into the page.
        kwargs.setdefault("widget", forms.PasswordInput(render_value=False))
        return super().formfield(**kwargs)
