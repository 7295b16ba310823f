"""A connection's health: connected, paused or needs attention, with what to do about it."""

import hashlib
from dataclasses import dataclass

from integrations.models import Connection, WebhookEvent
from integrations.registry import connector_label

EventStatus = WebhookEvent.Status


@dataclass(frozen=True)
class Problem:
    """Something only a person can fix. `key` is stable while the problem lasts (for alerts)."""

    key: str
    title: str
    what_to_do: str
    # A button on the connection page that fixes it, when there is one ("register_webhook",
    # "credentials": a link to the credentials step and "Retry now").
    fix: str = ""


@dataclass(frozen=True)
class Health:
    state: str  # "connected", "paused", "needs_attention", "draft"
    label: str
    problems: list[Problem]


def connection_health(*, connection: Connection, events_dead: int | None = None) -> Health:
    """Connected, paused or needs attention, with what is wrong and what to do about it."""
    Status = Connection.Status
    if connection.status == Status.DRAFT:
        return Health("draft", "Not set up yet", [])
    if events_dead is None:
        events_dead = WebhookEvent.objects.filter(connection=connection, status=EventStatus.DEAD).count()
    problems = []
    source = connector_label(connection.connector_type)
    if connection.status == Status.NEEDS_ATTENTION:
        refused = connection.credentials_refused_at is not None
        problems.append(_status_problem(connection.status_reason, source=source, refused=refused))
    if events_dead:
        noun = "update" if events_dead == 1 else "updates"
        problems.append(
            Problem(
                key="events:dead",
                title=f"{events_dead} {noun} from {source} could not be processed",
                what_to_do=(
                    "They were retried several times and set aside; nothing is lost. Once the cause is "
                    "fixed, press “Replay failed events” on the connection page to process them."
                ),
            )
        )
    if connection.status == Status.PAUSED:
        return Health("paused", "Paused", problems)
    if problems:
        return Health("needs_attention", "Needs attention", problems)
    return Health("connected", "Connected", [])


def _status_problem(reason: str, *, source: str, refused: bool = False) -> Problem:
    """The connection's own reason already says what to do; the title says what kind of thing it is."""
    lowered = reason.lower()
    fix = ""
    if refused:
        # Fixed in the credentials step, or by "Retry now" once the source accepts them again.
        kind, title, fix = "credentials", f"{source} no longer accepts the connection's credentials", "credentials"
    elif "webhook" in lowered:
        # Disabled, deleted or pointing elsewhere at the source (the reconciliation's check).
        kind, title, fix = "webhook", f"{source}'s updates are not reaching this connection", "register_webhook"
    elif any(word in lowered for word in ("client id", "credential", "api key", "refused access", "rejected")):
        kind, title = "credentials", f"{source} no longer accepts the connection's credentials"
    else:
        kind, title = "other", "The connection has stopped"
    digest = hashlib.sha256(reason.encode()).hexdigest()[:12]
    return Problem(key=f"status:{kind}:{digest}", title=title, what_to_do=reason or "Contact support.", fix=fix)
