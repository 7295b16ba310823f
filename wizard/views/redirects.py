"""The answer to a button on a page: back to a page with 303 See Other."""

from django.http import HttpResponseRedirect
from django.shortcuts import redirect


def see_other(to, *args, **kwargs) -> HttpResponseRedirect:
    """`redirect()` answered 303: after a POST the browser (and htmx, for a boosted form)
    follows with a GET, so a reload never posts the button again."""
    response = redirect(to, *args, **kwargs)
    response.status_code = 303
    return response
