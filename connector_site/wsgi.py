import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector_site.settings.local")

application = get_wsgi_application()

if os.environ["DJANGO_SETTINGS_MODULE"].endswith(".production"):
    # gunicorn runs no system checks of its own: refuse to serve a configuration that
    # `manage.py check --deploy` would refuse (a missing key, an http webhook address…).
    from django.core.checks import run_checks
    from django.core.exceptions import ImproperlyConfigured

    errors = [message for message in run_checks(include_deployment_checks=True) if message.is_serious()]
    if errors:
        raise ImproperlyConfigured("Refusing to start:\n" + "\n".join(f"- {message}" for message in errors))
