"""The client over real HTTP against the stand-in: each failure class told apart as delivery
needs it (issue 15, Delivery that loses nothing)."""

import logging

import pytest

from integrations.activate.client import PRODUCTS_PER_REQUEST, ActivateClient, retry_after_seconds
from integrations.activate.errors import ActivateAuthRefused, ActivateRejected, ActivateRetryable, ActivateUnreachable


def purchase(orderid="B-1", **fields):
    return {
        "event": "Purchase",
        "email": "mia@example.com",
        "orderid": orderid,
        "timestamp": "2026-07-01T14:05:00+02:00",
        "products": [{"id": "1-107400", "name": "Jump 60 min", "price": 16.5, "quantity": 2}],
        **fields,
    }


@pytest.fixture
def client(activate_sandbox):
    client = ActivateClient(
        base_url=activate_sandbox.url, account_id=activate_sandbox.account_id, api_key=activate_sandbox.api_key
    )
    yield client
    client.close()


def test_the_credentials_check_passes_with_the_right_account_and_key(client, activate_sandbox):
    client.credentials_check()
    assert activate_sandbox.requests()[-1]["path"] == "/v1/contacts"


def test_a_wrong_key_is_refused_and_pauses_rather_than_fails(activate_sandbox):
    client = ActivateClient(base_url=activate_sandbox.url, account_id=activate_sandbox.account_id, api_key="wrong")
    with pytest.raises(ActivateAuthRefused) as refused:
        client.credentials_check()
    assert refused.value.status == 401
    assert "check them in Activate" in str(refused.value)


def test_a_revoked_key_is_refused_with_403(client, activate_sandbox):
    activate_sandbox.fault("revoked")
    with pytest.raises(ActivateAuthRefused) as refused:
        client.events_track([purchase()])
    assert refused.value.status == 403


def test_an_unreachable_service_is_told_apart_from_a_wrong_key():
    client = ActivateClient(base_url="http://127.0.0.1:9", account_id="a", api_key="k", timeout=(1, 1))
    with pytest.raises(ActivateUnreachable):
        client.credentials_check()


def test_a_400_fails_at_once_keeping_activates_first_error(client):
    with pytest.raises(ActivateRejected) as rejected:
        client.events_track([purchase(timestamp="01-07-2026")])
    assert rejected.value.status == 400
    assert rejected.value.activate_message == "TIMESTAMP_ERROR"
    assert not isinstance(rejected.value, ActivateRetryable)


def test_a_purchase_without_orderid_is_rejected_with_the_reason(client):
    with pytest.raises(ActivateRejected) as rejected:
        client.events_track([purchase(orderid="")])
    assert rejected.value.activate_message == "Purchase: orderid is required"


def test_a_429_is_retryable_with_retry_after(client, activate_sandbox):
    activate_sandbox.fault("429", retry_after=7)
    with pytest.raises(ActivateRetryable) as limited:
        client.events_track([purchase()])
    assert (limited.value.status, limited.value.retry_after) == (429, 7.0)
    client.events_track([purchase()])  # the fault was for one call only
    assert len(activate_sandbox.state()["purchases"]) == 1


def test_a_500_is_retryable_without_retry_after(client, activate_sandbox):
    activate_sandbox.fault("500")
    with pytest.raises(ActivateRetryable) as failed:
        client.products_upsert([{"id": "1-107400", "title": "Jump"}])
    assert (failed.value.status, failed.value.retry_after) == (500, None)


def test_a_time_out_is_retryable(activate_sandbox):
    activate_sandbox.fault("slow", seconds=1.5)
    client = ActivateClient(
        base_url=activate_sandbox.url, account_id=activate_sandbox.account_id, api_key=activate_sandbox.api_key,
        timeout=(1, 0.3),
    )  # fmt: skip
    with pytest.raises(ActivateRetryable) as timed_out:
        client.events_track([purchase()])
    assert isinstance(timed_out.value, ActivateUnreachable)
    assert timed_out.value.status is None


def test_events_go_in_batches_over_one_kept_alive_connection(activate_sandbox):
    client = ActivateClient(
        base_url=activate_sandbox.url, account_id=activate_sandbox.account_id, api_key=activate_sandbox.api_key,
        events_per_request=2,
    )  # fmt: skip
    assert client.events_track([purchase(f"B-{n}") for n in range(5)]) == 5
    calls = activate_sandbox.requests()
    assert [call["items"] for call in calls] == [2, 2, 1]
    assert len({call["peer"] for call in calls}) == 1
    assert len(activate_sandbox.state()["purchases"]) == 5


def test_a_failure_mid_way_says_how_many_went_before_it(activate_sandbox):
    client = ActivateClient(
        base_url=activate_sandbox.url, account_id=activate_sandbox.account_id, api_key=activate_sandbox.api_key,
        events_per_request=2,
    )  # fmt: skip
    events = [purchase("B-1"), purchase("B-2"), purchase("B-3", timestamp="yesterday")]
    with pytest.raises(ActivateRejected) as rejected:
        client.events_track(events)
    assert rejected.value.accepted == 2


def test_products_are_upserted_150_a_request_and_deleted(client, activate_sandbox):
    products = [
        {"id": f"1-{n}", "title": f"Product {n}", "language": "nl_NL"} for n in range(PRODUCTS_PER_REQUEST + 10)
    ]
    result = client.products_upsert(products)
    assert (result.created, result.updated, result.errors) == (160, 0, ())
    assert [call["items"] for call in activate_sandbox.requests()] == [150, 10]
    assert client.products_upsert(products[:3]).updated == 3

    assert client.products_delete([{"id": "1-0", "language": "nl_NL"}]) == 1
    assert activate_sandbox.requests()[-1]["path"] == "/products"
    assert len(activate_sandbox.state()["products"]) == 159


def test_the_key_is_never_logged_nor_shown(activate_sandbox, caplog):
    client = ActivateClient(base_url=activate_sandbox.url, account_id=activate_sandbox.account_id, api_key="wrong-key")
    with caplog.at_level(logging.DEBUG), pytest.raises(ActivateAuthRefused) as refused:
        client.events_track([purchase()])
    assert "wrong-key" not in caplog.text + str(refused.value) + repr(client)
    assert "X-AUTH" not in caplog.text


@pytest.mark.parametrize(("header", "seconds"), [("12", 12.0), (None, None), ("soon", None)])
def test_retry_after_is_read_in_seconds(header, seconds):
    assert retry_after_seconds(header) == seconds


def test_products_activate_skipped_are_in_the_result_not_raised(client):
    result = client.products_upsert([{"id": "1-1", "title": "Jump"}, {"title": "No id"}])
    assert (result.created, result.errors) == (1, ("products[1]: id is required",))
