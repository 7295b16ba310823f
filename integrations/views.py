import logging

from django.db import connection as db_connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# A load balancer asks every few seconds and gives up after a few more: answer well inside that.
BROKER_CHECK_TIMEOUT_SECONDS = 2.0


@never_cache
@require_safe
def healthz(request):
    """For a load balancer: 200 when the database and the broker answer, 503 naming what did not.

    The broker matters as much as the database: without it webhooks are still stored, but
    nothing is processed until the sweeper can hand them over.
    """
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", "checks": checks}, status=200 if healthy else 503)


def _check_database() -> str:
    try:
        with db_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        logger.warning("healthz: database unreachable (%s)", exc.__class__.__name__)
        return f"unreachable: {exc.__class__.__name__}"
    return "ok"


def _check_broker() -> str:
    from connector_site.celery_app import app

    try:
        # One connection attempt, no retry loop: a health check must answer quickly.
        with app.connection_for_read(connect_timeout=BROKER_CHECK_TIMEOUT_SECONDS) as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_CHECK_TIMEOUT_SECONDS)
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        # The exception's text may hold the broker URL with its password: log and show the type only.
        logger.warning("healthz: broker unreachable (%s)", exc.__class__.__name__)
        return f"unreachable: {exc.__class__.__name__}"
    return "ok"


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever a page links: without this, a 404 on every page.

    The address is looked up per request: with hashed static names (production) it is known
    only once collectstatic has run."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
