"""What a connector gives the setup wizard (`ConnectorSpec.setup`).

The wizard (`wizard/`) walks the generic steps (preset, name and general settings, products,
contacts, summary, activation) and asks the connector's SetupSpec for what only the connector
knows: its credentials form and their check, the facts of the account behind them, what the
summary shows of them, and what activation will register. The wizard never imports a
connector, so a second source system is one package with one SetupSpec.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms

from integrations.records import PreviewRead

# progress(percent, text): how far a long-running read is, for the page that polls it.
Progress = Callable[[int, str], None]


class ExplainedChoiceField(forms.ChoiceField):
    """Radio buttons, each with a sentence saying what choosing it means (`explanations`);
    the wizard renders any such field as a list of explained choices."""

    def __init__(self, *, explanations: dict[str, str], **kwargs) -> None:
        kwargs.setdefault("widget", forms.RadioSelect)
        super().__init__(**kwargs)
        self.explanations = explanations


@dataclass(frozen=True)
class SourceAccount:
    """What the source says about the account behind the credentials (a venue, a shop)."""

    id: str
    name: str
    time_zone: str = ""  # an IANA name, or "" when the source gave none we recognise
    currency: str = ""
    country: str = ""  # ISO 3166 alpha-2
    environment: str = ""  # where the account lives, in people's words ("Playground"); "" when one place


@dataclass(frozen=True)
class WebhookPlan:
    """The webhook activation registers at the source, shown before and after activating."""

    url: str
    subscribed: tuple[str, ...] = ()  # the events it asks for, in people's words
    problem: str | None = None  # why the source would refuse the address, said before anyone asks it
    registered_id: str = ""  # the source's id of the webhook, once registered


@dataclass(frozen=True)
class SetupSpec:
    """The connector's part of the wizard. Callables take keyword arguments.

    - credentials_form(data, connection): the credentials step's form (bound when data is not
      None), filled in from what is stored.
    - credentials_check(form): asks the source about a valid form's credentials; returns the
      SourceAccount behind them or raises integrations.errors.CredentialsProblem. Called
      outside any database transaction.
    - credentials_save(connection, form, account): stores the form's credentials; `account` is
      None when they could not be checked (kept so "Try again" needs no retyping).
    - account(connection): the SourceAccount stored at the last successful check, or None.
    - summary_rows(connection): the summary's (label, value) rows of the credentials; never a secret.
    - fingerprint(connection): JSON-able values of what the preview depends on.
    - preview(connection, progress): the last days' records for the summary's preview, as an
      integrations.records.PreviewRead; the core runs them through the ingest path in a dry run
      (wizard.preview). Raises integrations.errors types (TransientError with retry_after to be
      run again later).
    - webhook(connection): the webhook activation registers, or None when the connector has none.
    """

    credentials_form: Callable[..., forms.Form]
    credentials_check: Callable[..., SourceAccount]
    credentials_save: Callable[..., None]
    account: Callable[..., SourceAccount | None]
    summary_rows: Callable[..., list[tuple[str, str]]]
    fingerprint: Callable[..., dict[str, Any]]
    preview: Callable[..., PreviewRead] | None = None
    webhook: Callable[..., WebhookPlan | None] | None = None

    # Words and templates of the connector's pages; the defaults fit any source.
    account_noun: str = "account"  # "venue"
    credentials_title: str = ""  # "" : "Connect to <label>"
    credentials_intro: str = ""
    # Templates (paths the template loader finds) for the credentials' fields and the help
    # beside them; without them every field is rendered in order and no help is shown.
    credentials_fields_template: str = ""
    credentials_help_template: str = ""
    products_intro: str = ""
    realtime_text: str = "changes"  # what the source sends as it happens: "bookings, guests and …"
    webhook_settings_where: str = ""  # where at the source a person removes our webhook themselves


# --- destinations ---------------------------------------------------------------------------
# A destination (a marketing platform) is set up on the same wizard: its spec declares its steps,
# and the wizard walks them (wizard.destinations). The callables take keyword arguments.


@dataclass(frozen=True)
class SetupStep:
    """One step a destination declares. `kind` says which of the wizard's generic steps it is:

    - "credentials": the spec's credentials form, checked before anything is saved;
    - "form": `form(data, destination)` and `save(destination, form)`, which returns what
      saving did, in a sentence for the person ("" when there is nothing to say);
    - "summary": every step's rows, and what to do in the destination first;
    - "activate": the spec's `activate(destination)`.
    """

    key: str
    title: str
    kind: str
    form: Callable[..., forms.Form] | None = None
    save: Callable[..., str] | None = None
    # The summary's (label, value) rows of what this step set.
    rows: Callable[..., list[tuple[str, str]]] | None = None
    intro: str = ""


@dataclass(frozen=True)
class Prerequisite:
    """Something to do in the destination before activating (a custom field to create)."""

    name: str  # exactly as it must be typed there
    kind: str  # "date", "text"
    meaning: str


@dataclass(frozen=True)
class DestinationSetupSpec:
    """The destination's part of the wizard (DestinationSpec.setup).

    - steps: in order, after the catalogue's choice (see SetupStep).
    - credentials_form(data, destination), credentials_check(form) → SourceAccount (raises
      integrations.errors.CredentialsProblem; called outside any transaction),
      credentials_save(destination, form, account), account(destination): as SetupSpec's.
    - prerequisites(destination): what to create in the destination first (the summary lists it).
    - activate(destination): starts sending; raises integrations.errors.SyncError.
    """

    steps: tuple[SetupStep, ...]
    credentials_form: Callable[..., forms.Form]
    credentials_check: Callable[..., SourceAccount]
    credentials_save: Callable[..., None]
    account: Callable[..., SourceAccount | None]
    activate: Callable[..., None]
    prerequisites: Callable[..., list[Prerequisite]] | None = None

    account_noun: str = "account"
    credentials_title: str = ""
    credentials_intro: str = ""
    credentials_fields_template: str = ""
    credentials_help_template: str = ""
    prerequisites_title: str = "Before you activate"
    prerequisites_intro: str = ""
    activate_intro: str = ""
    # How a person erases someone in the destination by hand (no erasure API), for the page.
    erasure_instructions: str = ""
