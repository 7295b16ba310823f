"""The stand-in over real HTTP: what it checks and how it holds what it is sent."""

import pytest
import requests


def track(sandbox, body, **headers):
    auth = {"X-AUTH-ACCOUNT": sandbox.account_id, "X-AUTH-APIKEY": sandbox.api_key}
    return requests.post(f"{sandbox.url}/v1/track", json=body, headers={**auth, **headers}, timeout=5)


def purchase(orderid="B-1", total="33.00", **fields):
    return {
        "event": "Purchase",
        "email": "Mia@Example.com",
        "orderid": orderid,
        "timestamp": "2026-07-01T14:05:00+02:00",
        "totalvalue": total,
        "products": [{"id": "1-107400", "price": 16.5, "quantity": 2}],
        **fields,
    }


@pytest.mark.parametrize("missing", ["X-AUTH-ACCOUNT", "X-AUTH-APIKEY"])
def test_both_headers_are_required(activate_sandbox, missing):
    headers = {"X-AUTH-ACCOUNT": activate_sandbox.account_id, "X-AUTH-APIKEY": activate_sandbox.api_key}
    del headers[missing]
    response = requests.post(f"{activate_sandbox.url}/v1/verifyAuth", headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json()["errors"][0].startswith("Authentication failed")


def test_verify_auth_answers_verified(activate_sandbox):
    headers = {"X-AUTH-ACCOUNT": activate_sandbox.account_id, "X-AUTH-APIKEY": activate_sandbox.api_key}
    response = requests.post(f"{activate_sandbox.url}/v1/verifyAuth?channel=2", headers=headers, timeout=5)
    assert response.json() == {"verified": True}


def test_a_bare_event_and_a_list_of_events_are_both_taken(activate_sandbox):
    assert track(activate_sandbox, purchase("B-1")).status_code == 200
    assert track(activate_sandbox, {"events": [purchase("B-2"), purchase("B-3")]}).status_code == 200
    assert [p["orderid"] for p in activate_sandbox.state()["purchases"]] == ["B-1", "B-2", "B-3"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"orderid": ""}, "Purchase: orderid is required"),
        ({"email": ""}, "Purchase: email is required"),
        ({"products": []}, "Purchase: products is required"),
        ({"products": [{"id": "1-107400"}]}, "Purchase: products[0] needs id and quantity"),
        ({"newsletter": "true"}, "newsletter must be yes or no"),
    ],
)
def test_purchase_fields_are_checked(activate_sandbox, change, message):
    response = track(activate_sandbox, purchase(**change))
    assert (response.status_code, response.json()["errors"][0]) == (400, message)


def test_one_bad_event_refuses_its_whole_request_naming_it(activate_sandbox):
    response = track(activate_sandbox, {"events": [purchase("B-1"), purchase("")]})
    assert response.json()["errors"] == ["events[1]: Purchase: orderid is required"]
    assert activate_sandbox.state()["purchases"] == []


@pytest.mark.parametrize("timestamp", ["01-07-2026 14:05", "yesterday", 1.5, "2026-13-45"])
def test_a_timestamp_that_is_neither_seconds_nor_a_date_is_a_timestamp_error(activate_sandbox, timestamp):
    response = track(activate_sandbox, purchase(timestamp=timestamp))
    assert (response.status_code, response.json()) == (400, {"errors": ["TIMESTAMP_ERROR"]})


@pytest.mark.parametrize(
    ("timestamp", "at", "read_as"),
    [
        ("2026-07-01T14:05:00+02:00", "2026-07-01T12:05:00+00:00", "offset"),
        (1782907500, "2026-07-01T12:05:00+00:00", "epoch seconds"),
        # No offset: read as CET (summer time in July), so a time meant as UTC lands 2 h early.
        ("2026-07-01 14:05:00", "2026-07-01T12:05:00+00:00", "no offset: read as CET"),
        ("2026-01-15 14:05:00", "2026-01-15T13:05:00+00:00", "no offset: read as CET"),
    ],
)
def test_times_are_read_as_activate_reads_them(activate_sandbox, timestamp, at, read_as):
    assert track(activate_sandbox, purchase(timestamp=timestamp)).status_code == 200
    held = activate_sandbox.state()["purchases"][0]
    assert (held["at"], held["timestamp_read_as"]) == (at, read_as)


