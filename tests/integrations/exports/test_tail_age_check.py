"""A first import's recent days are read while ROLLER still generates the history's waivers: a
person of unknown age (no date of birth, not a known minor) is held with the orders they hold,
shown as "waiting for the age check", and decided through the one ingest path once every age
check of the import is read. Against the sandbox over HTTP, as the first import tests are."""

import pytest
from django.db import transaction

from integrations.minors import minor_is_known
from integrations.models import Contact, ContactSourceLink, ExportFile, HeldRecord, Order, SyncRun
from integrations.records import AgeEvidence, RecordBatch
from integrations.records_json import contact_loads, order_loads
from integrations.selectors.progress import stream_lines
from integrations.services import exports as exports_module
from integrations.services.exports import exports_sweep
from integrations.services.held_release import held_release
from integrations.services.import_windows import window_ingest
from tests.integrations.exports.conftest import bodies
from tests.integrations.exports.test_first_import_by_export import (
    activate,
    arrive,
    sequences_expected,
    wait_for_webhooks,
)

pytestmark = pytest.mark.django_db
Stream, Phase = SyncRun.Stream, SyncRun.Phase


def held_people(connection) -> list:
    rows = HeldRecord.objects.filter(connection=connection, entity=HeldRecord.Entity.CONTACT)
    return [contact_loads(row.record) for row in rows]


def all_arrive(worker, receiver, connection) -> None:
    for body in wait_for_webhooks(receiver, sequences_expected(connection)):
        arrive(worker, connection, body)
    worker.drain()


def test_people_of_unknown_age_in_the_recent_days_wait_for_the_history_s_age_checks(sandbox, worker, receiver):
    connection = activate(sandbox, worker)
    worker.drain()  # the recent days are read; the history's webhooks are not handed over yet

    held = held_people(connection)
    assert held and all(person.date_of_birth is None for person in held)
    assert not Contact.objects.filter(connection=connection, date_of_birth=None).exists()
    assert not ContactSourceLink.objects.filter(
        connection=connection, source_id__in=[person.source_id for person in held]
    ).exists()
    assert Contact.objects.filter(connection=connection).exists()  # those of known age are in
    held_orders = [order_loads(r.record) for r in HeldRecord.objects.filter(entity=HeldRecord.Entity.ORDER)]
    assert not Order.objects.filter(external_id__in=[o.external_id for o in held_orders]).exists()
    # Nothing readable is kept beside the encrypted record.
    raw = HeldRecord.objects.filter(connection=connection).values_list("key", flat=True)
    assert not {person.source_id for person in held} & set(raw)

    all_arrive(worker, receiver, connection)

    assert not HeldRecord.objects.filter(connection=connection).exists()
    stored = set(ContactSourceLink.objects.filter(connection=connection).values_list("source_id", flat=True))
    assert {person.source_id for person in held if person.email} <= stored
    assert Contact.objects.filter(connection=connection, date_of_birth=None).exists()
    assert set(Order.objects.filter(connection=connection).values_list("external_id", flat=True)) >= {
        o.external_id for o in held_orders
    }


def test_a_held_person_the_history_s_waivers_name_a_minor_is_never_stored(sandbox, worker, receiver):
    connection = activate(sandbox, worker)
    worker.drain()
    [minor, *_] = [person for person in held_people(connection) if person.email]
    ages = SyncRun.objects.get(connection=connection, stream=Stream.AGES, phase=Phase.HISTORY)
    with transaction.atomic():  # as a batch of a SignedWaivers file naming them a minor would
        window_ingest(sync_run=ages, records=RecordBatch(ages=[AgeEvidence(minor.source_id, for_minor=True)]))

    all_arrive(worker, receiver, connection)

    assert minor_is_known(connection=connection, source_id=minor.source_id)
    assert not ContactSourceLink.objects.filter(connection=connection, source_id=minor.source_id).exists()
    assert not Contact.objects.filter(connection=connection, email=minor.email).exists()
    assert not HeldRecord.objects.filter(connection=connection).exists()


