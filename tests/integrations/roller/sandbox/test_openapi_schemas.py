"""The sandbox's answers validate against ROLLER's published OpenAPI files.

See openapi.py for the one correction applied (items/tickets are arrays) and the short list
of fields ROLLER is documented to send beyond the files.
"""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
import requests

from . import openapi
from .helpers import register_webhook, variation_id

TODAY = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date()
REST, REPORTING = "rest-api.yaml", "reporting-api.yaml"
DATA_ENDPOINTS = (
    "/data/customers",
    "/data/bookingitems",
    "/data/tickets",
    "/data/signedwaivers",
    "/data/bookingsignedwaivers",
)


@pytest.fixture
def busy_venue(api, roller_sandbox, webhook_receiver):
    """A venue with one of everything: API, online and POS bookings, waivers, flags,
    a membership, a party, a cancellation; and a webhook that includes every block."""
    register_webhook(
        api,
        webhook_receiver.url,
        booking={
            "events": ["Created", "Updated", "Cancelled"],
            "include": dict.fromkeys(
                ("externalId", "tickets", "membershipDetail", "locations", "customerFlags", "payments", "metadata"),
                True,
            ),
        },
        customer={"events": ["Created", "Updated"], "include": {"flags": True}},
        signedWaiver={"events": ["Created"]},
    )
    tomorrow = str(TODAY + dt.timedelta(days=1))
    created = api.post(
        "/bookings",
        {
            "externalId": "SCHEMA-1",
            "metadata": {"source": "test"},
            "customer": {"firstName": "Eva", "lastName": "Jansen", "email": "eva@example.com", "phone": "0612345678"},
            "items": [
                {
                    "productId": variation_id(api, "60 min Jump"),
                    "quantity": 2,
                    "bookingDate": tomorrow,
                    "tickets": [{"id": "WRIST-1", "name": "Eva Jansen"}, {"name": "Noah Jansen"}],
                }
            ],
            "payments": [{"id": "P-1", "paymentType": "CreditCard", "amount": 10}],
            "discounts": [{"code": "SUMMER10", "percentage": 10}],
        },
    ).json()
    online = roller_sandbox.online_booking(
        newGuest=True,
        items=[
            {"productId": variation_id(api, "Jump Club Monthly"), "quantity": 1},
            {"productId": variation_id(api, "Party Basic (10 guests)"), "quantity": 1},
        ],
    )
    waiver = roller_sandbox.waiver(minors=2, uniqueId=online["uniqueId"])
    pos = roller_sandbox.pos_sale(with_customer=False)
    flagged = online["customerId"]
    api.put(
        f"/guests/{flagged}",
        {
            "firstName": "Flag",
            "lastName": "Ged",
            "email": "flagged@example.com",
            "phone": None,
            "flags": [
                {"type": "VIP", "comment": "regular", "expiryDate": "2030-01-01"},
                {"type": "Medical", "comment": "asthma"},
            ],
        },
    )
    roller_sandbox.booking_update(uniqueId=online["uniqueId"])
    api.post(f"/bookings/{created['uniqueId']}/cancel", {"issueRefund": True, "refundType": "CreditCard"})
    return {"api": created, "online": online, "waiver": waiver, "pos": pos, "flagged": flagged}


def test_venue_and_products(api):
    openapi.assert_valid(
        api.get("/venues/me").json(), openapi.operation_schema(REST, "/venues/me", "get"), "GET /venues/me"
    )
    openapi.assert_valid(
        api.get("/products").json(), openapi.operation_schema(REST, "/products", "get"), "GET /products"
    )


