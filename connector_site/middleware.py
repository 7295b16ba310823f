"""Site-wide response headers."""

from django.utils.cache import add_never_cache_headers


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