def test_progress_says_how_many_wait_for_the_age_check_until_they_are_decided(sandbox, worker, receiver):
    connection = activate(sandbox, worker)
    worker.drain()
    waiting = HeldRecord.objects.filter(connection=connection, entity=HeldRecord.Entity.CONTACT)
    contacts_run = SyncRun.objects.get(connection=connection, stream=Stream.CONTACTS, phase=Phase.TAIL)

    [line] = [line for line in stream_lines(connection=connection) if line.startswith("Contacts:")]
    assert f"{waiting.filter(sync_run=contacts_run).count():,} waiting for the age check" in line

    all_arrive(worker, receiver, connection)

    assert not any("waiting for the age check" in line for line in stream_lines(connection=connection))


def test_a_release_decides_each_held_record_once(sandbox, worker, receiver):
    connection = activate(sandbox, worker)
    worker.drain()
    all_arrive(worker, receiver, connection)
    counts = dict(SyncRun.objects.filter(connection=connection, phase=Phase.TAIL).values_list("pk", "counts"))

    assert held_release(connection=connection) == 0  # a second release (a redelivered task) finds nothing
    assert dict(SyncRun.objects.filter(connection=connection, phase=Phase.TAIL).values_list("pk", "counts")) == counts


def test_without_a_history_nothing_is_held(sandbox, worker, receiver):
    # A look-back within the recent days: the waivers read first are all the age checks there are.
    connection = activate(sandbox, worker, contacts_days=7, orders_days=7)
    worker.drain()

    assert not HeldRecord.objects.filter(connection=connection).exists()
    assert Contact.objects.filter(connection=connection, date_of_birth=None).exists()


def test_a_held_person_s_own_webhook_is_handled_in_real_time_as_before(sandbox, worker, receiver):
    """Only the first import's recent days are held: a guest update by webhook for a held person
    goes through the webhook path unchanged (a waiver already read is what the webhook knows)."""
    connection = activate(sandbox, worker)
    worker.drain()
    [person, *_] = [person for person in held_people(connection) if person.email]

    sandbox.guest_update(guestId=int(person.source_id), firstName="Renamed")
    sandbox.wait_for_deliveries()
    [update] = [
        body
        for body in bodies(receiver, "Customer")
        if str(body["data"].get("customerId") or body["data"].get("id")) == person.source_id
    ] or [None]
    assert update is not None, "the sandbox sent the guest's Customer webhook"
    arrive(worker, connection, update)

    assert ContactSourceLink.objects.filter(connection=connection, source_id=person.source_id).exists()


def test_held_records_whose_release_was_lost_are_released_by_the_sweep(sandbox, worker, receiver, monkeypatch):
    connection = activate(sandbox, worker)
    worker.drain()
    held = [person.source_id for person in held_people(connection) if person.email]
    received = wait_for_webhooks(receiver, sequences_expected(connection))
    # The broker was down when the age checks were finished: the release was never published.
    lost, publish = [], exports_module.held_release_publish
    monkeypatch.setattr(exports_module, "held_release_publish", lambda **kwargs: lost.append(kwargs))
    for body in received:
        arrive(worker, connection, body)
    worker.drain()
    assert lost and HeldRecord.objects.filter(connection=connection).exists()
    monkeypatch.setattr(exports_module, "held_release_publish", publish)  # the broker is back

    worker.call(exports_sweep)
    worker.drain()

    assert not HeldRecord.objects.filter(connection=connection).exists()
    assert set(held) <= set(ContactSourceLink.objects.filter(connection=connection).values_list("source_id", flat=True))


def test_the_held_people_are_released_before_the_history_s_contacts_and_orders_are_read(sandbox, worker, receiver):
    connection = activate(sandbox, worker)
    worker.drain()
    assert held_people(connection)
    received = wait_for_webhooks(receiver, sequences_expected(connection))
    for body in received:  # every sequence arrives; the waivers' files are read last
        arrive(worker, connection, body)
    while HeldRecord.objects.filter(connection=connection).exists():
        worker.step()

    # The last age-check file done, the release was queued ahead of the files it let go.
    read = [name for name, _, status in worker.done if name.endswith("import_export_file") and status == "done"]
    streams = ExportFile.objects.filter(sequence__export__connection=connection, status="done")
    assert set(streams.values_list("sequence__export__stream", flat=True)) == {Stream.AGES}
    assert len(read) == streams.count()
