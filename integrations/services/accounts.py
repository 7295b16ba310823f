"""Accounts and their logins."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

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


class AccountCreateError(Exception):
    """The account or the login already exists; the message says which."""


def account_create_check(*, account_name: str, username: str) -> None:
    """Raises AccountCreateError when account_create would refuse these names."""
    if Account.objects.filter(name=account_name).exists():
        raise AccountCreateError(f"An account named '{account_name}' already exists: choose another name.")
    if get_user_model().objects.filter(username=username).exists():
        raise AccountCreateError(f"The login '{username}' already exists: choose another username.")


@transaction.atomic
def account_create(*, account_name: str, username: str, email: str, password: str | None = None):
    """A new account and its first login. Without a password the login cannot sign in until
    its invitation (account_user_invite) is used."""
    account_create_check(account_name=account_name, username=username)
    account = Account.objects.create(name=account_name)
    user = get_user_model().objects.create_user(username=username, email=email, password=password)
    Membership.objects.create(user=user, account=account)
    return account, user


def account_user_invite(*, user) -> None:
    """E-mails the login a link to choose its password (valid PASSWORD_RESET_TIMEOUT, 3 days)."""
    link = settings.PUBLIC_BASE_URL.rstrip("/") + reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    account = user.membership.account
    send_mail(
        subject=f"Your login for {account.name}",
        message=(
            f"A login '{user.username}' was made for you on Connect (account {account.name}).\n\n"
            f"Choose your password here, within 3 days:\n{link}\n\n"
            "Then sign in at " + settings.PUBLIC_BASE_URL.rstrip("/") + reverse("login") + "\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )
