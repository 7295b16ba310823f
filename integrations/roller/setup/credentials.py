"""ROLLER's credentials in the wizard: checked with ROLLER before they count, then stored.

The check asks ROLLER for a token, then for the venue behind it, and says which of three
things went wrong when it did: the key was refused, the venue has no API access, or ROLLER
could not be reached. It is an HTTP call: the wizard calls it outside any transaction.
"""

from urllib.parse import urlsplit

from django.db import transaction

from integrations.errors import CredentialsProblem
from integrations.models import Connection
from integrations.roller.client import RollerClient
from integrations.roller.errors import (
    CredentialsRejected,
    NoApiAccess,
    RateLimited,
    RollerError,
    RollerUnavailable,
    UnexpectedResponse,
)
from integrations.roller.models import RollerSettings
from integrations.roller.parsing.payloads import parse_venue
from integrations.roller.parsing.records import PayloadError, VenueRecord
from integrations.roller.setup.forms import CredentialsForm
from integrations.roller.tokens import InMemoryTokenStore
from integrations.setup import SourceAccount

WHERE_TO_FIND = "Venue Manager → Settings → Integrations → API keys"


def credentials_verify(*, base_url: str, client_id: str, client_secret: str) -> VenueRecord:
    """Asks ROLLER for a token, then for the venue behind it. Raises the client's errors:
    CredentialsRejected, NoApiAccess, RollerUnavailable, RateLimited, UnexpectedResponse."""
    client = RollerClient(
        base_url=base_url, client_id=client_id, client_secret=client_secret, token_store=InMemoryTokenStore()
    )
    client.check_credentials()
    try:
        return parse_venue(client.get_venue())
    except PayloadError as exc:
        raise UnexpectedResponse(f"ROLLER's description of the venue could not be read ({exc}).") from exc


def credentials_check(*, form: CredentialsForm) -> SourceAccount:
    """The venue behind a valid form's credentials; ROLLER's errors become what the step shows."""
    try:
        venue = credentials_verify(
            base_url=form.base_url(), client_id=form.cleaned_data["client_id"], client_secret=form.secret()
        )
    except RollerError as exc:
        raise credentials_problem(
            exc,
            environment=form.environment_label(),
            address=urlsplit(form.base_url()).netloc or form.base_url(),
            custom=form.cleaned_data["environment"] == RollerSettings.Environment.CUSTOM,
        ) from exc
    return _account(venue, environment=form.environment_label())


def credentials_problem(
    exc: RollerError, *, environment: str, address: str = "ROLLER", custom: bool = False
) -> CredentialsProblem:
    """What the credentials step says; `address` is where ROLLER was asked (a custom domain's
    own address is the likeliest mistake when nothing answers)."""
    if isinstance(exc, CredentialsRejected):
        return CredentialsProblem(
            f"Check both in ROLLER under {WHERE_TO_FIND}, and that the key was made for the environment chosen "
            f"({environment}): a key works in one environment only, so a Playground key does not work on Live. "
            "Nothing was saved.",
            title="ROLLER rejected the Client ID and Client Secret",
            kind="rejected",
        )
    if isinstance(exc, NoApiAccess):
        return CredentialsProblem(
            "ROLLER knows the key but refused access to the venue (403): the venue needs ROLLER's API access "
            "add-on. Ask ROLLER to enable it, then check again.",
            title="The venue has no access to ROLLER's API",
            kind="no_access",
        )
    if isinstance(exc, RateLimited):
        return CredentialsProblem(
            f"{exc} This says nothing about your Client ID and Secret, and nothing was saved.",
            title="ROLLER could not be reached",
            kind="unreachable",
        )
    if isinstance(exc, RollerUnavailable):
        # The client's message names the request and its attempts: for the log, not for a person.
        return CredentialsProblem(
            f"We got no answer from {address}. Check that the address is right"
            f"{' (as ROLLER gave it for your venue)' if custom else ''}, then try again in a moment. "
            "Your Client ID and Secret were not checked yet, and nothing was saved.",
            title="ROLLER could not be reached",
            kind="unreachable",
        )
    return CredentialsProblem(str(exc), title="ROLLER answered something unexpected")


@transaction.atomic
def credentials_save(*, connection: Connection, form: CredentialsForm, account: SourceAccount | None) -> None:
    """Stores the credentials (a blank secret keeps the stored one) and, once ROLLER confirmed
    them, the venue's facts."""
    roller = RollerSettings.objects.filter(connection=connection).first() or RollerSettings(connection=connection)
    environment = form.cleaned_data["environment"]
    custom_base_url = form.stored_base_url()
    client_id = form.cleaned_data["client_id"]
    client_secret = form.cleaned_data.get("client_secret") or None
    changed = (
        roller.environment != environment
        or roller.custom_base_url != custom_base_url
        or roller.client_id != client_id
        or bool(client_secret)
    )
    roller.environment = environment
    roller.custom_base_url = custom_base_url
    roller.client_id = client_id
    if client_secret:
        roller.client_secret = client_secret
    if changed:
        # A token belongs to the credentials that got it.
        roller.access_token = ""
        roller.access_token_expires_at = None
    if account is not None:
        roller.venue_id = account.id
        roller.venue_name = account.name
        roller.venue_time_zone = account.time_zone
        roller.venue_currency = account.currency
        roller.venue_country = account.country
    roller.save()


def account_stored(*, connection: Connection) -> SourceAccount | None:
    """The venue ROLLER confirmed at the last check, or None before any."""
    roller = RollerSettings.objects.filter(connection=connection).first()
    if roller is None or not roller.venue_id:
        return None
    return SourceAccount(
        id=roller.venue_id,
        name=roller.venue_name,
        time_zone=roller.venue_time_zone,
        currency=roller.venue_currency,
        country=roller.venue_country,
        environment=roller.get_environment_display(),
    )


def summary_rows(*, connection: Connection) -> list[tuple[str, str]]:
    roller = RollerSettings.objects.filter(connection=connection).first()
    return [
        ("Environment", roller.get_environment_display() if roller else "—"),
        ("Venue", roller.venue_name if roller else "—"),
        ("Client ID", roller.client_id if roller else "—"),
        ("Client Secret", "Stored (never shown)" if roller and roller.client_secret else "—"),
    ]


def fingerprint(*, connection: Connection) -> dict[str, str]:
    """What of ROLLER's settings the preview depends on."""
    roller = RollerSettings.objects.filter(connection=connection).first()
    return {
        "venue": roller.venue_id if roller else "",
        "base_url": roller.base_url if roller else "",
        "client_id": roller.client_id if roller else "",
    }


def _account(venue: VenueRecord, *, environment: str) -> SourceAccount:
    return SourceAccount(
        id=venue.venue_id,
        name=venue.name,
        time_zone=venue.time_zone,
        currency=venue.currency,
        country=venue.country_code[:2],
        environment=environment,
    )
