"""ROLLER's rate limits are per credential set, so every process calling ROLLER with the same
credentials shares one pace (integrations.roller.pacing), on the embedded stack (SQLite) and in
production (PostgreSQL); without the database, a process paces alone and says so."""

import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from django.db.utils import load_backend

from integrations.roller import pacing
from integrations.roller.models import PacingSlot

REPO_ROOT = Path(__file__).resolve().parents[3]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def paced(settings):
    settings.ROLLER_PACING_ENABLED = True
    pacing.reset()
    yield
    pacing.reset()


@pytest.fixture
def client_id() -> str:
    # A client id of the test's own: the shared slots outlive a test's transaction.
    return f"client-{uuid.uuid4().hex[:12]}"


def within_rate(times: list[float], family: str, *, late: int = 1) -> bool:
    """GCRA's promise: n calls never take less than (n - burst) intervals. `late` calls of
    slack for a process let go on time but scheduled a moment later."""
    per_second, burst = pacing.RATES[family]
    times = sorted(times)
    return all(
        j - i + 1 <= burst + late + (times[j] - times[i]) * per_second
        for i in range(len(times))
        for j in range(i + 1, len(times))
    )


def no_fallback(*args, **kwargs):
    raise AssertionError("paced in-process: the shared slot was not used")


# --- the GCRA --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("family", "limit_per_minute"), [(pacing.REST, 600), (pacing.REPORTING, 120)])
def test_pacing_keeps_a_minute_of_calls_inside_rollers_limit(paced, client_id, family, limit_per_minute):
    clock = FakeClock()
    calls = 0
    while clock.now < 1060.0:
        pacing.pace(client_id, family, sleep=clock.sleep, clock=clock)
        calls += 1

    assert calls < limit_per_minute * 0.85  # headroom


@pytest.mark.django_db
def test_pacing_allows_a_small_burst_then_spaces_calls(paced, client_id):
    clock = FakeClock()

    waits = [pacing.pace(client_id, pacing.REPORTING, sleep=clock.sleep, clock=clock) for _ in range(4)]

    assert waits[:2] == [0.0, 0.0]
    assert waits[2] == pytest.approx(1 / 1.5)


@pytest.mark.django_db
def test_the_pace_is_kept_in_one_row_per_credentials_and_family(paced, client_id, monkeypatch):
    monkeypatch.setattr(pacing, "local_reserve", no_fallback)
    clock = FakeClock()
    for _ in range(3):
        pacing.pace(client_id, pacing.REST, sleep=clock.sleep, clock=clock)
    pacing.pace(client_id, pacing.REPORTING, sleep=clock.sleep, clock=clock)

    slots = PacingSlot.objects.filter(client_id=client_id)
    assert sorted(slots.values_list("family", "arrival")) == [
        (pacing.REPORTING, pytest.approx(1000.0 + 1 / 1.5)),
        (pacing.REST, pytest.approx(1000.0 + 3 / 8)),
    ]


@pytest.mark.django_db
def test_different_credentials_do_not_slow_each_other(paced, client_id):
    clock = FakeClock()
    for _ in range(5):
        pacing.pace(client_id, pacing.REPORTING, sleep=clock.sleep, clock=clock)

    assert pacing.pace(client_id + "-other", pacing.REPORTING, sleep=clock.sleep, clock=clock) == 0.0


@pytest.mark.django_db
def test_pacing_can_be_switched_off(settings, client_id):
    settings.ROLLER_PACING_ENABLED = False
    clock = FakeClock()

    assert all(pacing.pace(client_id, pacing.REPORTING, sleep=clock.sleep, clock=clock) == 0 for _ in range(50))
    assert not PacingSlot.objects.filter(client_id=client_id).exists()


# --- shared by every process -------------------------------------------------------------------


def callers(database_url: str, client_ids: list[str], *, family: str, calls: int) -> list[list[float]]:
    """Start one process per client id at once; the times each let its calls go."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "connector_site.settings.test", "DATABASE_URL": database_url}
    start_at = time.time() + 4.0  # after every process has started Django
    command = [sys.executable, "-m", "tests.support.pacing_caller"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    processes = [
        subprocess.Popen([*command, client, family, str(calls), str(start_at)], cwd=REPO_ROOT, env=env, **pipes)
        for client in client_ids
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert "paced in this process only" not in err, err
        results.append([float(line) for line in out.split()])
    return results


def embedded_database(tmp_path: Path) -> str:
    """A SQLite file like the embedded stack's (WAL, a busy time-out), with the pacing table."""
    url = f"sqlite:///{tmp_path / 'embedded.sqlite3'}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "connector_site.settings.test", "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "tests.support.pacing_caller", "--create-table"],
        cwd=REPO_ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    return url


