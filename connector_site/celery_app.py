"""The Celery application. Settings live in connector_site/settings/celery.py."""

import logging
import os

from celery import Celery
from celery.signals import after_setup_logger

from connector_site.embedded_broker import embedded_broker_install

embedded_broker_install()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector_site.settings.local")

app = Celery("connector_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Celery logs two INFO lines per task ("received", "succeeded"): thousands an hour on a busy
# venue or during an import. The log keeps progress (imports, sweeps) and every failure.
QUIET_LOGGERS = ("celery.worker.strategy", "celery.app.trace")


@after_setup_logger.connect
def _quiet_per_task_lines(**_) -> None:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


# A worker drops a database connection that broke, so it heals after an outage with no restart.
from integrations import worker  # noqa: E402

worker.connect()
