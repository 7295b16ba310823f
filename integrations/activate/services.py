"""Connecting an account to Activate outside the wizard (the demo, operators): the same
check, the same settings and the same activation as the wizard's steps."""

import time
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from integrations.activate.client import DEFAULT_BASE_URL, ActivateClient
from integrations.activate.errors import ActivateUnreachable
from integrations.activate.models import ActivateSettings
from integrations.delivery.models import Destination
from integrations.delivery.registry import destination_spec
from integrations.delivery.services.destinations import destination_activate, destination_credentials_confirmed
from integrations.models import Account

TYPE = "activate"


@dataclass(frozen=True)
class Connected:
    destination: Destination
    outcome: str  # "activated", "already_active", "healed", "paused" (left paused, as a person paused it)


def activate_credentials_verify(*, account_id: str, api_key: str, base_url: str, wait_seconds: float = 0) -> None:
    """Activate's check of the key; while Activate does not answer, asked again for up to
    `wait_seconds` (the demo starts the stand-in beside this). Raises the client's errors."""
    deadline = time.monotonic() + wait_seconds
    client = ActivateClient(account_id=account_id, api_key=api_key, base_url=base_url or DEFAULT_BASE_URL)
    try:
        while True:
            try:
                client.credentials_check()
                return
            except ActivateUnreachable:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.25)
    finally:
        client.close()


def activate_connect(*, account: Account, account_id: str, api_key: str, base_url: str) -> Connected:
    """The account's Activate destination with these (already checked) credentials, active.
    Idempotent: the account's one destination is reused, never a second made."""
    label = destination_spec(TYPE).label
    with transaction.atomic():
        try:
            with transaction.atomic():
                destination, _ = Destination.objects.get_or_create(
                    account=account, destination_type=TYPE, defaults={"name": label}
                )
        except IntegrityError:
            destination = Destination.objects.get(account=account, destination_type=TYPE)
        ActivateSettings.objects.update_or_create(
            destination=destination, defaults={"account_id": account_id, "api_key": api_key, "base_url": base_url}
        )
        if destination.status == Destination.Status.DRAFT:
            Destination.objects.filter(pk=destination.pk).update(wizard_step="activate")
            destination_activate(destination)
            return Connected(destination, "activated")
    if destination_credentials_confirmed(destination):
        return Connected(destination, "healed")
    return Connected(destination, "paused" if destination.status == Destination.Status.PAUSED else "already_active")
