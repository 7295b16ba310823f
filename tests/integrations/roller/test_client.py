"""The ROLLER client against the ROLLER sandbox, over real HTTP (reliability scenarios 12, 19, 27).

Edge cases a server cannot produce are in test_client_edge_cases.py.
"""

import collections
import datetime as dt
import logging
import math
import threading
from zoneinfo import ZoneInfo

import pytest
import responses
from django.db import connections
from django.utils import timezone

from integrations.roller.client import RollerClient
from integrations.roller.errors import (
    CredentialsRejected,
    NoApiAccess,
    NotFound,
    RateLimited,
    RollerUnavailable,
)
from integrations.roller.parsing import payloads as parsing
from integrations.roller.tokens import InMemoryTokenStore
from tests.factories import RollerSettingsFactory

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def no_pacing(settings):
    # The sandbox's own rate limits still apply; our pacing would only slow the tests down.
    settings.ROLLER_PACING_ENABLED = False


def make_client(sandbox, *, client_id=None, client_secret=None, **options) -> RollerClient:
    options.setdefault("backoff", 0.01)
    options.setdefault("time_zone", AMSTERDAM)
    return RollerClient(
        base_url=sandbox.url,
        client_id=client_id or sandbox.client_id,
        client_secret=client_secret or sandbox.client_secret,
        token_store=InMemoryTokenStore(),
        **options,
    )


@pytest.fixture
def client(roller_sandbox):
    return make_client(roller_sandbox)


def roller_settings_for(sandbox, **fields):
    return RollerSettingsFactory(
        custom_base_url=sandbox.url, client_id=sandbox.client_id, client_secret=sandbox.client_secret, **fields
    )


def calls_to(sandbox, path: str) -> int:
    family = "reporting" if path.startswith("/data") else "rest"
    return sandbox.stats()["callsByPath"].get(f"{family} {path}", 0)


def run_in_threads(count: int, work) -> list:
    """Start `count` threads at the same moment; return what each returned or raised."""
    barrier, results = threading.Barrier(count), []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as exc:  # noqa: BLE001 - returned to the test
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


# --- the access token ----------------------------------------------------------------------


def test_one_token_serves_many_calls(client, roller_sandbox):
    for _ in range(5):
        client.get_venue()
    client.get_products()
    list(client.iter_products())

    assert roller_sandbox.stats()["tokenRequests"] == 1


@pytest.mark.django_db
def test_clients_of_one_connection_share_the_stored_token(roller_sandbox):
    settings = roller_settings_for(roller_sandbox)

    RollerClient.from_settings(settings).get_venue()
    RollerClient.from_settings(settings).get_venue()  # another process, say

    assert roller_sandbox.stats()["tokenRequests"] == 1
    settings.refresh_from_db()
    assert settings.access_token and settings.access_token_expires_at > timezone.now() + dt.timedelta(hours=23)


def test_a_token_roller_no_longer_accepts_is_renewed_once(client, roller_sandbox):
    client.get_venue()
    roller_sandbox.expire_tokens()

    assert client.get_venue()["name"]
    assert roller_sandbox.stats()["tokenRequests"] == 2
    assert roller_sandbox.stats()["statuses"].get("401") == 1


@pytest.mark.django_db(transaction=True)
def test_ten_workers_finding_the_token_expired_make_one_token_request(roller_sandbox):
    settings = roller_settings_for(
        roller_sandbox, access_token="long-expired", access_token_expires_at=timezone.now() - dt.timedelta(hours=1)
    )

    results = run_in_threads(10, lambda: RollerClient.from_settings(settings).get_venue()["name"])

    assert [r for r in results if isinstance(r, Exception)] == []
    assert roller_sandbox.stats()["tokenRequests"] == 1


@pytest.mark.django_db(transaction=True)
def test_ten_workers_told_401_at_once_make_one_token_request(roller_sandbox):
    # The stored token looks valid for hours, but ROLLER has dropped it: every worker gets a 401.
    settings = roller_settings_for(roller_sandbox)
    RollerClient.from_settings(settings).get_venue()
    roller_sandbox.expire_tokens()

    results = run_in_threads(10, lambda: RollerClient.from_settings(settings).get_venue()["name"])

    assert [r for r in results if isinstance(r, Exception)] == []
    assert roller_sandbox.stats()["tokenRequests"] == 2  # the first one, and one renewal for all ten


# --- errors, retries and time-outs ---------------------------------------------------------


def test_a_429_raises_rate_limited_at_once_with_rollers_retry_after(client, roller_sandbox):
    client.get_venue()
    roller_sandbox.fault("/venues", status=429, retry_after=17)

    with pytest.raises(RateLimited) as caught:
        client.get_venue()

    assert caught.value.retry_after == 17
    assert calls_to(roller_sandbox, "/venues") == 2  # not retried in place


