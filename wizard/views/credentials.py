"""Step 3: the environment and API key, checked against ROLLER before they count.

Continue asks ROLLER for a token, then for the venue behind it, and says which of three
things went wrong when it did: the key was refused, the venue has no API access, or ROLLER
could not be reached. Non-atomic: the check is an HTTP call and must not hold the database.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.views.decorators.http import require_http_methods

from integrations.roller.errors import CredentialsRejected, NoApiAccess, RateLimited, RollerError, RollerUnavailable
from integrations.roller.models import RollerSettings
from wizard import steps
from wizard.forms import CredentialsForm
from wizard.services import credentials_store, credentials_verify
from wizard.views.common import load_step, posted, render_page, step_context, step_done

WHERE_TO_FIND = "Venue Manager → Settings → Integrations → API keys"


@dataclass(frozen=True)
class Problem:
    kind: str  # rejected, no_access, unreachable, other
    title: str
    message: str


@transaction.non_atomic_requests
@login_required
@require_http_methods(["GET", "POST"])
def credentials(request, public_id):
    connection, stop = load_step(request, public_id, "credentials")
    if stop:
        return stop
    roller = RollerSettings.objects.filter(connection=connection).first()
    form = CredentialsForm(posted(request), roller=roller)
    problem = None
    if request.method == "POST" and form.is_valid():
        environment = form.cleaned_data["environment"]
        try:
            venue = credentials_verify(
                base_url=form.base_url(), client_id=form.cleaned_data["client_id"], client_secret=form.secret()
            )
        except RollerError as exc:
            problem = _problem(exc, form)
            if problem.kind == "unreachable" and steps.is_draft(connection) and not (roller and roller.venue_id):
                # Kept, unchecked, so "Try again" needs no retyping of the secret; the step
                # stays unfinished until ROLLER confirms them.
                roller = _store(connection, form, venue=None)
                form = CredentialsForm(request.POST, roller=roller)
                form.is_valid()
        else:
            if (
                roller is not None
                and roller.venue_id
                and not steps.is_draft(connection)
                and venue.venue_id != roller.venue_id
            ):
                problem = Problem(
                    "other",
                    "These credentials are for another venue",
                    f"They belong to “{venue.name}”, and this connector synchronises “{roller.venue_name}”. "
                    "A connector stays with one venue: add a new connector for the other one.",
                )
            else:
                _store(connection, form, venue=venue)
                messages.success(
                    request, f"ROLLER accepted the credentials: connected to “{venue.name}” ({_env(environment)})."
                )
                return step_done(request, connection, "credentials")
    context = step_context(connection, "credentials", form=form, problem=problem, roller=roller, where=WHERE_TO_FIND)
    return render_page(request, "wizard/credentials.html", context)


def _store(connection, form: CredentialsForm, *, venue) -> RollerSettings:
    return credentials_store(
        connection=connection,
        environment=form.cleaned_data["environment"],
        custom_base_url=form.stored_base_url(),
        client_id=form.cleaned_data["client_id"],
        client_secret=form.cleaned_data.get("client_secret") or None,
        venue=venue,
    )


def _env(environment: str) -> str:
    return str(RollerSettings.Environment(environment).label)


def _problem(exc: RollerError, form: CredentialsForm) -> Problem:
    environment = _env(form.cleaned_data["environment"])
    if isinstance(exc, CredentialsRejected):
        return Problem(
            "rejected",
            "ROLLER rejected the Client ID and Client Secret",
            f"Check both in ROLLER under {WHERE_TO_FIND}, and that the key was made for the environment chosen "
            f"({environment}): a key works in one environment only, so a Playground key does not work on Live. "
            "Nothing was saved.",
        )
    if isinstance(exc, NoApiAccess):
        return Problem(
            "no_access",
            "The venue has no access to ROLLER's API",
            "ROLLER knows the key but refused access to the venue (403): the venue needs ROLLER's API access "
            "add-on. Ask ROLLER to enable it, then check again.",
        )
    if isinstance(exc, (RollerUnavailable, RateLimited)):
        return Problem(
            "unreachable",
            "ROLLER could not be reached",
            f"{exc} This says nothing about your Client ID and Secret: try again in a moment.",
        )
    return Problem("other", "ROLLER answered something unexpected", str(exc))
