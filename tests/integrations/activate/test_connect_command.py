"""`manage.py activate_connect`: the demo account connected to the stand-in, once."""

import pytest
from django.core.management import CommandError, call_command

from integrations.activate.models import ActivateSettings
from integrations.delivery.models import Backfill, Destination
from integrations.models import Account


@pytest.fixture
def stand_in(activate_sandbox, settings, monkeypatch):
    settings.ACTIVATE_SANDBOX_URL = activate_sandbox.url
    monkeypatch.setenv("ACTIVATE_SANDBOX_ACCOUNT", activate_sandbox.account_id)
    monkeypatch.setenv("ACTIVATE_SANDBOX_APIKEY", activate_sandbox.api_key)
    return activate_sandbox


def test_it_connects_the_demo_account_to_the_stand_in_and_activates_it(db, stand_in, capsys):
    call_command("activate_connect")

    destination = Destination.objects.get(account__name="Demo Venues", destination_type="activate")
    assert destination.status == "active" and destination.wizard_step == "activate"
    stored = ActivateSettings.objects.get(destination=destination)
    assert (stored.account_id, stored.api_key, stored.base_url) == (stand_in.account_id, stand_in.api_key, stand_in.url)
    assert Backfill.objects.filter(destination=destination).count() == 3
    out = capsys.readouterr().out
    assert "is connected and active" in out and stand_in.api_key not in out


def test_run_again_it_keeps_the_one_destination(db, stand_in, capsys):
    call_command("activate_connect")
    call_command("activate_connect")

    assert Destination.objects.filter(destination_type="activate").count() == 1
    assert "was connected already" in capsys.readouterr().out


def test_a_refused_key_saves_nothing(db, stand_in, monkeypatch):
    monkeypatch.setenv("ACTIVATE_API_KEY", "wrong")

    with pytest.raises(CommandError, match="refused the Account ID and API key"):
        call_command("activate_connect")

    assert not Destination.objects.exists() and not Account.objects.filter(name="Demo Venues").exists()


def test_an_activate_that_does_not_answer_is_said_after_the_wait(db, settings):
    settings.ACTIVATE_SANDBOX_URL = "http://127.0.0.1:9"

    with pytest.raises(CommandError, match="could not be reached"):
        call_command("activate_connect", "--wait", "0.5")
    assert not Destination.objects.exists()
