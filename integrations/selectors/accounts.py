"""Reads scoped to what a user may see: a user sees only the data of their own account."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from integrations.models import Account, Connection


def account_for_user(user) -> Account | None:
    membership = getattr(user, "membership", None)
    return membership.account if membership else None


def connections_for_user(user) -> QuerySet[Connection]:
    account = account_for_user(user)
    if account is None:
        return Connection.objects.none()
    return Connection.objects.filter(account=account).order_by("name")


def connection_for_user(user, public_id) -> Connection:
    """The user's connection, or 404 (never 403: another account's ids are not confirmed)."""
    return get_object_or_404(connections_for_user(user), public_id=public_id)


def connection_of_source_account(*, connection: Connection, source_account_id: str) -> Connection | None:
    """Another connection of the same account and connector to this source account (a venue
    connected twice would have every booking processed twice), or None."""
    if not source_account_id:
        return None
    others = Connection.objects.filter(
        account_id=connection.account_id, connector_type=connection.connector_type, source_account_id=source_account_id
    )
    return others.exclude(pk=connection.pk).order_by("created_at").first()
