"""What the wizard writes: drafts, their progress, verified credentials, and deletion.

Views call these; they hold no HTTP or form handling. What only the connector knows comes
from its SetupSpec (`connector_setup`). Anything that talks to the source is called outside a
database transaction (the views are non-atomic), so a slow source never holds a lock on the
database.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.errors import SyncError, TransientError
from integrations.models import Account, Connection, Contact, Order, Product
from integrations.presets import preset_apply
from integrations.publishing import task_publish
from integrations.registry import connector_get
from integrations.setup import SetupSpec, SourceAccount
from wizard.models import Preview
from wizard.preview import preview_collect
from wizard.steps import KEYS, PRESET_FILLS

logger = logging.getLogger(__name__)

DRAFT_NAME = "New {label} connector"


class WizardError(Exception):
    """A step cannot be completed as asked; the message says why and what to do."""


def _source_label(connection: Connection) -> str:
    spec = connector_get(connection.connector_type)
    return spec.label if spec else connection.connector_type


def connector_setup(connection: Connection) -> SetupSpec | None:
    """The connector's part of the wizard; None for a connector that cannot be set up here."""
    spec = connector_get(connection.connector_type)
    return spec.setup if spec else None


# --- drafts and progress ------------------------------------------------------------------


@transaction.atomic
def draft_create(*, account: Account, connector_type: str, preset: str) -> Connection:
    """A draft connection with a placeholder name (the venue's name replaces it at step 4)."""
    spec = connector_get(connector_type)
    if spec is None:
        raise WizardError(f"No connector of type '{connector_type}' is installed.")
    base = DRAFT_NAME.format(label=spec.label)
    name, n = base, 2
    while Connection.objects.filter(account=account, name=name).exists():
        name, n = f"{base} ({n})", n + 1
    connection = Connection(account=account, connector_type=connector_type, name=name, wizard_step="preset")
    _preset_set(connection, preset)
    connection.save()
    logger.info("wizard: draft connection %s created", connection.pk)
    return connection


def preset_choose(*, connection: Connection, preset: str) -> None:
    """Default fills every later step with the recommended values; Manual leaves them."""
    _preset_set(connection, preset)
    connection.save()
    wizard_step_complete(connection=connection, key="preset")


def _preset_set(connection: Connection, preset: str) -> None:
    if preset == Connection.Preset.DEFAULT:
        preset_apply(connection=connection)
    else:
        connection.preset = Connection.Preset.MANUAL


def preset_steps_complete(*, connection: Connection) -> None:
    """The steps the default preset filled in count as done, and the summary's preview starts
    (as saving the contacts step starts it)."""
    if connection.wizard_step in KEYS and KEYS.index(connection.wizard_step) >= KEYS.index(PRESET_FILLS[-1]):
        return  # done before: the preview ran then (and "Run again" is on the summary)
    wizard_step_complete(connection=connection, key=PRESET_FILLS[-1])
    preview_start(connection=connection)


def wizard_step_complete(*, connection: Connection, key: str) -> None:
    """Marks a step completed; going back to an earlier step never loses later progress."""
    done = KEYS.index(connection.wizard_step) if connection.wizard_step in KEYS else 0
    if KEYS.index(key) > done:
        connection.wizard_step = key
        Connection.objects.filter(pk=connection.pk).update(wizard_step=key)


def settings_fingerprint(*, connection: Connection) -> str:
    """What the preview depends on: when this changes, an earlier preview is out of date."""
    setup = connector_setup(connection)
    values = {
        **(setup.fingerprint(connection=connection) if setup else {}),
        "time_zone": connection.time_zone,
        "contacts_enabled": connection.contacts_enabled,
        "contacts_mode": connection.contacts_mode,
        "matching_key": connection.matching_key,
        "minimum_age": connection.minimum_age,
    }
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


# --- credentials --------------------------------------------------------------------------


@transaction.atomic
def credentials_save(*, connection: Connection, form: forms.Form, account: SourceAccount | None) -> None:
    """Stores the credentials through the connector (a blank secret keeps the stored one) and,
    once the source confirmed them, the account's id, zone, currency and country on the
    connection; only confirmed credentials complete the step."""
    if account is not None:
        connection.time_zone = account.time_zone or "UTC"
        connection.currency = account.currency
        connection.country = account.country[:2]
        connection.source_account_id = account.id
        connection.save(update_fields=["time_zone", "currency", "country", "source_account_id", "updated_at"])
    connector_setup(connection).credentials_save(connection=connection, form=form, account=account)
    if account is not None:
        wizard_step_complete(connection=connection, key="credentials")


# --- the preview --------------------------------------------------------------------------

# A preview "running" for longer than this was lost with its worker: it may be claimed again.
PREVIEW_STALE_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class PreviewRun:
    status: str
    retry_in: float | None = None


