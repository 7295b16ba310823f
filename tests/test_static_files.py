"""Production serves its own static files (WhiteNoise): our styles, htmx and the admin's CSS.

Following the README (collectstatic, then gunicorn) these answered 404 before, so pages had no
style and htmx did not load: Django serves no static files when DEBUG is off.
"""

import re

import pytest
from django.core.management import call_command
from django.test import Client

from connector_site.settings import production

ASSETS = ["css/app.css", "vendor/htmx.min.js", "admin/css/base.css"]


@pytest.fixture
def production_static(settings, tmp_path):
    settings.DEBUG = False
    settings.MIDDLEWARE = production.MIDDLEWARE
    settings.STORAGES = production.STORAGES
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    call_command("collectstatic", interactive=False, verbosity=0)
    # A new client builds a new handler, so WhiteNoise indexes the files just collected.
    return Client()


@pytest.mark.parametrize("asset", ASSETS)
def test_each_asset_is_served_under_its_plain_name(production_static, asset):
    response = production_static.get(f"/static/{asset}")

    assert response.status_code == 200
    assert b"".join(response.streaming_content)


@pytest.mark.django_db
def test_pages_link_hashed_names_that_are_served_compressed_and_cached_for_a_year(production_static):
    html = production_static.get("/login/").content.decode()
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    hashed = {link for link in links if re.search(r"\.[0-9a-f]{12}\.(css|js)$", link)}
    assert {re.sub(r"\.[0-9a-f]{12}\.", ".", link) for link in hashed} >= {
        "/static/css/app.css",
        "/static/vendor/htmx.min.js",
    }

    for link in hashed:
        response = production_static.get(link, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, link
        assert response["Content-Encoding"] == "gzip", link
        assert "max-age=315360000" in response["Cache-Control"], link


def test_a_missing_asset_is_still_a_404(production_static):
    assert production_static.get("/static/css/nothing-here.css").status_code == 404
