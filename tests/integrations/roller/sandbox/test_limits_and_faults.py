"""Rate limits with their lock-out, and injected faults for client tests."""

from __future__ import annotations

import time

import pytest
import requests


def test_rest_limit_gives_429_then_locks_out_the_credential(roller_sandbox, api):
    roller_sandbox.configure(rest_limit=3, lockout_seconds=1.0)

    statuses = [api.get("/venues/me").status_code for _ in range(4)]
    limited = api.get("/venues/me")

    assert statuses == [200, 200, 200, 429]
    assert limited.status_code == 429 and limited.content == b""
    assert int(limited.headers["Retry-After"]) >= 1
    time.sleep(1.1)
    assert api.get("/venues/me").status_code == 200


def test_reporting_has_its_own_limit(roller_sandbox, api):
    roller_sandbox.configure(reporting_limit=2, lockout_seconds=30.0)

    statuses = [api.get("/data/waivers").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert api.get("/venues/me").status_code == 200
    assert roller_sandbox.stats()["rateLimited"] == 1


def test_limits_can_be_switched_off(roller_sandbox, api):
    roller_sandbox.configure(rest_limit=1, rate_limit_enabled=False)

    assert {api.get("/venues/me").status_code for _ in range(5)} == {200}


def test_the_window_slides(roller_sandbox, api):
    roller_sandbox.configure(rest_limit=2, rate_window_seconds=0.5, lockout_seconds=5.0)

    assert [api.get("/venues/me").status_code for _ in range(2)] == [200, 200]
    time.sleep(0.6)
    assert api.get("/venues/me").status_code == 200


@pytest.mark.parametrize("status", [500, 503, 429])
def test_fault_answers_the_next_n_matching_calls(roller_sandbox, api, status):
    roller_sandbox.fault("/data/", status=status, count=2, retry_after=7)

    answers = [api.get("/data/waivers") for _ in range(3)]

    assert [a.status_code for a in answers] == [status, status, 200]
    assert api.get("/venues/me").status_code == 200
    if status == 429:
        assert answers[0].headers["Retry-After"] == "7"


def test_fault_can_hang_to_exercise_client_timeouts(roller_sandbox, api):
    roller_sandbox.fault("/venues", hang_seconds=1.5)

    with pytest.raises(requests.Timeout):
        api.session.get(f"{api.url}/venues/me", timeout=0.3)
    assert api.get("/venues/me").status_code == 200


def test_fault_on_the_token_endpoint(roller_sandbox):
    roller_sandbox.fault("/token", status=503)

    with pytest.raises(requests.HTTPError):
        roller_sandbox.token()
    assert roller_sandbox.token()
    assert roller_sandbox.stats()["tokenRequests"] == 2
