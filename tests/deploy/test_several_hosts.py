"""Web and workers on separate hosts, sharing only PostgreSQL and Redis.

Two copies of the working tree stand for two machines, each with its own `var/` and its own
time zone: host A runs the web and the dispatcher, host B the workers and beat. A booking
webhook that A stores is processed by B. Nothing is shared through local files, a cache in
memory, or a local clock.
"""

import os

import psycopg
import pytest

from tests.deploy.production_stack import (
    Honcho,
    answers,
    checkout_copy,
    database_url,
    free_port,
    manage,
    order_stored,
    production_env,
    redis_url,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker]

DATABASE = "connector_check_two_hosts"
REDIS_DB = int(os.environ.get("TWO_HOSTS_CHECK_REDIS_DB", "11"))
HOSTS = {"a": "America/Los_Angeles", "b": "Asia/Tokyo"}


def test_a_webhook_stored_by_the_web_host_is_processed_by_the_worker_host(tmp_path, certificate, trusting_sandbox):
    cert, key = certificate
    web_port, database, broker = free_port(), database_url(DATABASE), redis_url(REDIS_DB)
    hosts, envs = {}, {}
    for name, zone in HOSTS.items():
        hosts[name] = checkout_copy(tmp_path / f"host-{name}")
        envs[name] = {
            **production_env(
                database=database,
                broker=broker,
                web_port=web_port,
                certificate=cert,
                key=key,
                sandbox_url=trusting_sandbox.url,
            ),
            "TZ": zone,
            "STATIC_ROOT": str(hosts[name] / "staticfiles"),
            "CELERY_BEAT_SCHEDULE_FILE": str(tmp_path / f"host-{name}-celerybeat-schedule"),
        }
    # One deployment: the same keys on every host.
    for variable in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS"):
        envs["b"][variable] = envs["a"][variable]
    manage(envs["a"], "migrate", "--no-input", cwd=hosts["a"])
    manage(envs["a"], "collectstatic", "--no-input", cwd=hosts["a"])

    web = Honcho(envs["a"], tmp_path / "host-a.log", port=web_port, processes=("web", "dispatcher"), cwd=hosts["a"])
    workers = Honcho(
        envs["b"], tmp_path / "host-b.log", port=free_port(), processes=("events", "imports", "beat"), cwd=hosts["b"]
    )
    try:
        base = f"https://127.0.0.1:{web_port}"
        wait_until(lambda: answers(f"{base}/healthz", certificate=cert), timeout=60, what="host A's web up", stack=web)
        manage(
            envs["b"], "roller_connect", "--contacts-lookback-days", "1", "--orders-lookback-days", "1", cwd=hosts["b"]
        )

        booking = trusting_sandbox.online_booking(email="two-hosts@example.com", firstName="Kim", lastName="Hosts")

        wait_until(
            lambda: order_stored(database, booking["uniqueId"]), timeout=90, what="the order stored", stack=workers
        )
    finally:
        web.stop()
        workers.stop()

    # Host A took the webhook and has no worker: host B processed it.
    assert "POST /webhooks/roller/" in web.output()
    assert "events.1" not in web.output() and "web.1" not in workers.output()
    with psycopg.connect(database.replace("postgres://", "postgresql://")) as conn:
        received, processed, lag = conn.execute(
            "SELECT received_at, processed_at, now() - processed_at FROM integrations_webhookevent "
            "WHERE object_type = 'Booking' AND status = 'processed' AND subject_reference = %s",
            [booking["bookingReference"]],
        ).fetchone()
    # Each host's clock and zone: stamps in UTC, in order, and close to the database's now.
    assert received <= processed
    assert abs(lag.total_seconds()) < 120
    for host in hosts.values():
        assert not (host / "var").exists(), "a production process wrote local state under var/"
