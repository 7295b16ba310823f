"""Middleware of the site as a whole (not of one app): pages never cached, bodies that stall."""

import logging

from django.http import HttpResponse, UnreadablePostError
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)


class UnreadableBodyMiddleware:
    """A sender that stalls half-way through its body is answered 503, with one WARNING line.

    gunicorn stops waiting for a client's next bytes after a few seconds
    (deploy/gunicorn.conf.py, READ_TIMEOUT_SECONDS), so a stalled sender frees its thread; the
    view then fails to read the body. Without this each one logged an ERROR and a traceback.
    503, not 4xx: nothing was stored, and a source retries a 503 but may disable a webhook that
    answers 4xx.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, UnreadablePostError):
            return None
        logger.warning(
            "%s %s: the body did not arrive in time (%s), answered 503",
            request.method,
            request.path,
            exception,
        )
        response = HttpResponse("Request body incomplete; send it again.", status=503, content_type="text/plain")
        # The line above says it all: Django would log every 5xx once more, as an ERROR.
        response._has_been_logged = True
        return response


class PagesNotCachedMiddleware:
    """Pages are never stored by the browser: Back and Forward load them again.

    Without it, Back after activating a connector showed the list as it was before
    ("Draft at step 8"), from the browser's cache. Only HTML pages: static files (served with
    their own long cache headers) and API answers keep theirs, and a view that set its own
    Cache-Control keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response and response.get("Content-Type", "").startswith("text/html"):
            add_never_cache_headers(response)
        return response
