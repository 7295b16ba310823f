"""The Celery app for tests that start a real worker: the project's app plus the fake connector."""

import django

from connector_site.celery_app import app

django.setup()

from tests.support.fake_connector import register  # noqa: E402

register()

__all__ = ["app"]
