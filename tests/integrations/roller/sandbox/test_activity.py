"""Simulated activity through the control API, and the live venue."""

from __future__ import annotations

import time

import pytest

from integrations.roller.sandbox.control_client import SandboxControlError

from .helpers import register_webhook, variation_id


def test_online_booking_with_chosen_items(api, roller_sandbox):
    socks = variation_id(api, "Socks M")

    made = roller_sandbox.online_booking(newGuest=True, items=[{"productId": socks, "quantity": 3}])

    booking = api.get(f"/bookings/{made['uniqueId']}").json()
    assert made["guestCreated"] is True
    assert [(i["productId"], i["quantity"]) for i in booking["items"]] == [(socks, 3)]
    assert booking["channel"] == "Online" and booking["customerId"] == made["customerId"]


def test_pos_sale_with_and_without_customer(api, roller_sandbox):
    anonymous = roller_sandbox.pos_sale(with_customer=False)
    known = roller_sandbox.pos_sale(with_customer=True)

    assert anonymous["customerId"] is None and "customerId" not in api.get(f"/bookings/{anonymous['uniqueId']}").json()
    assert api.get(f"/bookings/{known['uniqueId']}").json()["customerId"] == known["customerId"]


def test_guest_update_changes_consent(api, roller_sandbox):
    guest_id = roller_sandbox.online_booking(newGuest=True, acceptMarketing=True)["customerId"]

    roller_sandbox.guest_update(guestId=guest_id, acceptMarketing=False, acceptMarketingSms=True)

    guest = api.get(f"/guests/{guest_id}").json()
    assert (guest["acceptMarketing"], guest["acceptMarketingSms"]) == (False, True)


def test_product_change_shows_in_products(api, roller_sandbox):
    product_id = variation_id(api, "Lemonade")

    roller_sandbox.product_change(productId=product_id, price=3.25, isSuspended=True)

    variation = next(v for p in api.get("/products").json() for v in p["products"] if v["id"] == str(product_id))
    assert (variation["price"], variation["isSuspended"]) == (3.25, True)


def test_unknown_ids_are_reported(roller_sandbox):
    with pytest.raises(SandboxControlError, match="404"):
        roller_sandbox.guest_update(guestId=1)
    with pytest.raises(SandboxControlError, match="404"):
        roller_sandbox.booking_cancel(uniqueId="nope")


def test_reset_restores_the_seeded_venue_and_the_startup_switches(api, roller_sandbox):
    before = roller_sandbox.stats()["counts"]
    roller_sandbox.online_booking()
    roller_sandbox.configure(enum_style="int")

    roller_sandbox.reset()

    assert roller_sandbox.stats()["counts"] == before
    assert roller_sandbox.config()["enum_style"] == "string"


def test_live_venue_makes_activity_until_stopped(api, roller_sandbox, webhook_receiver):
    register_webhook(api, webhook_receiver.url)

    roller_sandbox.live_start(rate=40)
    time.sleep(0.5)
    status = roller_sandbox.live_stop()
    count = sum(roller_sandbox.live_status()["counts"].values())

    assert status["running"] is False
    assert count >= 5
    roller_sandbox.wait_for_deliveries()
    assert len(webhook_receiver.received) >= 5
