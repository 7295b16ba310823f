"""Bulk exports with the ROLLER client, over real HTTP against the sandbox: the request, the
webhook's data parsed, and the files streamed from their presigned URLs."""

import datetime as dt
import logging
import socket
import threading
import time
import tracemalloc
from http.server import ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
import requests

from integrations.roller import bulk_files
from integrations.roller.bulk_files import bulk_file_rows, presigned_url_display
from integrations.roller.client import RollerClient
from integrations.roller.errors import (
    BulkExportUnavailable,
    BulkFileExpired,
    RateLimited,
    RollerUnavailable,
    UnexpectedResponse,
)
from integrations.roller.parsing.payloads import parse_bulk_export, parse_envelope
from integrations.roller.tokens import InMemoryTokenStore
from tests.integrations.roller.sandbox.helpers import Api, ReceiverHandler, WebhookReceiver, register_webhook

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TODAY = dt.datetime.now(AMSTERDAM).date()
TOMORROW = TODAY + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def no_pacing(settings):
    settings.ROLLER_PACING_ENABLED = False


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ReceiverHandler)
    server.daemon_threads = True
    server.receiver = WebhookReceiver(url=f"http://127.0.0.1:{server.server_port}/roller/webhook")
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server.receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(roller_sandbox):
    return RollerClient(
        base_url=roller_sandbox.url,
        client_id=roller_sandbox.client_id,
        client_secret=roller_sandbox.client_secret,
        token_store=InMemoryTokenStore(),
        time_zone=AMSTERDAM,
        backoff=0.01,
    )


def subscribe(roller_sandbox, receiver):
    """No generation delay; our webhook subscribes to bulk exports."""
    roller_sandbox.configure(bulk_export_delay_seconds=0)
    register_webhook(Api(roller_sandbox.url, roller_sandbox.token()), receiver.url, bulkExport={"events": ["Created"]})


@pytest.fixture
def sandbox(roller_sandbox, receiver):
    subscribe(roller_sandbox, receiver)
    return roller_sandbox


def exported(client, receiver, export_type, start, end=TOMORROW):
    """Request the export and wait for its sequences; return them parsed, by sequence number."""
    months = len({(start + dt.timedelta(days=day)).replace(day=1) for day in range((end - start).days)})
    client.request_bulk_export(export_type=export_type, start_date=start, end_date=end)
    deadline = time.monotonic() + 10
    while True:
        bodies = [r.body for r in receiver.received if r.body["type"] == "BulkExport"]
        records = [parse_bulk_export(parse_envelope(body).data) for body in bodies]
        mine = sorted((r for r in records if r.export_type == export_type), key=lambda r: r.sequence_number)
        if len(mine) >= months:
            return mine
        assert time.monotonic() < deadline, f"{len(mine)} of {months} sequences arrived"
        time.sleep(0.02)


def urls_of(records):
    return [url for record in records for url in record.urls]


# --- the request ---------------------------------------------------------------------------


def test_a_bulk_export_always_asks_for_times_with_their_offset(sandbox, client, receiver):
    records = exported(client, receiver, "Customers", TODAY - dt.timedelta(days=5))

    rows = [row for url in urls_of(records) for row in bulk_file_rows(url)]
    assert rows
    assert all(row["modifiedDate"][-6] in "+-" for row in rows), rows[0]["modifiedDate"]
    assert sandbox.bulk_exports()[0]["startDate"] == str(TODAY - dt.timedelta(days=5))


def test_a_second_request_inside_the_six_hours_is_rate_limited(sandbox, client):
    client.request_bulk_export(export_type="BookingItems", start_date=TODAY, end_date=TOMORROW)

    with pytest.raises(RateLimited) as raised:
        client.request_bulk_export(export_type="BookingItems", start_date=TODAY, end_date=TOMORROW)

    assert raised.value.retry_after > 5 * 3600


def test_bulk_exports_refused_by_roller_raise_their_own_error(sandbox, client):
    sandbox.configure(bulk_exports_enabled=False)

    with pytest.raises(BulkExportUnavailable):
        client.request_bulk_export(export_type="Customers", start_date=TODAY, end_date=TOMORROW)


@pytest.mark.parametrize(
    ("start", "end", "error"),
    [(TODAY, TODAY, ValueError), (TOMORROW, TODAY, ValueError), (dt.datetime(2026, 1, 1), TOMORROW, TypeError)],
)
def test_a_range_shorter_than_a_day_is_refused_before_any_call(sandbox, client, start, end, error):
    with pytest.raises(error):
        client.request_bulk_export(export_type="Customers", start_date=start, end_date=end)

    assert "reporting /reporting/bulk" not in sandbox.stats()["callsByPath"]


# --- the files -----------------------------------------------------------------------------


def test_streamed_rows_are_the_files_rows_whatever_the_shape(sandbox, client, receiver):
    sandbox.configure(bulk_export_file_records=7)
    records = exported(client, receiver, "BookingItems", TODAY - dt.timedelta(days=5))
    urls = urls_of(records)
    assert len(urls) > 1
    sandbox.configure(bulk_export_file_shape="page", bulk_export_slot_seconds=0)
    receiver.received.clear()
    paged = urls_of(exported(client, receiver, "BookingItems", TODAY - dt.timedelta(days=5)))

    as_arrays = [row for url in urls for row in bulk_file_rows(url, chunk_bytes=97)]
    as_pages = [row for url in paged for row in bulk_file_rows(url, chunk_bytes=97)]

    assert as_arrays == [row for url in urls for row in requests.get(url, timeout=10).json()]
    assert isinstance(requests.get(paged[0], timeout=10).json(), dict)
    assert sorted(map(repr, as_pages)) == sorted(map(repr, as_arrays))


