"""Token endpoint and the 401 / 403 / 400 answers ROLLER gives."""

from __future__ import annotations

import re
import time

import requests


def _token(sandbox, body):
    return requests.post(f"{sandbox.url}/token", json=body, timeout=10)


def test_token_is_issued_for_the_demo_credentials(roller_sandbox):
    response = _token(
        roller_sandbox, {"client_id": roller_sandbox.client_id, "client_secret": roller_sandbox.client_secret}
    )

    assert response.status_code == 200
    body = response.json()
    assert re.fullmatch(r"[0-9a-f]{32}", body["access_token"])
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 86400


def test_token_accepts_camel_case_keys_and_ignores_grant_type(roller_sandbox):
    response = _token(
        roller_sandbox,
        {
            "clientId": roller_sandbox.client_id,
            "clientSecret": roller_sandbox.client_secret,
            "grant_type": "client_credentials",
        },
    )

    assert response.status_code == 200


def test_wrong_credentials_get_invalid_client(roller_sandbox):
    response = _token(roller_sandbox, {"client_id": roller_sandbox.client_id, "client_secret": "wrong"})

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_client"}


def test_call_without_or_with_unknown_token_is_401_with_empty_body(roller_sandbox):
    without = requests.get(f"{roller_sandbox.url}/venues/me", timeout=10)
    unknown = requests.get(
        f"{roller_sandbox.url}/venues/me", headers={"Authorization": "Bearer " + "0" * 32}, timeout=10
    )

    assert (without.status_code, without.content) == (401, b"")
    assert (unknown.status_code, unknown.content) == (401, b"")


def test_expired_tokens_answer_401_until_a_new_token_is_fetched(roller_sandbox, api):
    assert api.get("/venues/me").status_code == 200

    roller_sandbox.expire_tokens()

    assert api.get("/venues/me").status_code == 401
    fresh = {"Authorization": f"Bearer {roller_sandbox.token()}"}
    assert requests.get(f"{roller_sandbox.url}/venues/me", headers=fresh, timeout=10).status_code == 200


def test_token_ttl_is_configurable_and_enforced(roller_sandbox):
    roller_sandbox.configure(token_ttl_seconds=1)
    token = _token(
        roller_sandbox, {"client_id": roller_sandbox.client_id, "client_secret": roller_sandbox.client_secret}
    ).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    assert token["expires_in"] == 1
    assert requests.get(f"{roller_sandbox.url}/venues/me", headers=headers, timeout=10).status_code == 200
    time.sleep(1.1)
    assert requests.get(f"{roller_sandbox.url}/venues/me", headers=headers, timeout=10).status_code == 401


def test_venue_without_api_access_gets_a_token_but_403_everywhere(roller_sandbox):
    token = _token(
        roller_sandbox,
        {"client_id": roller_sandbox.noaccess_client_id, "client_secret": roller_sandbox.noaccess_client_secret},
    )
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

    assert token.status_code == 200
    for path in ("/venues/me", "/products", "/data/waivers"):
        response = requests.get(f"{roller_sandbox.url}{path}", headers=headers, timeout=10)
        assert response.status_code == 403
        assert "API access" in response.json()["message"]


def test_token_requests_are_counted(roller_sandbox):
    for _ in range(3):
        roller_sandbox.token()
    _token(roller_sandbox, {"client_id": "nobody", "client_secret": "x"})

    stats = roller_sandbox.stats()

    assert stats["tokenRequests"] == 4
    assert stats["tokenRequestsByClient"][roller_sandbox.client_id] == 3
