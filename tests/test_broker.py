"""The embedded broker (kombu's file-system transport) keeps all its folders under var/."""

import json
import os
from pathlib import Path

from kombu import Connection, Exchange, Queue

from connector_site.embedded_broker import Transport
from connector_site.settings.celery import filesystem_broker_options

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_a_run_keeps_the_exchange_tables_under_var_not_in_the_folder_it_started_in(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # kombu's default control folder is relative to this
    options = filesystem_broker_options(tmp_path / "var" / "broker")

    with Connection("filesystem://", transport=Transport, transport_options=options) as connection:
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


def test_a_message_appears_in_the_queue_whole(tmp_path, monkeypatch):
    # Regression: kombu created the file in the queue's folder, then wrote it; a worker polling
    # in between read it empty and died (JSONDecodeError). Now it is renamed in complete.
    options = filesystem_broker_options(tmp_path / "broker")
    appearing: list[bytes] = []
    real_replace = os.replace

    def replace(source, target):
        appearing.append(Path(source).read_bytes())
        assert Path(target).parent == Path(options["data_folder_out"])
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with Connection("filesystem://", transport=Transport, transport_options=options) as connection:
        # Names of its own: kombu keeps declared exchanges per transport class, across tests.
        queue = Queue("whole", Exchange("whole"), routing_key="whole")
        with connection.Producer() as producer:
            producer.publish({"n": 2}, exchange=queue.exchange, routing_key="whole", declare=[queue])
        connection.SimpleQueue(queue).get(timeout=1).ack()

    assert len(appearing) == 1
    assert json.loads(appearing[0])["properties"]["delivery_info"]["routing_key"] == "whole"  # parseable
    assert list((tmp_path / "broker" / "staging").iterdir()) == []


def test_the_apps_file_system_url_uses_the_safe_transport():
    import connector_site.celery_app  # noqa: F401 - installs it

    with Connection("filesystem://localhost/") as connection:
        assert isinstance(connection.transport, Transport)
