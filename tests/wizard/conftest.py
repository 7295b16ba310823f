"""Fixtures of the wizard's tests: a logged-in user, drafts at any step, htmx or not."""

import pytest

from integrations.models import Connection
from integrations.roller import pacing
from integrations.roller.models import RollerSettings
from tests.factories import ConnectionFactory, RollerSettingsFactory, UserFactory
from tests.fixtures.activate_sandbox import activate_sandbox, activate_sandbox_process
from wizard import steps

__all__ = ["activate_sandbox", "activate_sandbox_process"]

HTMX = {"HX-Request": "true"}


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def account(user):
    return user.membership.account


@pytest.fixture
def browser_client(client, user):
    """A logged-in client."""
    client.force_login(user)
    return client


@pytest.fixture(params=[False, True], ids=["plain", "htmx"])
def htmx(request) -> bool:
    """Each view is tested as a plain form post (no JavaScript) and as htmx posts it."""
    return request.param


@pytest.fixture
def headers(htmx) -> dict:
    return HTMX if htmx else {}


@pytest.fixture
def sandbox(roller_sandbox, settings):
    """The ROLLER sandbox, offered as an environment, with no pacing and quick retries."""
    settings.ROLLER_SANDBOX_URL = roller_sandbox.url
    settings.ROLLER_PACING_ENABLED = False
    settings.ROLLER_HTTP_BACKOFF_SECONDS = 0.01
    settings.ROLLER_HTTP_TIMEOUT = (2, 5)
    pacing.reset()
    return roller_sandbox


@pytest.fixture
def stand_in(activate_sandbox, settings):
    """The Activate stand-in, offered by a destination's credentials step as "Local stand-in"."""
    settings.ACTIVATE_SANDBOX_URL = activate_sandbox.url
    return activate_sandbox


def make_draft(account, *, step: str = "preset", url: str = "http://127.0.0.1:9", **fields) -> Connection:
    """A draft that completed `step`; from the credentials step on, with ROLLER settings
    pointing at `url` (the sandbox's, or a closed port by default)."""
    connection = ConnectionFactory(account=account, status=Connection.Status.DRAFT, wizard_step=step, **fields)
    if steps.KEYS.index(step) >= steps.KEYS.index("credentials"):
        RollerSettingsFactory(
            connection=connection, environment=RollerSettings.Environment.SANDBOX, custom_base_url=url
        )
    return connection


def step_url(connection: Connection, key: str) -> str:
    return steps.BY_KEY[key].url(connection)


def assert_page(response, *, htmx: bool) -> str:
    """A full page without htmx, the `#wizard` partial with it; Vary: HX-Request either way."""
    html = response.content.decode()
    assert "HX-Request" in response.get("Vary", "")
    if htmx:
        assert "<html" not in html
        assert html.lstrip().startswith(('<div id="wizard"', "<title>"))
        assert '<div id="wizard"' in html
    else:
        assert html.lstrip().startswith("<!doctype html>")
        assert 'id="wizard"' in html
    return html


def assert_moved_to(response, url: str, *, htmx: bool) -> None:
    """POST, then redirect: a 302 without htmx; HX-Location (swap the next step in) with it."""
    if htmx:
        assert response.status_code == 200
        assert f'"path": "{url}"' in response["HX-Location"]
        assert '"target": "#wizard"' in response["HX-Location"]
    else:
        assert response.status_code == 302
        assert response["Location"] == url
