"""Secrets at rest (reliability scenario 26): encrypted, loud on a wrong key, rotatable."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from integrations.encryption import EncryptionKeyError, decrypt, encrypt
from integrations.roller.models import RollerSettings
from tests.factories import RollerSettingsFactory

NEW_KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()


def raw_column(pk: int, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM roller_rollersettings WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_a_value_survives_encryption():
    assert decrypt(encrypt("client-secret-value")) == "client-secret-value"


@pytest.mark.django_db
def test_the_client_secret_is_stored_encrypted_and_read_back_in_clear():
    settings_row = RollerSettingsFactory(client_secret="s3cr3t-value-123")

    assert "s3cr3t-value-123" not in raw_column(settings_row.pk, "client_secret")
    assert RollerSettings.objects.get(pk=settings_row.pk).client_secret == "s3cr3t-value-123"


@pytest.mark.django_db
def test_an_empty_secret_stays_empty():
    settings_row = RollerSettingsFactory(access_token="")
    assert raw_column(settings_row.pk, "access_token") == ""
    assert RollerSettings.objects.get(pk=settings_row.pk).access_token == ""


@pytest.mark.django_db
def test_a_secret_does_not_show_in_its_repr():
    secret = RollerSettings.objects.get(pk=RollerSettingsFactory(client_secret="s3cr3t-value-123").pk).client_secret
    assert "s3cr3t" not in repr(secret)
    assert "s3cr3t" not in repr({"secret": secret})


@pytest.mark.django_db
def test_reading_with_a_wrong_key_fails_loudly_instead_of_returning_ciphertext(settings):
    pk = RollerSettingsFactory(client_secret="s3cr3t-value-123").pk
    settings.FIELD_ENCRYPTION_KEYS = [OTHER_KEY]

    with pytest.raises(EncryptionKeyError, match="cannot be decrypted") as excinfo:
        RollerSettings.objects.get(pk=pk)
    assert "s3cr3t" not in str(excinfo.value)


def test_a_malformed_key_is_named_by_position_not_by_value(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    with pytest.raises(EncryptionKeyError, match="entry 1 is not a valid Fernet key") as excinfo:
        encrypt("x")
    assert "not-a-fernet-key" not in str(excinfo.value)


def test_no_keys_at_all_is_refused(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(EncryptionKeyError, match="FIELD_ENCRYPTION_KEYS is empty"):
        encrypt("x")


@pytest.mark.django_db
def test_rotation_reencrypts_every_secret_under_the_newest_key(settings):
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    pk = RollerSettingsFactory(client_secret="s3cr3t-value-123", webhook_key="hook-key-abc").pk
    before = raw_column(pk, "client_secret")

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, *old_keys]
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert raw_column(pk, "client_secret") != before

    # The old keys can now go: everything opens with the new key alone.
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    row = RollerSettings.objects.get(pk=pk)
    assert (row.client_secret, row.webhook_key) == ("s3cr3t-value-123", "hook-key-abc")


@pytest.mark.django_db
def test_rotation_with_keys_that_open_nothing_changes_nothing(settings):
    pk = RollerSettingsFactory(client_secret="s3cr3t-value-123").pk
    before = raw_column(pk, "client_secret")
    settings.FIELD_ENCRYPTION_KEYS = [OTHER_KEY]

    with pytest.raises(Exception, match="Nothing was changed"):
        call_command("rotate_encryption_keys")
    assert raw_column(pk, "client_secret") == before
