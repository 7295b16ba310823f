"""Client behaviour a real server cannot easily be made to show (mocked with `responses`),
plus the pure helpers: day windows (pacing: test_pacing.py). The rest is tested over HTTP in test_client.py."""

import datetime as dt
import email.utils
import logging
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
from django.utils import timezone

from integrations.roller.client import RollerClient, day_windows
from integrations.roller.errors import CredentialsRejected, RateLimited, RollerUnavailable, UnexpectedResponse
from integrations.roller.tokens import InMemoryTokenStore

BASE = "https://roller.invalid"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SECRET = "client-secret-do-not-log"


@pytest.fixture(autouse=True)
def no_pacing(settings):
    settings.ROLLER_PACING_ENABLED = False


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.post(f"{BASE}/token", json={"access_token": "tok-1", "token_type": "Bearer", "expires_in": 86400})
        yield rsps


def make_client(**options) -> RollerClient:
    options.setdefault("backoff", 0.0)
    return RollerClient(
        base_url=BASE,
        client_id="client-1",
        client_secret=SECRET,
        token_store=InMemoryTokenStore(),
        time_zone=AMSTERDAM,
        **options,
    )


def page(number: int, total: int, items: list) -> dict:
    return {"currentPage": number, "totalPages": total, "totalItems": 99, "itemsPerPage": 2, "items": items}


# --- paging guards ---------------------------------------------------------------------------


def test_a_server_returning_the_same_page_again_is_stopped(mocked):
    mocked.get(f"{BASE}/data/products", json=page(1, 5, [{"productId": "1"}, {"productId": "2"}]))

    with pytest.raises(UnexpectedResponse, match=r"answered page 1 .* asked for page 2"):
        list(make_client(page_size=2).iter_products())


def test_a_page_with_the_same_rows_twice_is_stopped(mocked):
    rows = [{"productId": "1"}, {"productId": "2"}]
    mocked.get(f"{BASE}/data/products", json={"totalPages": 5, "items": rows})  # no currentPage at all

    with pytest.raises(UnexpectedResponse, match="same page"):
        list(make_client(page_size=2).iter_products())


def test_a_page_count_that_keeps_growing_is_stopped(mocked):
    for number in range(1, 30):
        mocked.get(
            f"{BASE}/data/products",
            json=page(number, 5 * number * number, [{"productId": str(number)}]),
            match=[responses.matchers.query_param_matcher({"pageNumber": str(number), "pageSize": "2"})],
        )

    with pytest.raises(UnexpectedResponse, match="keeps growing"):
        list(make_client(page_size=2).iter_products())


def test_paging_stops_at_the_hard_cap(mocked):
    for number in range(1, 5):
        mocked.get(
            f"{BASE}/data/products",
            json=page(number, 4, [{"productId": str(number)}]),
            match=[responses.matchers.query_param_matcher({"pageNumber": str(number), "pageSize": "1"})],
        )

    with pytest.raises(UnexpectedResponse, match="more than 3 pages"):
        list(make_client(page_size=1, max_pages=3).iter_products())


def test_an_answer_that_is_not_a_page_is_refused(mocked):
    mocked.get(f"{BASE}/data/products", json=[{"productId": "1"}])

    with pytest.raises(UnexpectedResponse, match="not a page"):
        list(make_client().iter_products())


def test_pages_are_fetched_only_as_they_are_read(mocked):
    first = mocked.get(
        f"{BASE}/data/products",
        json=page(1, 2, [{"productId": "1"}]),
        match=[responses.matchers.query_param_matcher({"pageNumber": "1", "pageSize": "1"})],
    )
    second = mocked.get(
        f"{BASE}/data/products",
        json=page(2, 2, [{"productId": "2"}]),
        match=[responses.matchers.query_param_matcher({"pageNumber": "2", "pageSize": "1"})],
    )

    rows = make_client(page_size=1).iter_products()
    assert next(rows) == {"productId": "1"}
    assert (first.call_count, second.call_count) == (1, 0)
    assert list(rows) == [{"productId": "2"}]


# --- answers a real server rarely gives --------------------------------------------------------


def test_retry_after_given_as_a_date(mocked):
    later = email.utils.format_datetime(timezone.now() + dt.timedelta(seconds=120), usegmt=True)
    mocked.get(f"{BASE}/venues/me", status=429, headers={"Retry-After": later})

    with pytest.raises(RateLimited) as caught:
        make_client().get_venue()

    assert 100 < caught.value.retry_after <= 121


def test_a_post_that_timed_out_is_not_sent_again(mocked):
    create = mocked.post(f"{BASE}/webhooks", body=requests.ReadTimeout("read timed out"))

    with pytest.raises(RollerUnavailable, match="did not answer in time"):
        make_client(attempts=3).create_webhook({"url": "https://x.example.com", "enabled": True})

    assert create.call_count == 1  # a second POST could register a second webhook


def test_a_post_that_never_connected_is_sent_again(mocked):
    create = mocked.post(f"{BASE}/webhooks", body=requests.ConnectTimeout("connect timed out"))

    with pytest.raises(RollerUnavailable):
        make_client(attempts=3).create_webhook({"url": "https://x.example.com", "enabled": True})

    assert create.call_count == 3