def test_guests_and_customers(api, busy_venue):
    guest_ids = [busy_venue["flagged"], busy_venue["waiver"]["adultGuestId"], *busy_venue["waiver"]["minorGuestIds"]]
    guest_ids += [
        int(r["customerId"])
        for r in api.get(
            "/data/customers", startDate=str(TODAY - dt.timedelta(days=3)), endDate=str(TODAY - dt.timedelta(days=2))
        ).json()["items"]
    ]
    for guest_id in guest_ids:
        openapi.assert_valid(api.get(f"/guests/{guest_id}").json(), openapi.model("Guest"), f"GET /guests/{guest_id}")
        openapi.assert_valid(
            api.get(f"/customers/{guest_id}").json(), openapi.model("CustomerDetail"), f"GET /customers/{guest_id}"
        )


def test_booking_detail_and_search(api, busy_venue):
    seeded = api.get(
        "/data/bookingitems", startDate=str(TODAY - dt.timedelta(days=1)), endDate=str(TODAY), pageSize=500
    ).json()["items"]
    references = {r["bookingReference"] for r in seeded} | {
        busy_venue[k]["bookingReference"] for k in ("api", "online", "pos")
    }
    for reference in references:
        body = api.get(f"/bookings/{reference}").json()
        openapi.assert_valid(body, openapi.model("BookingDetail"), f"GET /bookings/{reference}")
    search = api.get("/bookings", date=str(TODAY - dt.timedelta(days=1))).json()
    assert search["bookings"]
    openapi.assert_valid(search, openapi.operation_schema(REST, "/bookings", "get"), "GET /bookings")


def test_signed_waivers(api, busy_venue):
    for waiver_id in busy_venue["waiver"]["signedWaiverIds"]:
        body = api.get(f"/signed-waivers/{waiver_id}").json()
        openapi.assert_valid(body, openapi.model("SignedWaiver"), f"GET /signed-waivers/{waiver_id}")


def test_booking_writes(api):
    body = {
        "externalId": "SCHEMA-2",
        "customer": {"firstName": "A", "lastName": "B", "email": "ab@example.com", "phone": "0600000000"},
        "items": [{"productId": variation_id(api, "Lemonade"), "quantity": 1, "bookingDate": str(TODAY)}],
    }
    created, duplicate = api.post("/bookings", body), api.post("/bookings", body)
    seeded = api.get("/data/bookingitems", startDate=str(TODAY - dt.timedelta(days=1)), endDate=str(TODAY)).json()[
        "items"
    ][0]
    refused = api.post(f"/bookings/{seeded['bookingUniqueId']}/cancel", {"issueRefund": False})

    openapi.assert_valid(
        created.json(), openapi.operation_schema(REST, "/bookings", "post", "201"), "POST /bookings 201"
    )
    openapi.assert_valid(
        duplicate.json(), openapi.operation_schema(REST, "/bookings", "post", "409"), "POST /bookings 409"
    )
    openapi.assert_valid(
        refused.json(), openapi.operation_schema(REST, "/bookings/{uniqueId}/cancel", "post", "403"), "cancel 403"
    )


def test_webhook_endpoints(api, busy_venue):
    created_schema = openapi.operation_schema(REST, "/webhooks", "post", "201")
    listed = api.get("/webhooks").json()
    assert isinstance(listed, list)
    for hook in listed:
        # The spec draws GET /webhooks as one object; each element of the list has that shape.
        openapi.assert_valid(hook, openapi.operation_schema(REST, "/webhooks", "get"), "GET /webhooks[]")
        openapi.assert_valid(hook, created_schema, "webhook")


@pytest.mark.parametrize("path", DATA_ENDPOINTS)
def test_windowed_reporting_rows(api, busy_venue, path):
    row_schema = openapi.operation_schema(REPORTING, path, "get")
    checked = 0
    for days_back in (0, 1, 2, 7):
        start = TODAY - dt.timedelta(days=days_back)
        page = api.get(path, startDate=str(start), endDate=str(start + dt.timedelta(days=1)), pageSize=500).json()
        openapi.assert_valid(page, openapi.model("Page"), f"{path} envelope")
        for row in page["items"]:
            openapi.assert_valid(row, row_schema, f"{path} row")
        checked += len(page["items"])
    assert checked > 0


