"""What the ROLLER intake tests share: a connection's registered webhook key, and a fresh
view of it in the intake's in-process cache for every test."""

import pytest

from integrations.roller import intake
from tests.factories import RollerSettingsFactory
from tests.support.webhooks import WEBHOOK_KEY


@pytest.fixture(autouse=True)
def fresh_key_cache():
    intake._receivers.clear()
    yield
    intake._receivers.clear()


@pytest.fixture
def roller(db):
    """A ROLLER connection whose webhook posts with WEBHOOK_KEY."""
    return RollerSettingsFactory(webhook_key=WEBHOOK_KEY)
