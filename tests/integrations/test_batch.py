"""The SQL helpers under the upserts; on SQLite and, with DATABASE_URL, on PostgreSQL."""

import datetime as dt

import pytest
from django.utils import timezone

from integrations.batch import ids_by, rows_upsert, rows_where_in
from integrations.models import Contact, ContactSourceLink
from tests.factories import ConnectionFactory, ContactFactory, ContactSourceLinkFactory

pytestmark = pytest.mark.django_db


def test_rows_where_in_finds_only_the_connections_rows_with_those_keys():
    ours, theirs = ConnectionFactory(), ConnectionFactory()
    mia = ContactSourceLinkFactory(connection=ours, source_id="1", contact=ContactFactory(connection=ours))
    ContactSourceLinkFactory(connection=ours, source_id="2", contact=ContactFactory(connection=ours))
    ContactSourceLinkFactory(connection=theirs, source_id="1", contact=ContactFactory(connection=theirs))

    rows = rows_where_in(
        ContactSourceLink,
        connection_id=ours.pk,
        key="source_id",
        values={"1", "3"},
        columns=("source_id", "contact_id"),
    )

    assert rows == [("1", mia.contact_id)]


def test_no_values_is_no_query(django_assert_num_queries):
    connection = ConnectionFactory()

    with django_assert_num_queries(0):
        assert (
            rows_where_in(ContactSourceLink, connection_id=connection.pk, key="source_id", values=[], columns=("id",))
            == []
        )
        assert ids_by(ContactSourceLink, connection, "source_id", []) == {}


def link_row(connection, source_id: str, contact, *, version, now) -> dict:
    return {
        "connection_id": connection.pk,
        "source_id": source_id,
        "contact_id": contact.pk,
        "source_version": version,
        "created_at": now,
    }


def test_an_upsert_tells_the_rows_it_created_from_those_it_updated_and_leaves_out_the_rest():
    connection = ConnectionFactory()
    contact = ContactFactory(connection=connection)
    t1, t2 = timezone.now() - dt.timedelta(hours=2), timezone.now() - dt.timedelta(hours=1)
    first = timezone.now() - dt.timedelta(minutes=1)
    rows_upsert(
        ContactSourceLink,
        key="source_id",
        rows=[link_row(connection, "old", contact, version=t1, now=first)],
    )
    kept = rows_upsert(
        ContactSourceLink, key="source_id", rows=[link_row(connection, "kept", contact, version=t2, now=first)]
    )

    now = timezone.now()
    written = rows_upsert(
        ContactSourceLink,
        key="source_id",
        rows=[
            link_row(connection, "new", contact, version=t1, now=now),
            link_row(connection, "old", contact, version=t2, now=now),  # newer: updated
            link_row(connection, "kept", contact, version=t1, now=now),  # older: left as it was
        ],
    )

    assert {key: row.created for key, row in written.items()} == {"new": True, "old": False}
    assert "kept" not in written and ContactSourceLink.objects.get(source_id="kept").pk == kept["kept"].id


def test_an_upsert_refuses_rows_of_different_creation_times():
    connection = ConnectionFactory()
    contact = ContactFactory(connection=connection)
    now = timezone.now()
    rows = [
        link_row(connection, "1", contact, version=now, now=now),
        link_row(connection, "2", contact, version=now, now=now - dt.timedelta(seconds=1)),
    ]
    with pytest.raises(ValueError, match="same one"):
        rows_upsert(ContactSourceLink, key="source_id", rows=rows)


def test_rows_where_in_looks_up_ids_too_and_each_value_once():
    ours, theirs = ConnectionFactory(), ConnectionFactory()
    mine, other = ContactFactory(connection=ours), ContactFactory(connection=theirs)

    rows = rows_where_in(
        Contact, connection_id=ours.pk, key="id", values=[mine.pk, mine.pk, other.pk], columns=("id", "match_value")
    )

    assert rows == [(mine.pk, mine.match_value)]  # another connection's contact is never found
