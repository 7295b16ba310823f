"""Webhook registration and delivery: envelope, header, retries, switches."""

from __future__ import annotations

import time

from .helpers import register_webhook


def test_webhook_crud(api, webhook_receiver):
    webhook_id = register_webhook(api, webhook_receiver.url)

    listed = api.get("/webhooks").json()
    one = api.get(f"/webhooks/{webhook_id}").json()
    updated = api.put(f"/webhooks/{webhook_id}", {**one["configuration"], "enabled": False})
    deleted = api.delete(f"/webhooks/{webhook_id}")

    assert isinstance(listed, list) and listed[0]["webhookId"] == webhook_id
    assert set(one) == {"webhookId", "createdDate", "configuration"}
    assert updated.status_code == 200 and updated.json()["configuration"]["enabled"] is False
    assert deleted.status_code == 200
    assert api.get(f"/webhooks/{webhook_id}").status_code == 404


def test_invalid_webhook_is_400(api):
    response = api.post("/webhooks", {"url": "not a url", "webhooks": {"booking": {"events": ["Exploded"]}}})

    assert response.status_code == 400
    assert {"url", "enabled", "authentication.apiKey", "webhooks.booking.events"} <= set(response.json()["errors"])


def test_delivery_has_the_documented_envelope_and_api_key_header(api, roller_sandbox, webhook_receiver):
    register_webhook(api, webhook_receiver.url, api_key="s3cret-shared")

    made = roller_sandbox.online_booking(newGuest=True)
    received = webhook_receiver.wait_for(2)

    assert [(r.body["type"], r.body["eventType"]) for r in received] == [
        ("Customer", "Created"),
        ("Booking", "Created"),
    ]
    for delivery in received:
        assert delivery.headers["x-roller-apikey"] == "s3cret-shared"
        assert delivery.headers["content-type"] == "application/json"
        assert set(delivery.body) == {"id", "sendDate", "type", "eventType", "eventDate", "data"}
    assert received[0].body["data"]["customerId"] == made["customerId"]
    assert received[1].body["data"]["uniqueId"] == made["uniqueId"]
    log = roller_sandbox.wait_for_deliveries()
    assert [e["outcome"] for e in log] == ["delivered", "delivered"]


def test_existing_guest_buying_again_fires_customer_updated(api, roller_sandbox, webhook_receiver):
    register_webhook(api, webhook_receiver.url)
    guest_id = roller_sandbox.online_booking(newGuest=True)["customerId"]
    webhook_receiver.wait_for(2)

    roller_sandbox.online_booking(guestId=guest_id)

    assert webhook_receiver.wait_for(4)[2:] and webhook_receiver.events()[2:] == [
        ("Customer", "Updated"),
        ("Booking", "Created"),
    ]


def test_waiver_fires_customer_created_per_person_and_one_flat_signed_waiver_array(
    api, roller_sandbox, webhook_receiver
):
    register_webhook(api, webhook_receiver.url)

    roller_sandbox.waiver(minors=2)

    received = webhook_receiver.wait_for(4)
    assert [e for e in webhook_receiver.events()] == [("Customer", "Created")] * 3 + [("SignedWaiver", "Created")]
    minors = [r.body["data"] for r in received[1:3]]
    assert all("email" not in m and "phone" not in m and m["dateOfBirth"] for m in minors)
    waivers = received[3].body["data"]
    assert isinstance(waivers, list) and [w["isForMinor"] for w in waivers] == [False, True, True]


def test_deleted_guest_arrives_as_customer_updated_with_last_known_data(api, roller_sandbox, webhook_receiver):
    register_webhook(api, webhook_receiver.url)

    deleted = roller_sandbox.guest_delete()

    received = webhook_receiver.wait_for(1)
    assert webhook_receiver.events() == [("Customer", "Updated")]
    assert received[0].body["data"]["customerId"] == deleted["guestId"] and received[0].body["data"]["firstName"]


