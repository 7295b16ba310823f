"""POST /reporting/bulk and its presigned files, as ROLLER's bulk export pages describe them."""

from __future__ import annotations

import datetime as dt
import re
import time
from zoneinfo import ZoneInfo

import pytest
import requests

from integrations.roller.sandbox import bulk as bulk_module

from .helpers import register_webhook

TODAY = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date()
TOMORROW = TODAY + dt.timedelta(days=1)
BULK_ONLY = {"bulkExport": {"events": ["Created"]}}


@pytest.fixture
def bulk(roller_sandbox, api, webhook_receiver):
    """No generation delay, and a webhook that subscribes to bulk exports only."""
    roller_sandbox.configure(bulk_export_delay_seconds=0)
    register_webhook(api, webhook_receiver.url, **BULK_ONLY)
    return roller_sandbox


def request_export(api, export_type, start, end, *, offset=False):
    headers = {"TimeZone-Designators": "Offset"} if offset else {}
    return api.session.post(
        f"{api.url}/reporting/bulk",
        json={"exportType": export_type, "startDate": str(start), "endDate": str(end)},
        headers=headers,
        timeout=10,
    )


def sequences(receiver, total):
    """The `data` of the first `total` BulkExport webhooks, in the order they arrived."""
    received = receiver.wait_for(total)
    bodies = [r.body for r in received if r.body["type"] == "BulkExport"]
    assert len(bodies) == total, f"{len(bodies)} of {total} sequences arrived"
    assert {b["eventType"] for b in bodies} == {"Created"}
    return [b["data"] for b in bodies]


def rows_of(datas):
    rows = []
    for data in datas:
        for url in data["preSignedUrls"]:
            response = requests.get(url, timeout=10)
            assert response.status_code == 200, response.text
            body = response.json()
            rows += body["items"] if isinstance(body, dict) else body
    return rows


def months_between(start, end):
    """The calendar months [start, end) touches."""
    return len({(start + dt.timedelta(days=day)).replace(day=1) for day in range((end - start).days)})


def test_a_request_is_answered_at_once_without_a_process_id(bulk, api, webhook_receiver):
    response = request_export(api, "Customers", TODAY - dt.timedelta(days=20), TOMORROW)

    assert response.status_code == 200
    assert response.content == b""


def test_one_webhook_per_calendar_month_with_empty_months_and_every_row_of_the_range(bulk, api, webhook_receiver):
    start = (TODAY.replace(day=1) - dt.timedelta(days=80)).replace(day=1)  # three months before the history
    total = months_between(start, TOMORROW)

    assert request_export(api, "Customers", start, TOMORROW).status_code == 200
    datas = sequences(webhook_receiver, total)

    assert sorted(d["sequenceNumber"] for d in datas) == list(range(1, total + 1))
    assert {(d["sequenceTotal"], d["exportType"], d["venueId"]) for d in datas} == {(total, "Customers", 20981)}
    assert len({d["processId"] for d in datas}) == 1
    assert [d for d in datas if not d["preSignedUrls"]], "the months before the seeded history have no URLs"
    reported = []
    for day in range((TOMORROW - start).days):
        window = {"startDate": str(start + dt.timedelta(days=day)), "endDate": str(start + dt.timedelta(days=day + 1))}
        reported += api.get("/data/customers", pageSize=500, **window).json()["items"]
    assert sorted(r["customerId"] for r in rows_of(datas)) == sorted(r["customerId"] for r in reported)


def test_sequences_arrive_in_shuffled_order(bulk, api, webhook_receiver):
    start = TODAY.replace(day=1) - dt.timedelta(days=365)
    total = months_between(start, TOMORROW)

    request_export(api, "SignedWaivers", start, TOMORROW)
    numbers = [d["sequenceNumber"] for d in sequences(webhook_receiver, total)]

    assert sorted(numbers) == list(range(1, total + 1))
    assert numbers != sorted(numbers)


