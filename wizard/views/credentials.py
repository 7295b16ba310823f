"""Step 3: the connector's credentials, checked with the source before they count.

The form, the check and what is stored are the connector's (its SetupSpec); this view says
what went wrong when the source did not confirm them, keeps a live connection with the
account it has, refuses an account another connection of the same account has already (naming
and linking it), and heals a connection whose credentials the source had refused
(integrations.services.credentials). Nothing is stored before the source confirmed it (the page
says so): when the source could not be reached, the form comes back with what was typed, and
with htmx the typed secret stays in its field (`hx-preserve`), so "Try again" needs no retyping
and the secret is never sent back in a page.
Non-atomic: the check is an HTTP call and must not hold the database.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from integrations.errors import CredentialsProblem
from integrations.models import Connection
from integrations.selectors.accounts import connection_of_source_account
from integrations.services.credentials import connection_credentials_confirmed
from integrations.setup import SourceAccount
from wizard import steps
from wizard.services import connector_setup, credentials_save
from wizard.views.common import connector_label, load_step, posted, render_page, step_context, step_done


@dataclass(frozen=True)
class Problem:
    kind: str  # rejected, no_access, unreachable, duplicate, other
    title: str
    message: str
    link_url: str = ""  # where the person fixes it (the connection that has the account already)
    link_text: str = ""


@transaction.non_atomic_requests
@login_required
@require_http_methods(["GET", "POST"])
def credentials(request, public_id):
    connection, stop = load_step(request, public_id, "credentials")
    if stop:
        return stop
    setup = connector_setup(connection)
    if setup is None:
        raise Http404("This connector cannot be set up here.")
    label = connector_label(connection.connector_type)
    stored = setup.account(connection=connection)
    form = setup.credentials_form(posted(request), connection=connection)
    problem = None
    if request.method == "POST" and form.is_valid():
        account, problem = credentials_checked(setup, form, stored=stored, live=not steps.is_draft(connection))
        if account is not None:
            if existing := connection_of_source_account(connection=connection, source_account_id=account.id):
                problem = _connected_already(existing, account=account, noun=setup.account_noun)
            else:
                credentials_save(connection=connection, form=form, account=account)
                where = f" ({account.environment})" if account.environment else ""
                accepted = f"{label} accepted the credentials: connected to “{account.name}”{where}."
                if not steps.is_draft(connection):
                    # The fix for credentials the source refused: the connection heals at once.
                    accepted = f"{accepted} {connection_credentials_confirmed(connection=connection).sentence()}"
                messages.success(request, accepted.strip())
                return step_done(request, connection, "credentials")
    context = step_context(
        connection,
        "credentials",
        form=form,
        problem=problem,
        account=stored,
        setup=setup,
        title=setup.credentials_title or f"Connect to {label}",
        intro=setup.credentials_intro or f"Continue checks the credentials with {label} before anything is saved.",
        busy_label=f"Checking with {label}…",
    )
    return render_page(request, "wizard/credentials.html", context)


def credentials_checked(setup, form: forms.Form, *, stored: SourceAccount | None, live: bool, what: str = "connector"):
    """(account, None) when the source confirmed a valid form's credentials, else (None, the
    problem to show). A live one stays with its account: credentials of another are refused.
    Shared by every kind of setup (a connection's SetupSpec, a destination's)."""
    try:
        account = setup.credentials_check(form=form)
    except CredentialsProblem as exc:
        if exc.kind == "unreachable":
            _secrets_kept_in_the_page(form)
        return None, Problem(exc.kind, exc.title, str(exc))
    if stored is not None and live and account.id != stored.id:
        noun = setup.account_noun
        return None, Problem(
            "other",
            f"These credentials are for another {noun}",
            f"They belong to “{account.name}”, and this {what} synchronises “{stored.name}”. "
            f"A {what} stays with one {noun}: add a new {what} for the other one.",
        )
    return account, None


def _connected_already(existing: Connection, *, account: SourceAccount, noun: str) -> Problem:
    # One account connected twice would have every change processed twice.
    if steps.is_draft(existing):
        url = reverse("wizard:setup_resume", kwargs={"public_id": existing.public_id})
        where = "its set-up is not finished"
    else:
        url = reverse("wizard:connection_detail", kwargs={"public_id": existing.public_id})
        where = "it is already synchronised"
    return Problem(
        "duplicate",
        f"This {noun} is connected already",
        f"“{account.name}” belongs to the connector “{existing.name}”, and {where}. A {noun} connected twice would "
        f"have every change processed twice: use “{existing.name}”, or delete it first.",
        link_url=url,
        link_text=f"Open “{existing.name}”",
    )


def _secrets_kept_in_the_page(form: forms.Form) -> None:
    """The browser keeps each secret field as typed when htmx swaps the step in again."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.PasswordInput):
            field.widget.attrs["hx-preserve"] = "true"
