"""Activate's credentials in the wizard: checked with Activate before they count, then stored.

The check is the client's `credentials_check` (`GET v1/contacts?limit=1`, docs/activate-facts.md)
and tells a wrong Account ID or key (401/403) from a service that did not answer. It is an
HTTP call: the wizard calls it outside any transaction. The key is stored encrypted
(ActivateSettings.api_key) and never shown: the summary says "Stored (never shown)".
"""

from django.db import transaction

from integrations.activate.client import ActivateClient
from integrations.activate.errors import (
    ActivateAuthRefused,
    ActivateError,
    ActivateRetryable,
    ActivateUnreachable,
)
from integrations.activate.models import ActivateSettings
from integrations.activate.setup.forms import STAND_IN, CredentialsForm
from integrations.delivery.models import Destination
from integrations.errors import CredentialsProblem
from integrations.setup import SourceAccount

WHERE_TO_FIND = "Activate under Settings → Account (the Account ID) and Settings → API (the API key)"


def credentials_check(*, form: CredentialsForm) -> SourceAccount:
    """The account behind a valid form's Account ID and key; Activate's errors become what the
    step shows. Activate says nothing about an account but accepting its key, so the account
    is its id."""
    account_id = form.cleaned_data["account_id"].strip()
    client = ActivateClient(account_id=account_id, api_key=form.key(), base_url=form.api_url())
    try:
        client.credentials_check()
    except ActivateError as exc:
        raise credentials_problem(exc, address=form.api_url()) from exc
    finally:
        client.close()
    environment = "Local stand-in" if form.cleaned_data["where"] == STAND_IN else ""
    return SourceAccount(id=account_id, name=f"Activate account {account_id}", environment=environment)


def credentials_problem(exc: ActivateError, *, address: str) -> CredentialsProblem:
    if isinstance(exc, ActivateAuthRefused):
        return CredentialsProblem(
            f"Activate answered {exc.status}: it does not know this Account ID with this API key. Copy both again "
            f"from {WHERE_TO_FIND}; a key that was revoked there must be made anew. Nothing was saved.",
            title="Activate refused the Account ID and API key",
            kind="rejected",
        )
    if isinstance(exc, ActivateUnreachable):
        return CredentialsProblem(
            f"We got no answer from {address}. Try again in a moment. Your Account ID and API key were not "
            "checked yet, and nothing was saved.",
            title="Activate could not be reached",
            kind="unreachable",
        )
    if isinstance(exc, ActivateRetryable):
        return CredentialsProblem(
            f"Activate answered {exc.status} (busy or down). This says nothing about your Account ID and API key: "
            "try again in a moment. Nothing was saved.",
            title="Activate could not be reached",
            kind="unreachable",
        )
    return CredentialsProblem(
        f"Activate answered {exc.status}: {exc.activate_message or 'no reason given'}. Nothing was saved.",
        title="Activate answered something unexpected",
    )


@transaction.atomic
def credentials_save(*, destination: Destination, form: CredentialsForm, account: SourceAccount | None) -> None:
    """Stores what Activate confirmed (a blank key keeps the stored one)."""
    stored = ActivateSettings.objects.filter(destination=destination).first() or ActivateSettings(
        destination=destination
    )
    stored.account_id = form.cleaned_data["account_id"].strip()
    stored.base_url = form.base_url()
    if form.cleaned_data.get("api_key"):
        stored.api_key = form.cleaned_data["api_key"]
    stored.save()


def account_stored(*, destination: Destination) -> SourceAccount | None:
    stored = ActivateSettings.objects.filter(destination=destination).first()
    if stored is None or not stored.account_id or not stored.api_key:
        return None
    environment = "Local stand-in" if stored.base_url else ""
    return SourceAccount(id=stored.account_id, name=f"Activate account {stored.account_id}", environment=environment)


def credentials_rows(*, destination: Destination) -> list[tuple[str, str]]:
    stored = ActivateSettings.objects.filter(destination=destination).first()
    return [
        ("Where", ("Local stand-in" if stored.base_url else "Spotler Activate") if stored else "—"),
        ("Account ID", stored.account_id if stored else "—"),
        ("API key", "Stored (never shown)" if stored and stored.api_key else "—"),
    ]