def test_the_months_of_each_export_are_generated_side_by_side_each_ready_one_delay_after_the_request(
    bulk, api, webhook_receiver
):
    # Two years of months one after another at 1 s each would take 25 s per export type.
    bulk.configure(bulk_export_delay_seconds=1.0)
    start = TODAY.replace(day=1) - dt.timedelta(days=730)
    total = months_between(start, TOMORROW)
    asked = time.monotonic()

    for export_type in ("SignedWaivers", "Customers", "BookingItems"):
        assert request_export(api, export_type, start, TOMORROW).status_code == 200
    received = webhook_receiver.wait_for(3 * total, timeout=total * 1.0)
    took = time.monotonic() - asked

    datas = [r.body["data"] for r in received if r.body["type"] == "BulkExport"]
    assert len(datas) == 3 * total
    assert took >= 1.0  # none before its delay
    assert took < total / 2, f"{took:.1f} s for {total} months of three types: generated one after another"
    for export_type in ("SignedWaivers", "Customers", "BookingItems"):
        numbers = [d["sequenceNumber"] for d in datas if d["exportType"] == export_type]
        assert sorted(numbers) == list(range(1, total + 1))
        assert numbers != sorted(numbers)
    assert [d for d in datas if not d["preSignedUrls"]], "the empty months come without URLs"


def test_only_webhooks_subscribed_to_bulk_exports_get_them(bulk, api, webhook_receiver):
    register_webhook(api, webhook_receiver.url + "/other", signedWaiver={"events": ["Created"]})

    start = TODAY - dt.timedelta(days=3)
    request_export(api, "Customers", start, TOMORROW)
    sequences(webhook_receiver, months_between(start, TOMORROW))

    urls = {d["url"] for d in bulk.wait_for_deliveries() if d["type"] == "BulkExport"}
    assert urls == {webhook_receiver.url}


def test_files_are_split_by_record_count_with_a_numbered_suffix(bulk, api, webhook_receiver):
    bulk.configure(bulk_export_file_records=5)

    request_export(api, "BookingItems", TODAY - dt.timedelta(days=5), TOMORROW)
    datas = sequences(webhook_receiver, months_between(TODAY - dt.timedelta(days=5), TOMORROW))
    urls = [url for d in datas for url in d["preSignedUrls"]]

    assert len(urls) > 1
    for url in urls:
        assert re.search(r"/bulk-exports/\d+-[\w-]+-\d{8}-BookingItems-\d+\.json\?", url), url
        assert 1 <= len(requests.get(url, timeout=10).json()) <= 5


def test_the_control_api_tells_each_files_size(bulk, api, webhook_receiver):
    # A bench prints the largest file of its run (issue 14: memory flat with a file of 100 MB).
    request_export(api, "BookingItems", TODAY - dt.timedelta(days=5), TOMORROW)
    datas = sequences(webhook_receiver, months_between(TODAY - dt.timedelta(days=5), TOMORROW))
    sizes = sorted(len(requests.get(url, timeout=10).content) for d in datas for url in d["preSignedUrls"])

    assert sorted(bulk.bulk_exports()[0]["fileBytes"]) == sizes


def test_times_are_utc_unless_the_request_asks_for_offsets(bulk, api, webhook_receiver):
    start = TODAY - dt.timedelta(days=3)
    total = months_between(start, TOMORROW)
    request_export(api, "Customers", start, TOMORROW)
    utc_rows = rows_of(sequences(webhook_receiver, total))
    webhook_receiver.received.clear()
    bulk.configure(bulk_export_slot_seconds=0)

    request_export(api, "Customers", start, TOMORROW, offset=True)
    offset_rows = rows_of(sequences(webhook_receiver, total))

    assert utc_rows and all(row["modifiedDate"].endswith("Z") for row in utc_rows)
    assert offset_rows and all(re.search(r"[+-]\d{2}:\d{2}$", row["modifiedDate"]) for row in offset_rows)


def test_a_file_is_a_bare_array_or_on_a_switch_a_page(bulk, api, webhook_receiver):
    bulk.configure(bulk_export_file_shape="page")
    start = TODAY - dt.timedelta(days=3)

    request_export(api, "Customers", start, TOMORROW)
    urls = [u for d in sequences(webhook_receiver, months_between(start, TOMORROW)) for u in d["preSignedUrls"]]
    page = requests.get(urls[0], timeout=10).json()

    assert page["currentPage"] == 1 and page["totalItems"] == len(page["items"]) > 0


