"""A user sees only the data of their own account."""

import pytest
from django.http import Http404

from integrations.selectors.accounts import connection_for_user, connections_for_user
from tests.factories import ConnectionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_user_sees_only_their_accounts_connections():
    mine = ConnectionFactory()
    ConnectionFactory()  # another account's
    user = UserFactory(account=mine.account)

    assert list(connections_for_user(user)) == [mine]


def test_another_accounts_connection_is_not_found_rather_than_forbidden():
    theirs = ConnectionFactory()
    user = UserFactory()
    with pytest.raises(Http404):
        connection_for_user(user, theirs.public_id)


def test_a_user_without_an_account_sees_nothing():
    from django.contrib.auth import get_user_model

    ConnectionFactory()
    user = get_user_model().objects.create_user("loner", password="x")
    assert list(connections_for_user(user)) == []


def test_the_connectors_page_lists_only_the_users_connections(client):
    mine = ConnectionFactory(name="My Trampoline Park")
    ConnectionFactory(name="Their Play Centre")
    client.force_login(UserFactory(account=mine.account))

    page = client.get("/connectors/").content.decode()
    assert "My Trampoline Park" in page
    assert "Their Play Centre" not in page
