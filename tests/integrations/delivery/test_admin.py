"""The operators' admin of delivery: counts, replay, a read-only log, erasures, no key shown."""

from integrations.activate.models import ActivateSettings
from integrations.delivery.models import DeliveryAttempt, Destination, Erasure, OutboxItem
from tests.factories import AccountFactory
from tests.integrations.test_admin import change, changelist, messages_of, run_action

KEY = "the-secret-api-key"


def _destination(**fields) -> Destination:
    destination = Destination.objects.create(
        account=AccountFactory(), destination_type="activate", name="Spotler Activate", status="active", **fields
    )
    ActivateSettings.objects.create(destination=destination, account_id="acc-1", api_key=KEY)
    return destination


def _item(destination, key, state, kind="profile", reason=""):
    return OutboxItem.objects.create(destination=destination, kind=kind, record_key=key, state=state, reason=reason)


def test_destinations_are_listed_with_their_status_and_counts(admin_client):
    destination = _destination()
    _item(destination, "a@example.com", "delivered")
    _item(destination, "b@example.com", "dead", reason="500 ten times")

    html = admin_client.get(changelist(Destination)).content.decode()

    assert "Spotler Activate" in html and "Active" in html
    assert '<td class="field-delivered_count">1</td>' in html and '<td class="field-dead_count">1</td>' in html


def test_the_outbox_is_filtered_by_state_and_kind_and_replayed_by_destination_and_kind(admin_client):
    destination = _destination()
    dead = _item(destination, "b@example.com", "dead", reason="500 ten times")
    failed = _item(destination, "41", "failed", kind="purchase", reason="orderid is required")
    _item(destination, "c@example.com", "delivered")

    listing = admin_client.get(changelist(OutboxItem), {"state": "dead", "kind": "profile"}).content.decode()
    assert "b@example.com" in listing and "c@example.com" not in listing

    response = run_action(admin_client, OutboxItem, "replay", [dead])

    assert messages_of(response) == ["1 failed or dead record(s) queued again."]
    dead.refresh_from_db()
    failed.refresh_from_db()
    assert (dead.state, failed.state) == ("queued", "failed")  # only the selected one's kind


def test_the_delivery_log_is_read_only(admin_client):
    attempt = DeliveryAttempt.objects.create(
        destination=_destination(), kind="profile", record_key="a@example.com", method="POST", path="/v1/track"
    )

    assert admin_client.get(change(attempt)).status_code == 200
    assert admin_client.post(change(attempt), {}).status_code == 403


def test_erasures_are_marked_done_by_the_operator(admin_client, admin_user):
    erasure = Erasure.objects.create(destination=_destination(), email="gone@example.com", why="minor")

    response = run_action(admin_client, Erasure, "mark_done", [erasure])

    assert messages_of(response) == ["1 erasure(s) marked done."]
    erasure.refresh_from_db()
    assert erasure.done_at is not None and erasure.done_by == admin_user.get_username()


def test_the_api_key_is_never_shown(admin_client):
    destination = _destination()
    settings_row = ActivateSettings.objects.get(destination=destination)

    for url in (changelist(ActivateSettings), change(settings_row), change(destination), changelist(Destination)):
        html = admin_client.get(url).content.decode()
        assert KEY not in html
    assert "set (hidden)" in admin_client.get(change(settings_row)).content.decode()
