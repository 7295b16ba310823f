"""Reporting (Data) API: windows, paging, modified-date filtering, string ids."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

# Windows are in venue time; "today" must be the venue's, also just after midnight UTC.
TODAY = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def _day(offset: int = 0) -> dict[str, str]:
    start = TODAY + dt.timedelta(days=offset)
    return {"startDate": str(start), "endDate": str(start + dt.timedelta(days=1))}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"startDate": "2026-01-01"},
        {"startDate": "2026-01-01", "endDate": "2026-01-03"},
        {"startDate": "2026-01-02", "endDate": "2026-01-01"},
        {"startDate": "2026-01-01", "endDate": "2026-01-01"},
        {"startDate": "01-01-2026", "endDate": "2026-01-02"},
        {"startDate": "2026-01-01T10:00:00", "endDate": "2026-01-02T10:00:01"},
    ],
)
def test_bad_windows_are_400(api, params):
    response = api.get("/data/customers", **params)

    assert response.status_code == 400
    assert response.json()["errors"]


@pytest.mark.parametrize(
    "params",
    [
        {"startDate": "2026-10-25", "endDate": "2026-10-26"},  # 25 real hours (DST ends)
        {"startDate": "2026-03-29", "endDate": "2026-03-30"},  # 23 real hours (DST starts)
        {"startDate": "2026-01-01T06:00:00", "endDate": "2026-01-02T06:00:00"},
        {"startDate": "2026-01-01T00:00:00Z", "endDate": "2026-01-01T12:00:00Z"},
    ],
)
def test_one_venue_day_or_less_is_accepted(api, params):
    assert api.get("/data/bookingitems", **params).status_code == 200


def test_paging_envelope_and_stable_pages(api):
    first = api.get("/data/bookingitems", **_day(-1), pageSize=2).json()
    everything = api.get("/data/bookingitems", **_day(-1), pageSize=500).json()
    pages = [
        api.get("/data/bookingitems", **_day(-1), pageSize=2, pageNumber=n).json()["items"]
        for n in range(1, first["totalPages"] + 1)
    ]

    assert first["currentPage"] == 1 and first["itemsPerPage"] == 2
    assert first["totalItems"] == everything["totalItems"] > 2
    assert first["totalPages"] == -(-first["totalItems"] // 2)
    assert [row for page in pages for row in page] == everything["items"]


def test_page_size_defaults_to_100_and_is_capped_at_500(api):
    assert api.get("/data/products").json()["itemsPerPage"] == 100
    assert api.get("/data/products", pageSize=9999).json()["itemsPerPage"] == 500


def test_a_page_past_the_end_is_empty(api):
    body = api.get("/data/bookingitems", **_day(-1), pageNumber=999).json()

    assert body["currentPage"] == 999 and body["items"] == []


def test_ids_are_strings_in_the_data_api(api):
    row = api.get("/data/bookingitems", **_day(-1)).json()["items"][0]

    assert all(isinstance(row[key], str) for key in ("bookingItemId", "productId", "bookingReference"))


def test_booking_items_are_one_row_per_item(api):
    rows = api.get("/data/bookingitems", **_day(-1), pageSize=500).json()["items"]
    reference = rows[0]["bookingReference"]

    detail = api.get(f"/bookings/{reference}").json()
    assert sorted(r["bookingItemId"] for r in rows if r["bookingReference"] == reference) == sorted(
        str(i["bookingItemId"]) for i in detail["items"]
    )


def test_filtering_is_on_modified_time(api, roller_sandbox):
    guest_id = roller_sandbox.online_booking(newGuest=True)["customerId"]
    old_guest = api.get("/data/customers", **_day(-5), pageSize=500).json()["items"][0]["customerId"]

    roller_sandbox.guest_update(guestId=int(old_guest), acceptMarketing=False)

    today_ids = {r["customerId"] for r in api.get("/data/customers", **_day(0), pageSize=500).json()["items"]}
    assert {str(guest_id), old_guest} <= today_ids
    assert old_guest not in {
        r["customerId"] for r in api.get("/data/customers", **_day(-5), pageSize=500).json()["items"]
    }


def test_tickets_only_cover_pass_products(api):
    rows = api.get("/data/tickets", **_day(-1), pageSize=500).json()["items"]

    assert rows and {r["productType"] for r in rows} == {"Pass"}


def test_products_and_waivers_are_whole_lists(api):
    products = api.get("/data/products", pageSize=500).json()["items"]
    waivers = api.get("/data/waivers").json()["items"]

    assert any(p["productId"] == p["parentProductId"] for p in products)
    assert any(p["productId"] != p["parentProductId"] for p in products)
    assert waivers[0]["minorAgeLimitsInYears"] == 18


def test_signed_waivers_link_minors_to_parents(api, roller_sandbox):
    signed = roller_sandbox.waiver(minors=2)
    rows = api.get("/data/signedwaivers", **_day(0), pageSize=500).json()["items"]
    mine = [r for r in rows if int(r["signedWaiverId"]) in signed["signedWaiverIds"]]

    minors = [r for r in mine if r["isForMinor"]]
    assert len(minors) == 2
    assert all(r["parentSignedWaiverId"] == str(signed["signedWaiverIds"][0]) for r in minors)
    assert all("email" not in r and "contactNumber" not in r for r in minors)


def test_booking_signed_waivers_follow_attachment(api, roller_sandbox):
    booking = roller_sandbox.online_booking(newGuest=True)
    signed = roller_sandbox.waiver(minors=1, uniqueId=booking["uniqueId"])

    rows = api.get("/data/bookingsignedwaivers", **_day(0)).json()["items"]
    assert {r["signedWaiverId"] for r in rows if r["bookingReference"] == booking["bookingReference"]} == {
        str(i) for i in signed["signedWaiverIds"]
    }


def test_offset_time_zone_designators(api):
    utc = api.get("/data/bookingitems", **_day(-1)).json()["items"][0]["bookingCreatedDate"]
    local = api.session.get(
        f"{api.url}/data/bookingitems", params=_day(-1), headers={"TimeZone-Designators": "offset"}, timeout=10
    ).json()["items"][0]["bookingCreatedDate"]

    assert utc.endswith("Z") and local[-6:] in ("+01:00", "+02:00")
    assert dt.datetime.fromisoformat(utc.replace("Z", "+00:00")) == dt.datetime.fromisoformat(local)
