"""What only the wizard keeps: the preview of what a connection would synchronise."""

from django.db import models

from integrations.models import Connection


class Preview(models.Model):
    """One run of the summary's preview: the last days' bookings run through the rules.

    The result holds counts, reasons and a few examples of adults (masked contact details);
    never a secret, and nothing at all about a minor (not even a booking reference).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="wizard_previews")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done")
    progress_text = models.CharField(max_length=200, blank=True)
    # The settings the preview ran with, so the summary can say when they changed since.
    settings_fingerprint = models.CharField(max_length=64)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["connection", "-created_at"])]

    def __str__(self) -> str:
        return f"Preview #{self.pk} of {self.connection_id} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
