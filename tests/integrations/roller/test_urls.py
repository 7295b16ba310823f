"""ROLLER keeps posting to the address it was given: webhooks/roller/<uuid>/, with or without the slash."""

import uuid

from django.urls import resolve, reverse

from integrations.roller.intake import roller_webhook


def test_the_roller_webhook_address_is_where_roller_posts():
    public_id = uuid.uuid4()
    assert reverse("roller_webhook", kwargs={"public_id": public_id}) == f"/webhooks/roller/{public_id}/"
    assert resolve(f"/webhooks/roller/{public_id}/").func is roller_webhook
    assert resolve(f"/webhooks/roller/{public_id}").func is roller_webhook