def test_a_success_that_is_not_json_is_refused(mocked):
    mocked.get(f"{BASE}/venues/me", body="<html>maintenance</html>", content_type="text/html")

    with pytest.raises(UnexpectedResponse, match="not JSON"):
        make_client().get_venue()


def test_a_validation_error_says_what_roller_said(mocked):
    mocked.get(
        f"{BASE}/guests/12",
        status=400,
        json={"title": "One or more validation errors occurred.", "errors": {"guestId": ["Must be a number."]}},
    )

    with pytest.raises(UnexpectedResponse, match=r"400: One or more validation errors occurred\. guestId: Must be"):
        make_client().get_guest(12)


def test_a_token_answer_without_a_token_is_refused():
    with responses.RequestsMock() as rsps:
        rsps.post(f"{BASE}/token", json={"token_type": "Bearer"})

        with pytest.raises(UnexpectedResponse, match="no access token"):
            make_client().check_credentials()


def test_a_token_request_refused_with_401_is_wrong_credentials():
    with responses.RequestsMock() as rsps:
        rsps.post(f"{BASE}/token", status=401)

        with pytest.raises(CredentialsRejected, match=r"Settings → Integrations → API keys"):
            make_client().check_credentials()


def test_ids_are_escaped_into_the_path(mocked):
    mocked.get(f"{BASE}/bookings/a%2Fb%3Fc", json={"uniqueId": "x"})

    assert make_client().get_booking("a/b?c") == {"uniqueId": "x"}


def test_the_token_request_body_and_headers(mocked):
    mocked.get(f"{BASE}/venues/me", json={"id": 1})

    make_client().get_venue()

    token_call, venue_call = mocked.calls
    assert token_call.request.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert b'"client_id": "client-1"' in token_call.request.body
    assert venue_call.request.headers["Authorization"] == "Bearer tok-1"
    assert venue_call.request.headers["Accept"] == "application/json"


def test_time_outs_and_attempts_come_from_settings(settings):
    settings.ROLLER_HTTP_TIMEOUT = 7
    settings.ROLLER_HTTP_ATTEMPTS = 5

    client = make_client()

    assert (client.timeout, client.attempts) == ((7.0, 7.0), 5)


def test_the_secret_is_not_in_the_clients_repr():
    assert SECRET not in repr(make_client())


def test_failures_are_logged_without_secrets(mocked, caplog):
    mocked.get(f"{BASE}/venues/me", status=503)
    caplog.set_level(logging.DEBUG, logger="integrations.roller.client")

    with pytest.raises(RollerUnavailable):
        make_client(attempts=2).get_venue()

    lines = [r.getMessage() for r in caplog.records if r.name == "integrations.roller.client"]
    assert lines[0].startswith("ROLLER POST /token -> 200 in ")
    assert [line.split(" in ")[0] for line in lines[1:]] == ["ROLLER GET /venues/me -> 503"] * 2
    assert not any(SECRET in line or "tok-1" in line for line in caplog.text.splitlines())


# --- day windows ---------------------------------------------------------------------------


def test_a_range_of_days_is_split_into_one_day_windows():
    assert day_windows(dt.date(2026, 3, 28), dt.date(2026, 3, 31), tz=AMSTERDAM) == [
        ("2026-03-28", "2026-03-29"),
        ("2026-03-29", "2026-03-30"),  # 23 real hours (clocks go forward): still one venue day
        ("2026-03-30", "2026-03-31"),
    ]


def test_windows_keep_times_when_not_at_midnight():
    assert day_windows(dt.datetime(2026, 7, 1, 6, 30), dt.datetime(2026, 7, 2, 12, 0), tz=None) == [
        ("2026-07-01T06:30:00", "2026-07-02T06:30:00"),
        ("2026-07-02T06:30:00", "2026-07-02T12:00:00"),
    ]


def test_aware_moments_are_turned_into_venue_time():
    start = dt.datetime(2026, 6, 30, 22, 0, tzinfo=dt.UTC)  # midnight in Amsterdam

    assert day_windows(start, start + dt.timedelta(days=1), tz=AMSTERDAM) == [("2026-07-01", "2026-07-02")]


@pytest.mark.parametrize(
    ("start", "end", "tz", "message"),
    [
        (dt.date(2026, 7, 2), dt.date(2026, 7, 1), AMSTERDAM, "end must be after"),
        (dt.date(2026, 7, 1), dt.date(2026, 7, 1), AMSTERDAM, "end must be after"),
        (dt.datetime(2026, 7, 1, tzinfo=dt.UTC), dt.datetime(2026, 7, 2, tzinfo=dt.UTC), None, "time zone"),
    ],
)
def test_impossible_windows_are_refused_before_any_call(start, end, tz, message):
    with pytest.raises(ValueError, match=message):
        day_windows(start, end, tz=tz)


def test_a_reporting_iterator_refuses_a_bad_window_before_calling(mocked):
    rows = make_client().iter_customers(dt.date(2026, 7, 2), dt.date(2026, 7, 1))

    with pytest.raises(ValueError):
        next(rows)
    assert len(mocked.calls) == 0