def preview_latest(*, connection: Connection) -> Preview | None:
    return Preview.objects.filter(connection=connection).order_by("-created_at", "-pk").first()


def preview_start(*, connection: Connection) -> Preview:
    """A new preview, queued for a worker once this transaction commits; only the latest is kept."""
    Preview.objects.filter(connection=connection).delete()
    preview = Preview.objects.create(
        connection=connection, settings_fingerprint=settings_fingerprint(connection=connection)
    )
    transaction.on_commit(lambda: _preview_enqueue(preview.pk))
    return preview


def _preview_enqueue(preview_id: int) -> None:
    try:
        task_publish("wizard.tasks.preview_run", args=[preview_id], retry=False)
    except Exception as exc:  # noqa: BLE001 - a broker that is down must not break the page
        logger.warning("wizard: could not queue preview %s (%s)", preview_id, exc)
        preview_fail(
            preview_id=preview_id,
            message="The preview could not be started: the task queue is not reachable. Try again.",
        )


def preview_execute(*, preview_id: int) -> PreviewRun:
    """Runs one preview (claimed first, so a redelivered task does not run it twice)."""
    now = timezone.now()
    claimed = (
        Preview.objects.filter(pk=preview_id)
        .filter(
            Q(status=Preview.Status.QUEUED) | Q(status=Preview.Status.RUNNING, started_at__lt=now - PREVIEW_STALE_AFTER)
        )
        .update(status=Preview.Status.RUNNING, started_at=now, progress=1, progress_text="Starting")
    )
    if not claimed:
        return PreviewRun(status="not_claimed")
    preview = Preview.objects.select_related("connection").get(pk=preview_id)

    def progress(percent: int, text: str) -> None:
        Preview.objects.filter(pk=preview_id, status=Preview.Status.RUNNING).update(
            progress=max(1, min(99, percent)), progress_text=text[:200]
        )

    try:
        result = preview_collect(connection=preview.connection, progress=progress)
    except TransientError as exc:
        if exc.retry_after is None:  # down, not rate limiting: the message says to try later
            preview_fail(preview_id=preview_id, message=str(exc))
            return PreviewRun(status=Preview.Status.FAILED)
        label = _source_label(preview.connection)
        Preview.objects.filter(pk=preview_id).update(
            status=Preview.Status.QUEUED,
            progress_text=f"{label}'s rate limit was reached; the preview goes on in {exc.retry_after:.0f} seconds.",
        )
        return PreviewRun(status=Preview.Status.QUEUED, retry_in=exc.retry_after)
    except SyncError as exc:
        preview_fail(preview_id=preview_id, message=str(exc))
        return PreviewRun(status=Preview.Status.FAILED)
    except Exception:
        logger.exception("wizard: preview %s failed", preview_id)
        preview_fail(
            preview_id=preview_id, message="The preview failed unexpectedly (the error was logged). Try again."
        )
        return PreviewRun(status=Preview.Status.FAILED)
    Preview.objects.filter(pk=preview_id).update(
        status=Preview.Status.DONE, progress=100, progress_text="", result=result, finished_at=timezone.now()
    )
    return PreviewRun(status=Preview.Status.DONE)


def preview_give_up(*, preview_id: int) -> None:
    """The source kept rate limiting the preview's retries."""
    preview = Preview.objects.select_related("connection").filter(pk=preview_id).first()
    label = _source_label(preview.connection) if preview else "The source"
    preview_fail(preview_id=preview_id, message=f"{label}'s rate limit kept being reached; try again later.")


def preview_fail(*, preview_id: int, message: str) -> None:
    Preview.objects.filter(pk=preview_id).update(
        status=Preview.Status.FAILED, error=message, progress_text="", finished_at=timezone.now()
    )


# --- deletion -----------------------------------------------------------------------------


def synced_data_counts(*, connection: Connection) -> dict[str, int]:
    return {
        "contacts": Contact.objects.filter(connection=connection).count(),
        "orders": Order.objects.filter(connection=connection).count(),
        "products": Product.objects.filter(connection=connection).count(),
    }


def connection_delete(*, connection: Connection, keep_webhook: bool = False) -> None:
    """Removes the connector's webhook at the source first (so nothing posts to a connection
    that is gone), then the connection with everything it synchronised.

    Raises the connector's error when the webhook cannot be removed, unless `keep_webhook`
    (the person was told the webhook stays and chose to delete anyway).
    """
    spec = connector_get(connection.connector_type)
    if spec is not None and spec.on_delete is not None and not keep_webhook:
        spec.on_delete(connection)
    with transaction.atomic():
        # Orders first: an order line protects its product from deletion.
        Order.objects.filter(connection=connection).delete()
        Contact.objects.filter(connection=connection).delete()
        Product.objects.filter(connection=connection).delete()
        connection.delete()
    logger.info("wizard: connection deleted (webhook kept at the source: %s)", keep_webhook)
