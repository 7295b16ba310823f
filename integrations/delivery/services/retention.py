"""The delivery log is kept 14 days (issue 15): older rows go, a batch at a time."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from integrations.delivery.models import DeliveryAttempt

LOG_RETENTION = dt.timedelta(days=14)
BATCH = 5000


def delivery_log_purge(*, before: dt.datetime | None = None) -> int:
    before = before or timezone.now() - LOG_RETENTION
    purged = 0
    while True:
        ids = list(DeliveryAttempt.objects.filter(created_at__lt=before).values_list("pk", flat=True)[:BATCH])
        if not ids:
            return purged
        purged += DeliveryAttempt.objects.filter(pk__in=ids).delete()[0]
