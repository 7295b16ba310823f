"""Fixtures of the production checks: a certificate and a ROLLER sandbox that trusts it."""

import pytest

from tests.deploy.production_stack import free_port, self_signed_certificate
from tests.fixtures import roller_sandbox as sandbox_fixture


@pytest.fixture
def web_port() -> int:
    return free_port()


@pytest.fixture
def certificate(tmp_path):
    """(certificate, key) for https://127.0.0.1, made for this test."""
    return self_signed_certificate(tmp_path)


@pytest.fixture
def trusting_sandbox(tmp_path, monkeypatch, certificate):
    """A ROLLER sandbox of this test's own that trusts the certificate gunicorn serves, so it
    delivers its webhooks over HTTPS as ROLLER does."""
    with monkeypatch.context() as env:
        env.setenv("REQUESTS_CA_BUNDLE", str(certificate[0]))
        (tmp_path / "sandbox").mkdir()
        process = sandbox_fixture._start(tmp_path / "sandbox")
    try:
        yield sandbox_fixture.RollerSandbox(process.url)
    finally:
        sandbox_fixture._stop(process.process)