class TestPresignedUrls:
    @pytest.fixture
    def url(self, bulk, api, webhook_receiver):
        start = TODAY - dt.timedelta(days=3)
        request_export(api, "Customers", start, TOMORROW)
        return next(u for d in sequences(webhook_receiver, months_between(start, TOMORROW)) for u in d["preSignedUrls"])

    def test_the_url_alone_gets_the_file(self, url):
        response = requests.get(url, timeout=10)
        assert response.status_code == 200 and isinstance(response.json(), list)

    def test_a_changed_query_is_refused_as_s3_does(self, url):
        changed = re.sub(r"X-Amz-Expires=\d+", "X-Amz-Expires=999999999", url)
        response = requests.get(changed, timeout=10)
        assert response.status_code == 403
        assert b"SignatureDoesNotMatch" in response.content

    def test_an_authorization_header_is_refused(self, url):
        assert requests.get(url, headers={"Authorization": "Bearer roller-token"}, timeout=10).status_code == 403

    def test_an_expired_url_is_refused(self, bulk, api, webhook_receiver):
        bulk.configure(bulk_export_url_ttl_seconds=0)
        start = TODAY - dt.timedelta(days=3)
        request_export(api, "SignedWaivers", start, TOMORROW)
        datas = sequences(webhook_receiver, months_between(start, TOMORROW))
        expired = next(u for d in datas for u in d["preSignedUrls"])
        response = requests.get(expired, timeout=10)
        assert response.status_code == 403
        assert b"Request has expired" in response.content


def test_a_second_request_of_the_same_type_within_six_hours_gets_429(bulk, api):
    start = TODAY - dt.timedelta(days=3)
    assert request_export(api, "Customers", start, TOMORROW).status_code == 200

    again = request_export(api, "Customers", start, TOMORROW)

    assert again.status_code == 429
    assert 6 * 3600 - 60 < int(again.headers["Retry-After"]) <= 6 * 3600
    assert request_export(api, "BookingItems", start, TOMORROW).status_code == 200


def test_usage_is_units_per_month_and_one_per_reporting_call(bulk, api, webhook_receiver):
    start = (TODAY.replace(day=1) - dt.timedelta(days=80)).replace(day=1)
    request_export(api, "Customers", start, TOMORROW)
    datas = sequences(webhook_receiver, months_between(start, TOMORROW))
    months_with_records = sum(1 for d in datas if d["preSignedUrls"])
    assert months_with_records >= 1
    assert bulk.stats()["usageUnits"] == months_with_records  # each under 10,000 records

    api.get("/data/customers", startDate=str(TODAY - dt.timedelta(days=1)), endDate=str(TODAY))

    assert bulk.stats()["usageUnits"] == months_with_records + 1
    assert bulk.bulk_exports()[0]["usageUnits"] == months_with_records


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"exportType": "Customers", "startDate": str(TODAY), "endDate": str(TODAY)}, "endDate"),
        ({"exportType": "Everything", "startDate": str(TODAY), "endDate": str(TOMORROW)}, "exportType"),
        ({"exportType": "Customers", "startDate": "01-12-2026", "endDate": str(TOMORROW)}, "startDate"),
    ],
)
def test_unusable_requests_get_400(bulk, api, body, field):
    response = api.post("/reporting/bulk", body)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_switch_makes_bulk_exports_unavailable(bulk, api):
    bulk.configure(bulk_exports_enabled=False)

    response = request_export(api, "Customers", TODAY - dt.timedelta(days=3), TOMORROW)

    assert response.status_code == 403
    assert bulk.bulk_exports() == []


def test_the_request_needs_a_token_and_the_file_does_not(bulk, roller_sandbox):
    response = requests.post(
        f"{roller_sandbox.url}/reporting/bulk",
        json={"exportType": "Customers", "startDate": str(TODAY), "endDate": str(TOMORROW)},
        timeout=10,
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("start", "end", "records_per_month", "uses"),
    [
        # ROLLER's own examples (rate-limits-and-throttling-reporting-api.md, Bulk Exports: API usage)
        ("2020-01-01", "2020-04-01", [1, 1, 1], 3),
        ("2020-01-28", "2020-03-05", [25_000, 25_000, 25_000], 9),
        ("2020-04-10", "2020-05-10", [600, 0], 1),
    ],
)
def test_usage_is_counted_as_rollers_examples_count_it(start, end, records_per_month, uses):
    months = bulk_module.month_slices(dt.date.fromisoformat(start), dt.date.fromisoformat(end))

    assert len(months) == len(records_per_month)
    assert bulk_module.export_usage_units(records_per_month) == uses


def test_a_month_without_records_costs_nothing():
    assert bulk_module.export_usage_units([0, 0, 0]) == 0
    assert bulk_module.export_usage_units([0, 10_000, 10_001]) == 1 + 2


def test_a_range_is_cut_at_each_first_of_the_month():
    months = bulk_module.month_slices(dt.date(2025, 12, 30), dt.date(2026, 2, 2))

    assert months == [
        (dt.date(2025, 12, 30), dt.date(2026, 1, 1)),
        (dt.date(2026, 1, 1), dt.date(2026, 2, 1)),
        (dt.date(2026, 2, 1), dt.date(2026, 2, 2)),
    ]
