"""REST endpoints: shapes, ids, lookups, writes and their errors."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from .helpers import variation_id


def _a_booking(api, **filters):
    today = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    rows = api.get(
        "/data/bookingitems", startDate=str(today - dt.timedelta(days=1)), endDate=str(today), pageSize=500
    ).json()["items"]
    rows += api.get(
        "/data/bookingitems",
        startDate=str(today - dt.timedelta(days=2)),
        endDate=str(today - dt.timedelta(days=1)),
        pageSize=500,
    ).json()["items"]
    for row in rows:
        if all(row.get(k) == v for k, v in filters.items()):
            return row
    raise AssertionError(f"no seeded booking with {filters}")


def test_venue_is_the_seeded_park(api):
    venue = api.get("/venues/me").json()

    assert venue["name"] == "Bounce Around Utrecht"
    assert venue["ianaTimeZone"] == "Europe/Amsterdam"
    assert (venue["countryCode"], venue["currency"]) == ("NL", "EUR")


def test_products_are_parents_with_variations(api):
    parents = api.get("/products").json()

    assert isinstance(parents, list) and len(parents) >= 10
    assert sum(len(p["products"]) for p in parents) >= 24
    types = {p["type"] for p in parents}
    assert {"sessionpass", "pass", "addon", "package", "partypackage"} <= types
    assert all(isinstance(v["id"], str) for p in parents for v in p["products"])


def test_products_filter_on_type_case_insensitively(api):
    addons = api.get("/products", productType="AddOn").json()

    assert addons and all(p["type"] == "addon" for p in addons)


def test_guest_detail_and_deprecated_customer_detail(api, roller_sandbox):
    guest_id = roller_sandbox.online_booking(newGuest=True, email="mia@example.com")["customerId"]

    guest = api.get(f"/guests/{guest_id}").json()
    customer = api.get(f"/customers/{guest_id}").json()

    assert "customerId" not in guest and guest["email"] == "mia@example.com"
    assert customer["customerId"] == guest_id and isinstance(customer["customerId"], int)


def test_unknown_and_deleted_guests_are_404_with_empty_body(api, roller_sandbox):
    guest_id = roller_sandbox.guest_delete()["guestId"]

    for path in ("/guests/1", f"/guests/{guest_id}", f"/customers/{guest_id}"):
        response = api.get(path)
        assert (response.status_code, response.content) == (404, b"")


def test_booking_detail_by_unique_id_or_reference_has_item_and_ticket_arrays(api):
    row = _a_booking(api, bookingLocation="Consumer")

    by_id = api.get(f"/bookings/{row['bookingUniqueId']}").json()
    by_reference = api.get(f"/bookings/{row['bookingReference']}").json()

    assert by_id == by_reference
    assert isinstance(by_id["items"], list) and isinstance(by_id["items"][0]["tickets"], list)
    assert isinstance(by_id["customerId"], int) and isinstance(by_id["items"][0]["bookingItemId"], int)
    assert by_id["channel"] == "Online"


def test_pos_booking_without_customer_has_no_customer_id(api):
    row = _a_booking(api, bookingLocation="Doorlist", bookingName="Walk-in")

    booking = api.get(f"/bookings/{row['bookingUniqueId']}").json()

    assert booking["channel"] == "POS" and "customerId" not in booking


def test_unknown_booking_is_404(api):
    assert api.get("/bookings/00000000-0000-4000-8000-000000000000").status_code == 404


def test_search_needs_a_criterion_and_three_keyword_characters(api):
    assert api.get("/bookings").status_code == 400
    assert api.get("/bookings", keywords="ab").status_code == 400
    assert api.get("/bookings", productIds=str(variation_id(api, "60 min Jump"))).status_code == 400


def test_search_finds_by_guest_name_and_hides_cancelled(api, roller_sandbox):
    made = roller_sandbox.online_booking(
        newGuest=True, firstName="Zwaantje", lastName="Pietersma", email="zp@example.com"
    )
    found = api.get("/bookings", keywords="zwaantje pietersma").json()["bookings"]
    roller_sandbox.booking_cancel(uniqueId=made["uniqueId"])
    after_cancel = api.get("/bookings", keywords="zwaantje").json()["bookings"]

    assert [b["uniqueId"] for b in found] == [made["uniqueId"]]
    assert found[0]["status"] == "PaidFull"
    assert after_cancel == []


def _create_body(api, **overrides):
    tomorrow = str(dt.date.today() + dt.timedelta(days=1))
    body = {
        "externalId": "SHOP-10001",
        "customer": {
            "firstName": "Eva",
            "lastName": "Jansen",
            "email": "eva@example.com",
            "phone": "0612345678",
            "acceptMarketing": True,
        },
        "items": [
            {
                "productId": variation_id(api, "60 min Jump"),
                "quantity": 2,
                "bookingDate": tomorrow,
                "startTime": "14:00",
            }
        ],
        "payments": [{"id": "PAY-1", "paymentType": "CreditCard", "amount": 33.0}],
    }
    return {**body, **overrides}


def test_create_booking_then_duplicate_external_id_is_409(api):
    created = api.post("/bookings", _create_body(api))
    duplicate = api.post("/bookings", _create_body(api))

    assert created.status_code == 201
    assert set(created.json()) == {"bookingReference", "uniqueId"}
    booking = api.get(f"/bookings/{created.json()['uniqueId']}").json()
    assert booking["channel"] == "Api" and booking["status"] == "Paid"
    assert len(booking["items"][0]["tickets"]) == 2
    assert duplicate.status_code == 409
    assert duplicate.json()["errors"][0]["name"] == "ExternalId"


def test_create_booking_upserts_the_guest_on_email(api, roller_sandbox):
    first = api.post("/bookings", _create_body(api, externalId="A-1")).json()
    second = api.post(
        "/bookings",
        _create_body(
            api,
            externalId="A-2",
            customer={"firstName": "Eva", "lastName": "Jansen", "email": " EVA@example.com ", "phone": "0611111111"},
        ),
    ).json()

    one = api.get(f"/bookings/{first['uniqueId']}").json()
    two = api.get(f"/bookings/{second['uniqueId']}").json()

    assert one["customerId"] == two["customerId"]
    assert api.get(f"/guests/{one['customerId']}").json()["phone"] == "0611111111"


def test_validation_errors_are_aspnet_style_400(api):
    response = api.post("/bookings", {"customer": {"firstName": "Eva"}, "items": []})

    assert response.status_code == 400
    body = response.json()
    assert body["title"] == "One or more validation errors occurred." and body["status"] == 400
    assert {"externalId", "customer.lastName", "items"} <= set(body["errors"])


def test_update_booking_merges_metadata_and_adds_items(api):
    uid = api.post("/bookings", _create_body(api, metadata={"a": "1", "b": "2"})).json()["uniqueId"]
    tomorrow = str(dt.date.today() + dt.timedelta(days=1))

    response = api.put(
        f"/bookings/{uid}",
        {
            "name": "Team outing",
            "metadata": {"b": None, "c": "3"},
            "newItems": [{"productId": variation_id(api, "Lemonade"), "quantity": 2, "bookingDate": tomorrow}],
        },
    )

    booking = api.get(f"/bookings/{uid}").json()
    assert response.status_code == 200
    assert booking["name"] == "Team outing" and booking["metadata"] == {"a": "1", "c": "3"}
    assert len(booking["items"]) == 2


def test_cancel_is_403_unless_the_booking_was_made_through_the_api(api):
    pos = _a_booking(api, bookingLocation="Doorlist")
    uid = api.post("/bookings", _create_body(api, externalId="CANCEL-ME")).json()["uniqueId"]

    refused = api.post(f"/bookings/{pos['bookingUniqueId']}/cancel", {"issueRefund": False})
    missing_flag = api.post(f"/bookings/{uid}/cancel", {})
    cancelled = api.post(f"/bookings/{uid}/cancel", {"issueRefund": True, "refundType": "CreditCard"})

    assert refused.status_code == 403 and isinstance(refused.json(), str)
    assert missing_flag.status_code == 400
    assert cancelled.status_code == 200
    assert api.get(f"/bookings/{uid}").json()["status"] == "Cancelled"


def test_update_guest_replaces_flags_and_fires_nothing_when_invalid(api, roller_sandbox):
    guest_id = roller_sandbox.online_booking(newGuest=True, email="flagged@example.com")["customerId"]
    body = {
        "firstName": "Flag",
        "lastName": "Test",
        "email": "flagged@example.com",
        "phone": None,
        "acceptMarketing": False,
        "flags": [{"type": "VIP", "comment": "x"}],
    }

    assert api.put(f"/guests/{guest_id}", body).status_code == 200
    assert api.get(f"/guests/{guest_id}").json()["flags"][0]["type"] == "VIP"
    assert api.put(f"/guests/{guest_id}", {**body, "flags": None}).status_code == 200
    assert api.get(f"/guests/{guest_id}").json()["flags"] == []
    assert api.put(f"/guests/{guest_id}", {**body, "email": "not-an-email"}).status_code == 400


def test_signed_waiver_detail(api, roller_sandbox):
    signed = roller_sandbox.waiver(minors=1)

    adult = api.get(f"/signed-waivers/{signed['signedWaiverIds'][0]}").json()
    minor = api.get(f"/signed-waivers/{signed['signedWaiverIds'][1]}").json()

    assert adult["isForMinor"] is False and adult["guestId"] == signed["adultGuestId"]
    assert minor["isForMinor"] is True and minor["parentSignedWaiverId"] == adult["signedWaiverId"]
    assert "email" not in minor and "contactNumber" not in minor
    assert api.get("/signed-waivers/1").status_code == 404


def test_search_finds_by_ticket_id(api, roller_sandbox):
    made = roller_sandbox.online_booking(newGuest=True)
    ticket_id = api.get(f"/bookings/{made['uniqueId']}").json()["items"][0]["tickets"][0]["ticketId"]

    found = api.get("/bookings", keywords=ticket_id).json()["bookings"]

    assert [b["uniqueId"] for b in found] == [made["uniqueId"]]
