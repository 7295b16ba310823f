"""The Procfile, started with honcho on PostgreSQL and Redis with the production settings
unchanged, takes an authenticated ROLLER webhook over HTTPS and stores the order.

The ROLLER sandbox is the sender, as ROLLER would be: it posts the booking's webhook with the
connection's `x-roller-apikey` to the https:// address the connection registered, trusting
this check's self-signed certificate; the events worker fetches the booking's holder from it.
Its own database and Redis database number (PROCFILE_CHECK_REDIS_DB), so it never meets the
test database or another check's queue.
"""

import os

import pytest

from tests.deploy.production_stack import (
    Honcho,
    answers,
    database_url,
    manage,
    order_stored,
    production_env,
    redis_url,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker]

DATABASE = "connector_check_procfile"
REDIS_DB = int(os.environ.get("PROCFILE_CHECK_REDIS_DB", "12"))


def test_the_procfile_on_production_settings_stores_an_order_from_an_authenticated_webhook(
    tmp_path, certificate, trusting_sandbox, web_port
):
    cert, key = certificate
    database = database_url(DATABASE)
    env = production_env(
        database=database,
        broker=redis_url(REDIS_DB),
        web_port=web_port,
        certificate=cert,
        key=key,
        sandbox_url=trusting_sandbox.url,
    )
    env["STATIC_ROOT"] = str(tmp_path / "staticfiles")
    env["CELERY_BEAT_SCHEDULE_FILE"] = str(tmp_path / "celerybeat-schedule")
    # The deploy steps of the README.
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input")
    manage(env, "check", "--deploy")

    stack = Honcho(env, tmp_path / "honcho.log", port=web_port)
    try:
        base = f"https://127.0.0.1:{web_port}"
        wait_until(lambda: answers(f"{base}/healthz", certificate=cert), timeout=60, what="web up", stack=stack)
        assert answers(f"{base}/static/css/app.css", certificate=cert)

        manage(env, "roller_connect", "--contacts-lookback-days", "1", "--orders-lookback-days", "1")
        [webhook] = trusting_sandbox.webhooks()
        assert webhook["url"].startswith(f"{base}/webhooks/roller/")
        assert webhook["configuration"]["authentication"]["apiKey"]

        booking = trusting_sandbox.online_booking(email="procfile-check@example.com", firstName="Pat", lastName="Check")

        wait_until(
            lambda: order_stored(database, booking["uniqueId"]), timeout=90, what="the order stored", stack=stack
        )
        delivered = [d for d in trusting_sandbox.deliveries() if d["type"] == "Booking" and d["status"] == 200]
        assert delivered, trusting_sandbox.deliveries()
    finally:
        stack.stop()
    output = stack.output()
    for process in ("web", "dispatcher", "events", "imports", "exports", "beat"):
        assert f" {process}.1 " in output or f"{process}.1 |" in output, f"{process} did not run:\n{output}"
