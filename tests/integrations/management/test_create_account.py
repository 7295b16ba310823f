"""manage.py create_account: a real account and its first login, the password never an argument."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from integrations.models import Account

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "violet-trampoline-harbour-42"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def typed(monkeypatch):
    """The answers a person types at the password prompts, in order."""
    answers: list[str] = []
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("getpass.getpass", lambda prompt="": answers.pop(0))
    return answers


def create(**options) -> str:
    out = io.StringIO()
    call_command(
        "create_account", account="Jump Park BV", username="anna", email="anna@jumppark.example", stdout=out, **options
    )
    return out.getvalue()


def test_the_password_typed_twice_makes_a_login_that_can_sign_in(typed):
    typed.extend([GOOD_PASSWORD, GOOD_PASSWORD])

    assert "can sign in now" in create()

    user = get_user_model().objects.get(username="anna")
    assert user.membership.account == Account.objects.get(name="Jump Park BV")
    assert not user.is_staff and not user.is_superuser
    assert Client().login(username="anna", password=GOOD_PASSWORD)


def test_the_command_takes_no_password_argument():
    with pytest.raises(TypeError, match="password"):
        create(password=GOOD_PASSWORD)


def test_two_different_passwords_create_nothing(typed):
    typed.extend([GOOD_PASSWORD, GOOD_PASSWORD + "x"])

    with pytest.raises(CommandError, match="differ"):
        create()
    assert not Account.objects.exists() and not get_user_model().objects.exists()


def test_a_weak_password_is_refused_with_the_validators_reason(typed):
    typed.extend(["12345678", "12345678"])

    with pytest.raises(CommandError, match="too common"):
        create()
    assert not Account.objects.exists()


def test_without_a_terminal_it_says_to_use_an_invitation(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO())

    with pytest.raises(CommandError, match="--invite"):
        create()


def test_an_invitation_mails_a_link_where_the_login_chooses_its_password(settings):
    settings.PUBLIC_BASE_URL = "https://connect.example.com"

    assert "invitation was e-mailed to anna@jumppark.example" in create(invite=True)

    user = get_user_model().objects.get(username="anna")
    assert not user.has_usable_password()
    [message] = mail.outbox
    assert message.to == ["anna@jumppark.example"] and "Jump Park BV" in message.subject
    link = re.search(r"https://connect\.example\.com(/password/\S+/)", message.body).group(1)

    client = Client()
    form_page = client.get(link, follow=True)  # Django swaps the token for a session, then shows the form
    assert form_page.status_code == 200 and "new_password1" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD}
    )
    assert response.status_code == 302
    assert Client().login(username="anna", password=GOOD_PASSWORD)


def test_an_existing_account_or_login_is_refused_by_name_before_any_password_is_asked(typed):
    typed.extend([GOOD_PASSWORD, GOOD_PASSWORD])
    create()

    with pytest.raises(CommandError, match="account named 'Jump Park BV' already exists"):
        create()
    with pytest.raises(CommandError, match="login 'anna' already exists"):
        call_command("create_account", account="Other BV", username="anna", email="a@example.com")