def test_rollers_own_rate_limit_is_reported_with_its_penalty(client, roller_sandbox):
    roller_sandbox.configure(rest_limit=3)
    for _ in range(3):
        client.get_venue()

    with pytest.raises(RateLimited) as caught:
        client.get_venue()

    assert caught.value.retry_after == 60


def test_a_couple_of_server_errors_are_retried_with_back_off(client, roller_sandbox):
    roller_sandbox.fault("/venues", status=503, count=1)
    roller_sandbox.fault("/venues", status=502, count=1)

    assert client.get_venue()["name"]
    assert roller_sandbox.stats()["faultsServed"] == 2
    assert calls_to(roller_sandbox, "/venues") == 3


def test_persistent_server_errors_end_in_roller_unavailable(roller_sandbox):
    client = make_client(roller_sandbox, attempts=3)
    client.check_credentials()
    roller_sandbox.fault("/venues", status=500, count=10)

    with pytest.raises(RollerUnavailable, match="kept failing with 500"):
        client.get_venue()

    assert calls_to(roller_sandbox, "/venues") == 3


def test_a_read_time_out_is_retried(roller_sandbox):
    client = make_client(roller_sandbox, timeout=(2.0, 0.3))
    client.check_credentials()
    roller_sandbox.fault("/venues", hang_seconds=1.0, count=1)

    assert client.get_venue()["name"]


def test_a_server_that_keeps_hanging_ends_in_roller_unavailable(roller_sandbox):
    client = make_client(roller_sandbox, timeout=(2.0, 0.2), attempts=2)
    client.check_credentials()
    roller_sandbox.fault("/venues", hang_seconds=0.6, count=2)

    with pytest.raises(RollerUnavailable, match="did not answer in time"):
        client.get_venue()


def test_an_unknown_record_is_not_found(client):
    with pytest.raises(NotFound):
        client.get_guest(999999999)


# --- credentials ---------------------------------------------------------------------------


def test_wrong_credentials_are_told_apart_from_a_venue_without_api_access(roller_sandbox):
    wrong = make_client(roller_sandbox, client_secret="not-the-secret")
    no_access = make_client(
        roller_sandbox, client_id=roller_sandbox.noaccess_client_id, client_secret=roller_sandbox.noaccess_client_secret
    )

    with pytest.raises(CredentialsRejected, match="Settings → Integrations → API keys") as rejected:
        wrong.get_venue()
    with pytest.raises(NoApiAccess, match="API access add-on") as refused:
        no_access.get_venue()

    assert (rejected.value.status, refused.value.status) == (400, 403)