def test_no_authorization_header_reaches_the_file_server(sandbox, client, receiver):
    url = urls_of(exported(client, receiver, "Customers", TODAY - dt.timedelta(days=5)))[0]
    session = requests.Session()
    session.headers["Authorization"] = "Bearer roller-token"  # a session someone set up for ROLLER

    rows = list(bulk_file_rows(url, session=session))

    assert rows  # the sandbox, like S3, answers 403 to a presigned URL with an Authorization header


def test_a_file_is_resumed_past_the_rows_already_handled(sandbox, client, receiver):
    url = urls_of(exported(client, receiver, "Customers", TODAY - dt.timedelta(days=5)))[0]
    rows = list(bulk_file_rows(url))

    assert list(bulk_file_rows(url, skip=3)) == rows[3:]


def test_an_expired_url_raises_its_own_error(sandbox, client, receiver):
    sandbox.configure(bulk_export_url_ttl_seconds=0)
    url = urls_of(exported(client, receiver, "Customers", TODAY - dt.timedelta(days=5)))[0]

    with pytest.raises(BulkFileExpired) as raised:
        list(bulk_file_rows(url))

    assert raised.value.status == 403
    assert "X-Amz" not in str(raised.value)


def test_a_changed_url_is_refused_as_expired(sandbox, client, receiver):
    url = urls_of(exported(client, receiver, "Customers", TODAY - dt.timedelta(days=5)))[0]

    with pytest.raises(BulkFileExpired):
        list(bulk_file_rows(url.replace("X-Amz-Expires=", "X-Amz-Expires=9")))


def test_the_presigned_query_is_never_logged(sandbox, client, receiver, caplog):
    caplog.set_level(logging.DEBUG)
    url = urls_of(exported(client, receiver, "Customers", TODAY - dt.timedelta(days=5)))[0]

    list(bulk_file_rows(url))

    assert "bulk-exports/" in caplog.text
    assert "X-Amz" not in caplog.text
    assert presigned_url_display(url) in caplog.text


def test_an_unreachable_file_server_is_transient_and_its_message_keeps_the_query_out():
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    url = f"http://127.0.0.1:{port}/bulk-exports/1-x-20260101-Customers.json?X-Amz-Signature=secret"

    with pytest.raises(RollerUnavailable) as raised:
        list(bulk_file_rows(url, timeout=(0.5, 0.5)))

    assert "secret" not in str(raised.value) and raised.value.__cause__ is None


def peak_while_streaming(url):
    """(rows, peak bytes traced) of streaming the file once more, after an untraced first read
    (imports, the session and its connection)."""
    count = sum(1 for _ in bulk_file_rows(url))
    tracemalloc.start()
    try:
        assert sum(1 for _ in bulk_file_rows(url)) == count
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_streaming_a_large_file_keeps_memory_flat(sandbox, client, receiver):
    sandbox.reset(size="default")  # 3,000 bookings over 90 days; a reset forgets the webhooks
    subscribe(sandbox, receiver)
    sandbox.configure(bulk_export_file_records=1_000_000, bulk_export_slot_seconds=0)
    large = max(urls_of(exported(client, receiver, "BookingItems", TODAY - dt.timedelta(days=100))), key=file_size)
    sandbox.configure(bulk_export_file_records=200)
    receiver.received.clear()
    small = urls_of(exported(client, receiver, "BookingItems", TODAY - dt.timedelta(days=100)))[0]
    large_size, small_size = file_size(large), file_size(small)
    assert large_size > 1_000_000 and large_size > 10 * small_size, (large_size, small_size)

    large_rows, large_peak = peak_while_streaming(large)
    small_rows, small_peak = peak_while_streaming(small)

    assert (large_rows, small_rows) == (len(requests.get(large, timeout=30).json()), 200)
    report = f"peak {large_peak:,} B for a {large_size:,}-byte file, {small_peak:,} B for {small_size:,} bytes"
    assert large_peak < 1.5 * small_peak, report  # ten times the file, not more memory
    assert large_peak < large_size / 4, report


def file_size(url):
    return len(requests.get(url, timeout=30).content)


# --- the parser, chunk by chunk ------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b'  [{"a": 1}, {"a": 2.5}]', b'\xef\xbb\xbf{"currentPage": 1, "items": [{"a": 1}, {"a": 2.5}], "totalPages": 1}'],
    ids=["array", "page"],
)
def test_rows_are_read_across_chunks_of_any_size(body):
    chunks = [body[i : i + 3] for i in range(0, len(body), 3)]

    assert list(bulk_files._rows(chunks, "file")) == [{"a": 1}, {"a": 2.5}]


@pytest.mark.parametrize("body", [b"", b"  ", b'"text"', b"[1, 2]", b'[{"a": 1}, {"a"'])
def test_a_file_that_is_not_rows_is_unexpected(body):
    with pytest.raises(UnexpectedResponse):
        list(bulk_files._rows([body], "file"))
