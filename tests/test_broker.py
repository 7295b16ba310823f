"""The embedded broker (kombu's file-system transport) keeps all its folders under var/."""

from pathlib import Path

from kombu import Connection, Exchange, Queue

from connector_site.settings.celery import filesystem_broker_options

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_a_run_keeps_the_exchange_tables_under_var_not_in_the_folder_it_started_in(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # kombu's default control folder is relative to this
    options = filesystem_broker_options(tmp_path / "var" / "broker")

    with Connection("filesystem://", transport_options=options) as connection:
        queue = Queue("events", Exchange("events"), routing_key="events")
        with connection.Producer() as producer:
            producer.publish({"n": 1}, exchange=queue.exchange, routing_key="events", declare=[queue])
        message = connection.SimpleQueue(queue).get(timeout=1)
        message.ack()

    assert message.payload == {"n": 1}
    assert not (tmp_path / "control").exists()
    assert (tmp_path / "var" / "broker" / "control" / "events.exchange").exists()


def test_the_repository_root_holds_no_broker_folder():
    assert not (REPO_ROOT / "control").exists(), "control/ at the root: the broker's control_folder is unset"


def test_an_idle_queue_is_polled_often_enough_for_live_activity(tmp_path):
    # One poll a second let one task per queue per second through (issue 16).
    assert filesystem_broker_options(tmp_path)["polling_interval"] <= 0.1
