"""The summary's preview: the sandbox's last week of bookings through the rules, writing nothing."""

import json

import pytest

from integrations.models import Contact, KnownMinor, Order, Product, RecordOutcome, SyncRun
from tests.wizard.conftest import make_draft
from wizard.models import Preview
from wizard.services import preview_execute, preview_start


@pytest.fixture
def draft(account, sandbox):
    return make_draft(account, step="contacts", url=sandbox.url)


def run(connection, capture) -> Preview:
    with capture(execute=False):
        preview = preview_start(connection=connection)
    preview_execute(preview_id=preview.pk)
    preview.refresh_from_db()
    return preview


@pytest.mark.django_db
def test_the_preview_counts_what_would_happen_and_writes_nothing(draft, django_capture_on_commit_callbacks):
    preview = run(draft, django_capture_on_commit_callbacks)

    assert preview.status == Preview.Status.DONE, preview.error
    result = preview.result
    orders, contacts = result["orders"], result["contacts"]
    assert result["bookings_read"] > 0
    assert orders["create"] > 0 and contacts["create"] > 0
    assert orders["create"] + orders["update"] + orders["skip"] == result["bookings_read"]
    assert sum(reason["count"] for reason in orders["reasons"]) == orders["skip"]
    assert all(reason["label"] for reason in orders["reasons"])  # the labels people see
    for model in (Contact, Order, Product, RecordOutcome, SyncRun, KnownMinor):
        assert not model.objects.exists(), model


@pytest.mark.django_db
def test_nothing_about_a_minor_is_in_the_result(draft, sandbox, django_capture_on_commit_callbacks):
    waiver = sandbox.waiver(minors=2)
    minor_ids = waiver["minorGuestIds"]

    preview = run(draft, django_capture_on_commit_callbacks)

    text = json.dumps(preview.result)
    contact_reasons = {r["reason"]: r["count"] for r in preview.result["contacts"]["reasons"]}
    assert contact_reasons.get("minor", 0) >= len(minor_ids)
    assert "minor" not in preview.result["contacts"]["examples"]
    assert "minor" not in preview.result["orders"]["examples"]
    for guest_id in minor_ids:
        assert f'"{guest_id}"' not in text


@pytest.mark.django_db
def test_examples_show_adults_masked(draft, sandbox, django_capture_on_commit_callbacks):
    sandbox.online_booking(newGuest=True, email="olivia.smit@example.com", firstName="Olivia", lastName="Smit")

    preview = run(draft, django_capture_on_commit_callbacks)

    created = preview.result["contacts"]["examples"]["create"]
    assert created and all("•••@" in row["email"] for row in created if row["email"])
    assert "olivia.smit@example.com" not in json.dumps(preview.result)


@pytest.mark.django_db
def test_roller_refusing_ends_the_preview_with_the_reason(draft, sandbox, django_capture_on_commit_callbacks):
    sandbox.fault("/data/bookingitems", status=503, count=10)

    preview = run(draft, django_capture_on_commit_callbacks)

    assert preview.status == Preview.Status.FAILED
    assert "try again later" in preview.error


@pytest.mark.django_db
def test_a_preview_is_run_once_even_when_its_task_comes_twice(draft, django_capture_on_commit_callbacks):
    preview = run(draft, django_capture_on_commit_callbacks)

    again = preview_execute(preview_id=preview.pk)

    assert again.status == "not_claimed"


@pytest.mark.django_db
def test_the_task_is_routed_to_the_imports_queue():
    from connector_site.celery_app import app

    route = app.amqp.router.route({}, "wizard.tasks.preview_run")
    assert route["queue"].name == "imports"