def test_nothing_secret_reaches_the_log(roller_sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(roller_sandbox)
    client.get_venue()
    roller_sandbox.expire_tokens()
    roller_sandbox.fault("/products", status=503, count=1)
    client.get_products()
    with pytest.raises(CredentialsRejected):
        make_client(roller_sandbox, client_secret="a-wrong-secret-value").check_credentials()

    lines = [r.getMessage() for r in caplog.records if r.name == "integrations.roller.client"]
    assert lines == [
        line
        for line in lines
        if line.startswith("ROLLER ") and " ms (attempt " in line  # method, path, status, duration
    ]
    assert any(line.startswith("ROLLER GET /products -> 401 in ") for line in lines)
    assert any(line.startswith("ROLLER GET /products -> 503 in ") for line in lines)
    everything = caplog.text + "".join(repr(r.__dict__) for r in caplog.records)
    for secret in (roller_sandbox.client_secret, "a-wrong-secret-value", client.token_store.load().value):
        assert secret not in everything
    assert "Bearer" not in everything and "Authorization" not in everything


def test_a_guest_id_never_reaches_the_log_because_it_could_be_a_minors(roller_sandbox, caplog):
    caplog.set_level(logging.DEBUG, logger="integrations.roller.client")
    client = make_client(roller_sandbox)
    with pytest.raises(NotFound):
        client.get_guest("99887766")

    assert "99887766" not in caplog.text + "".join(repr(r.__dict__) for r in caplog.records)
    assert "ROLLER GET /guests/{id} -> 404" in caplog.text


# --- reporting: windows and pages ----------------------------------------------------------


def test_a_long_range_is_read_in_one_day_windows(roller_sandbox):
    today = dt.date.today()
    start, end = today - dt.timedelta(days=15), today + dt.timedelta(days=1)
    client = make_client(roller_sandbox)

    rows = list(client.iter_customers(start, end))

    # The sandbox, like ROLLER, refuses a window over a day: 16 days took 16 calls of one page.
    assert calls_to(roller_sandbox, "/data/customers") == (end - start).days
    assert len(rows) > 10
    assert len({row["customerId"] for row in rows}) == len(rows)


def test_reporting_pages_until_the_last_page(roller_sandbox):
    today = dt.date.today()
    rows = list(make_client(roller_sandbox).iter_customers(today - dt.timedelta(days=15), today))
    busiest_day, count = collections.Counter(
        dt.datetime.fromisoformat(row["modifiedDate"]).astimezone(AMSTERDAM).date() for row in rows
    ).most_common(1)[0]
    assert count >= 3, "the seeded venue should have a day with several changed guests"
    expected = list(make_client(roller_sandbox).iter_customers(busiest_day, busiest_day + dt.timedelta(days=1)))
    calls_before = calls_to(roller_sandbox, "/data/customers")

    paged = list(
        make_client(roller_sandbox, page_size=2).iter_customers(busiest_day, busiest_day + dt.timedelta(days=1))
    )

    assert paged == expected
    assert calls_to(roller_sandbox, "/data/customers") - calls_before == math.ceil(count / 2)


def test_reporting_rows_parse_into_records(client):
    today = dt.date.today()
    start, end = today - dt.timedelta(days=15), today + dt.timedelta(days=1)

    groups = parsing.group_booking_item_rows(client.iter_booking_items(start, end))
    bookings = [parsing.parse_booking_item_rows(rows, tz=AMSTERDAM) for rows in groups.values()]
    guests = [parsing.parse_reporting_guest(row, tz=AMSTERDAM) for row in client.iter_customers(start, end)]
    waivers = parsing.parse_signed_waivers(list(client.iter_signed_waivers(start, end)), tz=AMSTERDAM)
    products = [parsing.parse_reporting_product(row) for row in client.iter_products()]

    assert bookings and guests and waivers and products
    assert {b.channel for b in bookings} >= {"Consumer", "Doorlist"}
    assert any(w.is_for_minor for w in waivers)


def test_rest_payloads_parse_into_records(client, roller_sandbox):
    sale = roller_sandbox.online_booking(newGuest=True)
    signed = roller_sandbox.waiver(minors=1, uniqueId=sale["uniqueId"])

    by_id = parsing.parse_booking(client.get_booking(sale["uniqueId"]), tz=AMSTERDAM)
    by_reference = parsing.parse_booking(client.get_booking(sale["bookingReference"]), tz=AMSTERDAM)
    guest = parsing.parse_guest(client.get_guest(sale["customerId"]), sale["customerId"])
    waiver = parsing.parse_signed_waivers(client.get_signed_waiver(signed["signedWaiverIds"][1]), tz=AMSTERDAM)
    products = parsing.parse_products(client.get_products())
    venue = parsing.parse_venue(client.get_venue())

    assert by_id == by_reference
    assert by_id.customer_id == guest.guest_id == str(sale["customerId"])
    assert [item.item_id for item in by_id.items] == [str(i) for i in sale["bookingItemIds"]]
    assert waiver[0].is_for_minor
    assert {item.product_id for item in by_id.items} <= {p.product_id for p in products}
    assert venue.time_zone == "Europe/Amsterdam"


def test_clients_of_one_thread_share_one_keep_alive_session():
    def client() -> RollerClient:
        return RollerClient(base_url="http://127.0.0.1:1", client_id="id", client_secret="secret")

    first, second = client(), client()
    other_thread: list[RollerClient] = []
    thread = threading.Thread(target=lambda: other_thread.append(client()))
    thread.start()
    thread.join()

    assert first.session is second.session  # one TCP connection for a window's pages and guest fetches
    assert other_thread[0].session is not first.session  # a session is not shared between threads


@responses.activate
def test_the_shared_session_keeps_no_cookie_from_one_venue_for_another():
    # An edge case the sandbox cannot produce: ROLLER setting a cookie.
    responses.get("https://api.roller.app/venue", json={}, headers={"Set-Cookie": "session=venue-a; Path=/"})
    venue_a = RollerClient(base_url="https://api.roller.app", client_id="a", client_secret="a")
    venue_a.session.get("https://api.roller.app/venue")
    venue_b = RollerClient(base_url="https://api.roller.app", client_id="b", client_secret="b")
    assert venue_b.session is venue_a.session
    assert len(venue_b.session.cookies) == 0


@pytest.mark.parametrize(
    ("variables", "trusted"),
    [({}, False), ({"HTTPS_PROXY": "http://proxy.example:3128"}, True), ({"REQUESTS_CA_BUNDLE": "/etc/ca.pem"}, True)],
)
def test_the_environment_is_read_for_proxies_and_certificates_only_when_it_names_some(monkeypatch, variables, trusted):
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    made: list[RollerClient] = []
    thread = threading.Thread(  # a new thread: a session of its own
        target=lambda: made.append(RollerClient(base_url="http://127.0.0.1:1", client_id="id", client_secret="s"))
    )
    thread.start()
    thread.join()
    assert made[0].session.trust_env is trusted
