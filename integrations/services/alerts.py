"""E-mail to an account's users when a connection needs attention: one digest, not one per record.

A digest lists everything wrong with the connection right now. It goes out when at least one
problem is new since the last digest; a problem that went away is forgotten, so it is news
again if it comes back. Problems are those of the connection page
(integrations.selectors.health.connection_health), so the e-mail and the page agree.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from integrations.models import AlertState, Connection, WebhookEvent
from integrations.registry import connector_get
from integrations.selectors.health import Problem, connection_health

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertResult:
    connection_id: int
    sent_to: int
    new_problems: int


def alerts_send() -> list[AlertResult]:
    """Looks at every connection that is or was in trouble; sends the digests that are due."""
    in_trouble = Q(status=Connection.Status.NEEDS_ATTENTION) | Q(
        status=Connection.Status.ACTIVE,
        webhook_events__status=WebhookEvent.Status.DEAD,
    )
    # Those we wrote about before too, so that a problem solved is forgotten.
    remembered = Q(alert_state__isnull=False) & ~Q(alert_state__problem_keys=[])
    ids = Connection.objects.filter(in_trouble | remembered).values_list("pk", flat=True).distinct()
    results = []
    for connection_id in ids:
        try:
            result = connection_alert_send(connection_id=connection_id)
        except Exception:  # one failing mail server answer must not stop the other digests
            logger.exception("alert digest for connection %s failed; it is tried again next time", connection_id)
            continue
        if result.sent_to:
            results.append(result)
    return results


def connection_alert_send(*, connection_id: int) -> AlertResult:
    """Sends one connection's digest when something is new; remembers what was sent.

    The row lock makes two overlapping runs send one digest, and the memory is written only
    after the mail went out, so a failed send is tried again on the next run.
    """
    with transaction.atomic():
        connection = Connection.objects.select_related("account").get(pk=connection_id)
        state, _ = AlertState.objects.get_or_create(connection=connection)
        state = AlertState.objects.select_for_update().get(pk=state.pk)
        health = connection_health(connection=connection)
        # A paused or draft connection was stopped on purpose: nothing to alert about.
        problems = health.problems if health.state == "needs_attention" else []
        current = sorted(problem.key for problem in problems)
        new = [problem for problem in problems if problem.key not in set(state.problem_keys)]
        sent_to = 0
        if new:
            recipients = alert_recipients(connection)
            if recipients:
                _send(connection, problems=problems, new=new, recipients=recipients)
                sent_to = len(recipients)
                state.last_sent_at = timezone.now()
                logger.info("alert digest for connection %s sent to %s user(s)", connection.pk, sent_to)
            else:
                logger.warning(
                    "connection %s needs attention but its account has no user with an e-mail", connection.pk
                )
        if current != state.problem_keys and (sent_to or not new):
            state.problem_keys = current
            state.save(update_fields=["problem_keys", "last_sent_at", "updated_at"])
        return AlertResult(connection_id=connection.pk, sent_to=sent_to, new_problems=len(new))


def alert_recipients(connection: Connection) -> list[str]:
    """Who gets the digests: the account's active users with an e-mail address."""
    users = get_user_model().objects.filter(membership__account=connection.account_id, is_active=True)
    return sorted({email for email in users.values_list("email", flat=True) if email})


def _send(connection: Connection, *, problems: list[Problem], new: list[Problem], recipients: list[str]) -> None:
    new_keys = {problem.key for problem in new}
    page_url = settings.PUBLIC_BASE_URL.rstrip("/") + reverse(
        "wizard:connection_detail", kwargs={"public_id": connection.public_id}
    )
    spec = connector_get(connection.connector_type)
    context = {
        "connection": connection,
        "connector_label": spec.label if spec else connection.connector_type,
        "problems": [(problem, problem.key in new_keys) for problem in problems],
        "page_url": page_url,
    }
    send_mail(
        subject=f"{connection.name} needs attention",
        message=render_to_string("wizard/connection/alert_email.txt", context),
        from_email=None,
        recipient_list=recipients,
    )
