"""A sender that stalls half-way through its body (issue 13's slow clients)."""

import logging

from integrations.models import WebhookEvent
from integrations.roller import intake
from tests.factories import RollerSettingsFactory
from tests.support.webhooks import WEBHOOK_KEY

KEY = WEBHOOK_KEY


class StalledBody:
    """What gunicorn's request body does when the client sends no more within its read time-out."""

    def read(self, *args):
        raise BlockingIOError(11, "Resource temporarily unavailable")

    readline = read


def test_a_body_that_stops_arriving_is_answered_503_with_one_warning_and_nothing_is_stored(client, db, caplog):
    intake._receivers.clear()
    roller = RollerSettingsFactory(webhook_key=KEY)

    with caplog.at_level(logging.WARNING):
        response = client.post(
            f"/webhooks/roller/{roller.connection.public_id}/",
            data=b'{"id": "m-1"}',
            content_type="application/json",
            headers={"x-roller-apikey": KEY},
            **{"wsgi.input": StalledBody()},
        )

    assert response.status_code == 503  # ROLLER sends it again
    assert not WebhookEvent.objects.exists()
    [record] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.levelno == logging.WARNING and "did not arrive in time" in record.getMessage()
    assert record.exc_info is None