@pytest.mark.parametrize("path", ["/data/products", "/data/waivers"])
def test_whole_list_reporting_rows(api, path):
    page = api.get(path, pageSize=500).json()
    openapi.assert_valid(page, openapi.model("Page"), f"{path} envelope")
    for row in page["items"]:
        openapi.assert_valid(row, openapi.operation_schema(REPORTING, path, "get"), f"{path} row")


def test_webhook_envelopes_and_payloads(roller_sandbox, busy_venue, webhook_receiver):
    roller_sandbox.wait_for_deliveries()
    received = [r.body for r in webhook_receiver.received]
    kinds = {(body["type"], body["eventType"]) for body in received}
    assert {
        ("Booking", "Created"),
        ("Booking", "Updated"),
        ("Booking", "Cancelled"),
        ("Customer", "Created"),
        ("Customer", "Updated"),
        ("SignedWaiver", "Created"),
    } <= kinds
    payload_model = {"Booking": "BookingDetail", "Customer": "CustomerDetail", "SignedWaiver": "SignedWaivers"}
    for body in received:
        what = f"{body['type']} {body['eventType']} webhook"
        # The envelope model types `data` as an object, but a SignedWaiver payload is the flat
        # array ROLLER documents; the envelope is checked without it, the payload on its own.
        envelope = {k: v for k, v in body.items() if k != "data" or body["type"] != "SignedWaiver"}
        openapi.assert_valid(envelope, openapi.model("WebhookMessageDefinition"), what)
        openapi.assert_valid(body["data"], openapi.model(payload_model[body["type"]]), f"{what} data")


BULK_EXPORT_ROWS = {
    "Customers": "/data/customers",
    "BookingItems": "/data/bookingitems",
    "Tickets": "/data/tickets",
    "SignedWaivers": "/data/signedwaivers",
    "BookingSignedWaivers": "/data/bookingsignedwaivers",
}


@pytest.mark.parametrize("offset", [False, True], ids=["utc", "offset"])
def test_bulk_export_webhooks_and_files(roller_sandbox, api, busy_venue, webhook_receiver, offset):
    """Each export type's webhook is a BulkDataExportCompleted in a WebhookMessageDefinition, and
    its files hold rows of the matching reporting endpoint."""
    roller_sandbox.configure(bulk_export_delay_seconds=0)
    register_webhook(api, webhook_receiver.url, bulkExport={"events": ["Created"]})
    webhook_receiver.received.clear()
    headers = {"TimeZone-Designators": "Offset"} if offset else {}
    start, end = TODAY - dt.timedelta(days=20), TODAY + dt.timedelta(days=2)
    for export_type in BULK_EXPORT_ROWS:
        body = {"exportType": export_type, "startDate": str(start), "endDate": str(end)}
        response = api.session.post(f"{api.url}/reporting/bulk", json=body, headers=headers, timeout=10)
        assert response.status_code == 200, response.text
    months = len({(start + dt.timedelta(days=day)).replace(day=1) for day in range((end - start).days)})
    deadline = time.monotonic() + 10
    while len(bulk := [r.body for r in webhook_receiver.received if r.body["type"] == "BulkExport"]) < months * 5:
        assert time.monotonic() < deadline, f"{len(bulk)} of {months * 5} bulk export webhooks arrived"
        time.sleep(0.02)
    assert {b["data"]["exportType"] for b in bulk} == set(BULK_EXPORT_ROWS)
    checked = dict.fromkeys(BULK_EXPORT_ROWS, 0)
    for envelope in bulk:
        data = envelope["data"]
        openapi.assert_valid(envelope, openapi.model("WebhookMessageDefinition"), "BulkExport envelope")
        openapi.assert_valid(data, openapi.model("BulkDataExportCompleted"), "BulkExport data")
        row_schema = openapi.operation_schema(REPORTING, BULK_EXPORT_ROWS[data["exportType"]], "get")
        for url in data["preSignedUrls"]:
            for row in requests.get(url, timeout=10).json():
                openapi.assert_valid(row, row_schema, f"{data['exportType']} file row")
                checked[data["exportType"]] += 1
    assert all(checked.values()), checked


