"""Accounts and their logins."""

from django.contrib.auth import get_user_model
from django.db import transaction

from integrations.models import Account, Membership


@transaction.atomic
def account_user_ensure(*, account_name: str, username: str, password: str, email: str = "", staff: bool = False):
    """The account and a login for it, created if missing; the password is (re)set."""
    account, _ = Account.objects.get_or_create(name=account_name)
    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": email})
    user.set_password(password)
    user.is_staff = user.is_superuser = staff
    user.save()
    Membership.objects.update_or_create(user=user, defaults={"account": account})
    return account, user
