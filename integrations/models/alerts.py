"""What the alerts last told an account's users, so a digest goes out only when something is new."""

from django.db import models

from integrations.models.connections import Connection


class AlertState(models.Model):
    """The problems of a connection the account's users were last e-mailed about.

    Kept as the stable keys of integrations.selectors.health.Problem: a problem that
    goes away is dropped, so the same problem coming back later is news again.
    """

    connection = models.OneToOneField(Connection, on_delete=models.CASCADE, related_name="alert_state")
    problem_keys = models.JSONField(default=list, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"alerts of {self.connection}"