def bulk_request_schema() -> dict:
    document = openapi._load(str(openapi.OPENAPI_DIR / "reference" / REPORTING))
    return document["paths"]["/reporting/bulk"]["post"]["requestBody"]["content"]["application/json"]["schema"]


def test_bulk_export_request_answers_are_the_documented_ones(roller_sandbox, api):
    """POST /reporting/bulk: what the spec's request schema accepts gets its documented 200 (no
    body: the spec gives it no content), the same type again its 429, and what the schema
    rejects a 400."""
    operation = openapi._load(str(openapi.OPENAPI_DIR / "reference" / REPORTING))["paths"]["/reporting/bulk"]["post"]
    documented = set(operation["responses"])
    start, end = str(TODAY - dt.timedelta(days=40)), str(TODAY + dt.timedelta(days=1))
    accepted = {"exportType": "Customers", "startDate": start, "endDate": end}
    rejected = [
        {"exportType": "Everything", "startDate": start, "endDate": end},
        {"exportType": "Customers", "startDate": "01-11-2026", "endDate": end},
        {"exportType": "Customers", "startDate": start},
    ]
    assert not openapi.errors(accepted, bulk_request_schema(), strict=True)
    assert all(openapi.errors(body, bulk_request_schema(), strict=False) for body in rejected)

    def post(body: dict) -> requests.Response:
        return api.session.post(f"{api.url}/reporting/bulk", json=body, timeout=10)

    answers = {"accepted": post(accepted), "again": post(accepted)}
    answers.update({f"rejected {i}": post(body) for i, body in enumerate(rejected)})

    assert {name: str(r.status_code) for name, r in answers.items()} == {
        "accepted": "200",
        "again": "429",
        **{f"rejected {i}": "400" for i in range(len(rejected))},
    }
    assert {str(r.status_code) for r in answers.values()} <= documented
    assert "content" not in operation["responses"]["200"] and answers["accepted"].content == b""


def test_bulk_export_files_in_the_page_shape_are_reporting_pages(roller_sandbox, api, busy_venue, webhook_receiver):
    """On the switch, a file is the reporting endpoint's page envelope (Page) of its rows."""
    roller_sandbox.configure(bulk_export_delay_seconds=0, bulk_export_file_shape="page")
    register_webhook(api, webhook_receiver.url, bulkExport={"events": ["Created"]})
    webhook_receiver.received.clear()
    start, end = TODAY - dt.timedelta(days=3), TODAY + dt.timedelta(days=1)
    body = {"exportType": "BookingItems", "startDate": str(start), "endDate": str(end)}
    assert api.session.post(f"{api.url}/reporting/bulk", json=body, timeout=10).status_code == 200
    months = len({(start + dt.timedelta(days=day)).replace(day=1) for day in range((end - start).days)})
    deadline = time.monotonic() + 10
    while len(bulk := [r.body for r in webhook_receiver.received if r.body["type"] == "BulkExport"]) < months:
        assert time.monotonic() < deadline, f"{len(bulk)} of {months} bulk export webhooks arrived"
        time.sleep(0.02)
    row_schema = openapi.operation_schema(REPORTING, "/data/bookingitems", "get")
    rows = 0
    for url in [url for envelope in bulk for url in envelope["data"]["preSignedUrls"]]:
        page = requests.get(url, timeout=10).json()
        openapi.assert_valid(page, openapi.model("Page"), "BookingItems file (page shape)")
        for row in page["items"]:
            openapi.assert_valid(row, row_schema, "BookingItems file row (page shape)")
            rows += 1
    assert rows > 0
