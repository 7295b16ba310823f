"""The Celery application. Settings live in connector_site/settings/celery.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector_site.settings.local")

app = Celery("connector_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A worker drops a database connection that broke, so it heals after an outage with no restart.
from integrations import worker  # noqa: E402

worker.connect()