def test_booking_update_and_cancel_fire_their_events(api, roller_sandbox, webhook_receiver):
    register_webhook(api, webhook_receiver.url)
    booking = roller_sandbox.online_booking(newGuest=False)
    webhook_receiver.wait_for(2)

    roller_sandbox.booking_update(uniqueId=booking["uniqueId"])
    roller_sandbox.booking_cancel(uniqueId=booking["uniqueId"])

    webhook_receiver.wait_for(4)
    assert webhook_receiver.events()[2:] == [("Booking", "Updated"), ("Booking", "Cancelled")]
    assert webhook_receiver.received[-1].body["data"]["status"] == "Cancelled"


def test_include_flags_choose_the_optional_booking_blocks(api, roller_sandbox, webhook_receiver):
    register_webhook(api, webhook_receiver.url, booking={"events": ["Created"]})

    roller_sandbox.online_booking()

    data = webhook_receiver.wait_for(1)[0].body["data"]
    assert "payments" not in data and all("tickets" not in item for item in data["items"])


def test_channel_filter(api, roller_sandbox, webhook_receiver):
    register_webhook(api, webhook_receiver.url, booking={"events": ["Created"], "filter": {"channels": ["doorlist"]}})

    roller_sandbox.online_booking()
    pos = roller_sandbox.pos_sale(with_customer=False)

    roller_sandbox.wait_for_deliveries()
    assert [r.body["data"]["uniqueId"] for r in webhook_receiver.received] == [pos["uniqueId"]]


def test_retries_on_500_then_disables_after_the_seventh_failure(api, roller_sandbox, webhook_receiver):
    roller_sandbox.configure(time_factor=0.000001)
    webhook_receiver.status = 500
    webhook_id = register_webhook(api, webhook_receiver.url, booking={"events": ["Created"]})

    roller_sandbox.pos_sale(with_customer=False)

    webhook_receiver.wait_for(7)
    log = roller_sandbox.wait_for_deliveries()
    assert [e["attempt"] for e in log] == [1, 2, 3, 4, 5, 6, 7]
    assert [e["outcome"] for e in log] == ["retry_scheduled"] * 6 + ["failed_webhook_disabled"]
    assert len({r.body["id"] for r in webhook_receiver.received}) == 1  # a retry keeps its id
    hook = next(h for h in roller_sandbox.webhooks() if h["webhookId"] == webhook_id)
    assert hook["enabled"] is False
    roller_sandbox.pos_sale(with_customer=False)
    time.sleep(0.2)
    assert len(webhook_receiver.received) == 7


def test_retry_schedule_follows_roller_scaled_by_time_factor(api, roller_sandbox, webhook_receiver):
    roller_sandbox.configure(time_factor=0.001)
    webhook_receiver.status = 503
    register_webhook(api, webhook_receiver.url, booking={"events": ["Created"]})

    roller_sandbox.pos_sale(with_customer=False)
    # The log, not the receiver: the receiver sees the third POST before the sandbox logs it.
    log = roller_sandbox.wait_for_deliveries(count=3)

    waits = [e["nextAttemptInSeconds"] for e in log[:3]]
    assert waits == [0.06, 0.06, 0.9]


def test_waiting_for_logged_attempts_outlasts_a_slow_answer(api, roller_sandbox, webhook_receiver):
    # Regression: the receiver counts a POST before it answers; the log only after. A slow
    # answer widens that gap, so waiting on the receiver returned before the third entry.
    roller_sandbox.configure(time_factor=0.001)
    webhook_receiver.status, webhook_receiver.sleep_seconds = 503, 0.2
    register_webhook(api, webhook_receiver.url, booking={"events": ["Created"]})

    roller_sandbox.pos_sale(with_customer=False)
    log = roller_sandbox.wait_for_deliveries(count=3)

    assert [e["attempt"] for e in log[:3]] == [1, 2, 3]