def test_two_processes_on_the_embedded_stack_share_one_pace(tmp_path):
    url = embedded_database(tmp_path)

    first, second = callers(url, ["client-1", "client-1"], family=pacing.REST, calls=12)

    assert min(second) < max(first) and min(first) < max(second)  # they did overlap
    assert within_rate(first + second, pacing.REST)


def test_two_processes_with_different_credentials_on_the_embedded_stack_do_not_wait_for_each_other(tmp_path):
    url = embedded_database(tmp_path)

    first, second = callers(url, ["client-1", "client-2"], family=pacing.REST, calls=12)

    # Each alone is paced; together they go at twice the rate of one credential set.
    assert within_rate(first, pacing.REST) and within_rate(second, pacing.REST)
    assert not within_rate(first + second, pacing.REST, late=0)


@pytest.mark.postgres
@pytest.mark.django_db
def test_two_processes_on_postgresql_share_one_pace(client_id):
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"

    first, second = callers(url, [client_id, client_id], family=pacing.REST, calls=12)

    assert min(second) < max(first) and min(first) < max(second)
    assert within_rate(first + second, pacing.REST)


@pytest.mark.django_db(transaction=True)
def test_threads_with_connections_of_their_own_share_one_pace(paced, client_id, monkeypatch):
    # No in-process state may carry the pace from one thread to the other: only the table.
    monkeypatch.setattr(pacing, "local_reserve", no_fallback)
    times: list[float] = []
    errors: list[BaseException] = []

    def call_five_times() -> None:
        try:
            for _ in range(5):
                pacing.pace(client_id, pacing.REPORTING)
                times.append(time.time())
        except Exception as exc:  # noqa: BLE001 - the assertion below shows it
            errors.append(exc)
        finally:
            connections.close_all()
            pacing.reset()

    threads = [threading.Thread(target=call_five_times) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(times) == 10
    assert within_rate(times, pacing.REPORTING)
    assert max(times) - min(times) >= (10 - 2 - 1) / 1.5  # ten calls at 1.5 a second, a burst of 2


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_call_paced_inside_a_transaction_is_seen_by_other_processes_at_once(paced, client_id):
    # A webhook's handler fetches its guest inside its transaction; its reservation must not
    # wait for that transaction's commit to count for the others.
    with transaction.atomic():
        pacing.pace(client_id, pacing.REST)
        other = load_backend(connection.settings_dict["ENGINE"]).DatabaseWrapper(connection.settings_dict, "other")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM roller_pacingslot WHERE client_id = %s", [client_id])
                seen = cursor.fetchone()[0]
        finally:
            other.close()

    assert seen == 1


# --- without the database ----------------------------------------------------------------------


@pytest.fixture
def database_down(monkeypatch):
    """The pacing connection points at a database that does not exist."""
    settings_dict = {**connection.settings_dict, "NAME": "/nonexistent/pacing.sqlite3"}
    if connection.vendor == "postgresql":
        settings_dict["NAME"] = "no_such_database_for_pacing"
    broken = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "broken")
    attempts: list[int] = []

    def broken_connection():
        attempts.append(1)
        return broken

    monkeypatch.setattr(pacing, "_pacing_connection", broken_connection)
    yield attempts
    broken.close()


@pytest.mark.django_db
def test_without_the_database_calls_are_paced_in_process_with_a_warning(paced, client_id, database_down, caplog):
    clock = FakeClock()

    with caplog.at_level(logging.WARNING, logger="integrations.roller.pacing"):
        waits = [pacing.pace(client_id, pacing.REPORTING, sleep=clock.sleep, clock=clock) for _ in range(4)]

    assert waits[:2] == [0.0, 0.0]
    assert waits[2] == pytest.approx(1 / 1.5)
    assert "paced in this process only" in caplog.text
    # One attempt, one warning, not one per call.
    assert len(database_down) == 1
    assert len([r for r in caplog.records if r.name == "integrations.roller.pacing"]) == 1


@pytest.mark.django_db
def test_the_database_is_tried_again_after_a_while(paced, client_id, database_down, monkeypatch):
    clock = FakeClock()
    pacing.pace(client_id, pacing.REST, sleep=clock.sleep, clock=clock)
    monkeypatch.setattr(pacing, "_shared_retry_at", time.monotonic() - 1)  # FALLBACK_SECONDS later

    pacing.pace(client_id, pacing.REST, sleep=clock.sleep, clock=clock)

    assert len(database_down) == 2
