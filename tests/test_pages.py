"""What every page shares: never kept in the browser's cache, and one date style with its zone."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import RecordOutcome
from integrations.outcomes import Entity, Outcome
from tests.factories import ConnectionFactory, UserFactory

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@pytest.fixture
def logged_in(client):
    connection = ConnectionFactory()
    client.force_login(UserFactory(account=connection.account, is_staff=True, is_superuser=True))
    return client, connection


def test_app_pages_are_never_stored_so_back_shows_the_state_of_now(logged_in):
    """Back after activating showed the list as it was before ("Draft at step 8")."""
    client, connection = logged_in
    for url in (
        reverse("wizard:connection_list"),
        reverse("wizard:connection_detail", kwargs={"public_id": connection.public_id}),
        reverse("wizard:step_summary", kwargs={"public_id": connection.public_id}),
        "/login/",
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


def test_admin_times_name_their_zone(logged_in):
    client, connection = logged_in
    outcome = RecordOutcome.objects.create(connection=connection, entity=Entity.ORDER, outcome=Outcome.CREATED)
    moment = timezone.make_aware(dt.datetime(2026, 11, 6, 14, 5), dt.UTC)
    RecordOutcome.objects.filter(pk=outcome.pk).update(created_at=moment)

    html = client.get(reverse("admin:integrations_recordoutcome_changelist")).content.decode()

    assert "6 Nov 2026, 14:05 UTC" in html


def test_templates_write_dates_through_the_one_style():
    """Every date on a page goes through wizard_tags' filters (as_date, as_date_time…), never
    a format of its own."""
    own_formats = {
        str(path.relative_to(TEMPLATES)): re.findall(r"\|(?:date|time):", path.read_text())
        for path in TEMPLATES.rglob("*.html")
    }
    assert {path: found for path, found in own_formats.items() if found} == {}