def test_merge_keeps_one_purchase_per_orderid(activate_sandbox):
    track(activate_sandbox, purchase("B-1", total="33.00"))
    track(activate_sandbox, purchase("B-1", total="49.50"))
    state = activate_sandbox.state()
    assert [(p["orderid"], p["revenue"], p["times_received"]) for p in state["purchases"]] == [("B-1", 49.5, 2)]
    assert state["revenue"] == 49.5


def test_append_counts_a_repeated_orderid_again(activate_sandbox):
    activate_sandbox.configure(repeated_orderid="append")
    track(activate_sandbox, purchase("B-1", total="33.00"))
    track(activate_sandbox, purchase("B-1", total="33.00"))
    state = activate_sandbox.state()
    assert [p["orderid"] for p in state["purchases"]] == ["B-1", "B-1"]
    assert state["revenue"] == 66.0


def test_revenue_is_price_times_quantity_without_totalvalue(activate_sandbox):
    event = purchase()
    del event["totalvalue"]
    track(activate_sandbox, event)
    assert activate_sandbox.state()["purchases"][0]["revenue"] == 33.0


def test_profile_fields_overwrite_and_absent_fields_stay(activate_sandbox):
    track(activate_sandbox, {"event": "CRMUpdate", "email": "mia@example.com", "firstname": "Mia", "city": "Utrecht"})
    track(activate_sandbox, {"event": "EmailOptIn", "email": "mia@example.com", "newsletter": "no"})
    (profile,) = activate_sandbox.state()["profiles"]
    assert (profile["firstname"], profile["city"], profile["newsletter"]) == ("Mia", "Utrecht", "no")


def test_a_custom_field_not_created_first_is_refused_when_the_account_lists_its_fields(activate_sandbox):
    activate_sandbox.configure(custom_fields=["custom_venue"])
    assert track(activate_sandbox, purchase(custom_venue="Jump Utrecht")).status_code == 200
    response = track(activate_sandbox, purchase(custom_status="Paid"))
    assert response.json()["errors"] == ["custom field custom_status does not exist: create it in Activate first"]


def test_reset_restores_the_switches(activate_sandbox):
    activate_sandbox.configure(repeated_orderid="append")
    activate_sandbox.reset()
    assert activate_sandbox.configure()["repeated_orderid"] == "merge"


def test_the_view_shows_profiles_purchases_and_catalogue(activate_sandbox):
    track(activate_sandbox, purchase("B-77", newsletter="yes"))
    page = requests.get(f"{activate_sandbox.url}/", timeout=5)
    assert page.headers["Content-Type"].startswith("text/html")
    assert "B-77" in page.text and "mia@example.com" in page.text
    assert activate_sandbox.state()["profiles"][0]["newsletter"] == "yes"


def test_a_custom_event_needs_an_email_or_a_userid(activate_sandbox):
    assert track(activate_sandbox, {"event": "BookingCancelled", "userid": "42"}).status_code == 200
    response = track(activate_sandbox, {"event": "BookingCancelled", "orderid": "B-1"})
    assert response.json()["errors"] == ["BookingCancelled: email is required"]


def test_a_request_over_the_configured_limit_is_too_large(activate_sandbox):
    activate_sandbox.configure(max_items_per_request=1)
    response = track(activate_sandbox, {"events": [purchase("B-1"), purchase("B-2")]})
    assert (response.status_code, response.json()["errors"]) == (413, ["At most 1 events per request"])
