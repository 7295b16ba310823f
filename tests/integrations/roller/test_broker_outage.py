"""The broker (Redis) down while bookings arrive, with a real worker (issue 13, "Recovery without a
person"): every booking answered 200 is stored, and once Redis is back each is processed, once,
within the wide bound below (the target is 60 s; bench/bench_recovery.py prints the figure),
by the same worker and dispatcher processes: nobody restarts anything.

The test runs a Redis of its own on a free port, so stopping it stops nothing anyone else uses
(the shared Redis and PostgreSQL are never touched). The worker and the dispatcher are real
processes on the test database; the worker fetches each booking's holder from the sandbox over
HTTP. PostgreSQL only (the worker is another process and must see the test database).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection as db

from integrations.models import Order, RecordOutcome, WebhookEvent
from integrations.outcomes import Entity
from tests.factories import ProductFactory, RollerSettingsFactory
from tests.support.webhooks import WEBHOOK_KEY, envelope

REPO_ROOT = Path(__file__).resolve().parents[3]
RECOVERY_BOUND_SECONDS = 120
BOOKINGS = 8
OUTAGE_SECONDS = 10
pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A Redis server of this test's own, without persistence: a restart comes back empty, as
    a Redis that lost its data does."""

    def __init__(self, workdir: Path) -> None:
        self.port, self.workdir, self.process = free_port(), workdir, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not self.answers():
            assert self.process.poll() is None, "redis-server exited at start-up"
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def answers(self) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0


@pytest.fixture
def own_redis(tmp_path):
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("needs Redis as the broker (as on CI): set CELERY_BROKER_URL=redis://127.0.0.1:6379/15")
    if shutil.which("redis-server") is None:
        pytest.skip("needs the redis-server program, to run a Redis of the test's own")
    redis = OwnRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


def start(command: list[str], *, redis: OwnRedis, log: Path) -> subprocess.Popen:
    database = db.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "connector_site.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_BROKER_URL": redis.url,
        "ROLLER_PACING_ENABLED": "false",
    }
    return subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def worker_and_dispatcher(own_redis, tmp_path):
    """One events worker and the dispatcher, both on the test's own Redis."""
    logs = tmp_path / "worker.log", tmp_path / "dispatcher.log"
    worker = start(
        [sys.executable, "-m", "celery", "-A", "connector_site", "worker", "-Q", "events", "--concurrency", "1",
         "--pool", "prefork", "--loglevel", "INFO", "--without-mingle", "--without-gossip"],
        redis=own_redis, log=logs[0],
    )  # fmt: skip
    dispatcher = start([sys.executable, "manage.py", "dispatch_events", "--poll", "0.1"], redis=own_redis, log=logs[1])
    try:
        deadline = time.monotonic() + 60
        while "ready." not in logs[0].read_text():
            assert worker.poll() is None, logs[0].read_text()
            assert time.monotonic() < deadline, "the worker did not start:\n" + logs[0].read_text()
            time.sleep(0.2)
        yield worker, dispatcher, logs
    finally:
        stop(dispatcher)
        stop(worker)


@pytest.fixture
def connection(sandbox):
    roller = RollerSettingsFactory(
        custom_base_url=sandbox.url,
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
        webhook_key=WEBHOOK_KEY,
    )
    for product_id in (123999221, 970411, 107400):  # the booking fixture's products
        ProductFactory(connection=roller.connection, external_id=str(product_id))
    return roller.connection


def deliver_booking(client, connection, holder: int, number: int):
    message = envelope("booking_created", customerId=holder, bookingReference=f"B{number}", uniqueId=f"u-{number}")
    return client.post(
        f"/webhooks/roller/{connection.public_id}/", data=message, content_type="application/json",
        HTTP_X_ROLLER_APIKEY=WEBHOOK_KEY,
    )  # fmt: skip


def all_processed(ids: list[int], *, within: float, logs) -> float:
    """Seconds until every event is processed; fails with the logs after `within`."""
    began = time.monotonic()
    waiting = WebhookEvent.objects.filter(pk__in=ids).exclude(status=WebhookEvent.Status.PROCESSED)
    while waiting.exists():
        if time.monotonic() - began > within:
            states = list(waiting.values_list("pk", "status", "last_error"))
            pytest.fail(f"not processed {within} s after Redis was back: {states}\n" + "\n".join(
                f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs))  # fmt: skip
        time.sleep(0.2)
    return time.monotonic() - began


def test_bookings_stored_while_redis_was_down_are_each_processed_once_soon_after_it_returns(
    client, sandbox, connection, own_redis, worker_and_dispatcher
):
    worker, dispatcher, logs = worker_and_dispatcher
    holder = sandbox.online_booking(newGuest=True)["customerId"]
    assert deliver_booking(client, connection, holder, 0).status_code == 200
    all_processed(list(WebhookEvent.objects.values_list("pk", flat=True)), within=60, logs=logs)  # all connected

    own_redis.stop()
    answers = [deliver_booking(client, connection, holder, number).status_code for number in range(1, BOOKINGS + 1)]
    time.sleep(OUTAGE_SECONDS)  # the dispatcher and the worker try a broker that is down

    assert answers == [200] * BOOKINGS
    assert WebhookEvent.objects.filter(status=WebhookEvent.Status.RECEIVED).count() == BOOKINGS  # stored, waiting

    own_redis.start()
    ids = list(WebhookEvent.objects.values_list("pk", flat=True))
    recovered_in = all_processed(ids, within=RECOVERY_BOUND_SECONDS, logs=logs)

    print(f"every booking processed {recovered_in:.1f} s after Redis was back")  # shown with -s
    assert recovered_in < RECOVERY_BOUND_SECONDS
    assert (worker.poll(), dispatcher.poll()) == (None, None)  # the same processes throughout
    assert Order.objects.filter(connection=connection).count() == BOOKINGS + 1
    orders = RecordOutcome.objects.filter(entity=Entity.ORDER).values_list("source_id", flat=True)
    assert sorted(orders) == sorted(set(orders)) and len(orders) == BOOKINGS + 1  # none processed twice
    assert set(WebhookEvent.objects.values_list("attempts", flat=True)) == {1}