def test_no_retry_on_404_and_the_webhook_goes_under_review(api, roller_sandbox, webhook_receiver):
    webhook_receiver.status = 404
    webhook_id = register_webhook(api, webhook_receiver.url, booking={"events": ["Created"]})

    roller_sandbox.pos_sale(with_customer=False)
    log = roller_sandbox.wait_for_deliveries()
    time.sleep(0.3)

    assert [(e["attempt"], e["outcome"], e["status"]) for e in log] == [(1, "under_review", 404)]
    assert len(webhook_receiver.received) == 1
    hook = next(h for h in roller_sandbox.webhooks() if h["webhookId"] == webhook_id)
    assert hook["underReview"] is True and hook["enabled"] is True


def test_timeouts_are_retried(api, roller_sandbox, webhook_receiver):
    roller_sandbox.configure(delivery_timeout_seconds=0.2, time_factor=0.0001)
    webhook_receiver.sleep_seconds = 0.5
    register_webhook(api, webhook_receiver.url, booking={"events": ["Created"]})

    roller_sandbox.pos_sale(with_customer=False)
    webhook_receiver.wait_for(2)
    webhook_receiver.sleep_seconds = 0

    log = roller_sandbox.wait_for_deliveries()
    assert log[0]["error"] == "timeout" and log[0]["outcome"] == "retry_scheduled"


def test_int_enums_and_booking_wrapper_switches(api, roller_sandbox, webhook_receiver):
    roller_sandbox.configure(enum_style="int", booking_wrapper="booking")
    register_webhook(api, webhook_receiver.url)

    made = roller_sandbox.online_booking(newGuest=True)

    customer, booking = (r.body for r in webhook_receiver.wait_for(2))
    assert (customer["type"], customer["eventType"]) == (4, 1)
    assert (booking["type"], booking["eventType"]) == (1, 1)
    assert booking["data"]["booking"]["uniqueId"] == made["uniqueId"]
    assert "booking" not in customer["data"]


def test_deliver_twice_sends_the_same_message_id_twice(api, roller_sandbox, webhook_receiver):
    roller_sandbox.configure(deliver_twice=True)
    register_webhook(api, webhook_receiver.url, booking={"events": ["Created"]})

    roller_sandbox.pos_sale(with_customer=False)

    first, second = webhook_receiver.wait_for(2)
    assert first.body["id"] == second.body["id"]
    assert [e["duplicate"] for e in roller_sandbox.wait_for_deliveries()] == [False, True]


def test_shuffle_still_delivers_everything(api, roller_sandbox, webhook_receiver):
    roller_sandbox.configure(shuffle=True, shuffle_jitter_seconds=0.2)
    register_webhook(api, webhook_receiver.url, booking={"events": ["Created"]})

    made = {roller_sandbox.pos_sale(with_customer=False)["uniqueId"] for _ in range(5)}

    received = webhook_receiver.wait_for(5)
    assert {r.body["data"]["uniqueId"] for r in received} == made


def test_webhook_disabled_through_the_control_api_receives_nothing(api, roller_sandbox, webhook_receiver):
    webhook_id = register_webhook(api, webhook_receiver.url)
    roller_sandbox.disable_webhook(webhook_id)

    roller_sandbox.online_booking()
    roller_sandbox.wait_for_deliveries()

    assert webhook_receiver.received == []
    assert api.get(f"/webhooks/{webhook_id}").json()["configuration"]["enabled"] is False


def test_delivery_delay(api, roller_sandbox, webhook_receiver):
    roller_sandbox.configure(delivery_delay_seconds=0.5)
    register_webhook(api, webhook_receiver.url, booking={"events": ["Created"]})

    started = time.monotonic()
    roller_sandbox.pos_sale(with_customer=False)
    webhook_receiver.wait_for(1)

    assert time.monotonic() - started >= 0.45
