"""The site's front door: login, the demo login, health."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_pages_need_a_login(client):
    response = client.get("/connectors/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_printed_demo_login_gets_in(client, capsys):
    call_command("demo_setup", username="demo", password="demo-connect-2026")
    assert "demo / demo-connect-2026" in capsys.readouterr().out

    response = client.post("/login/", {"username": "demo", "password": "demo-connect-2026"})
    assert response.status_code == 302
    assert client.get("/connectors/").status_code == 200


def test_a_wrong_password_shows_an_error_on_the_login_page(client):
    call_command("demo_setup", username="demo", password="demo-connect-2026", stdout=open("/dev/null", "w"))  # noqa: SIM115
    response = client.post("/login/", {"username": "demo", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_healthz_answers_ok_when_the_database_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def test_the_demo_login_is_created_once_and_a_second_run_keeps_its_password_and_sessions(client, capsys):
    call_command("demo_setup", username="demo", password="demo-connect-2026")
    client.post("/login/", {"username": "demo", "password": "demo-connect-2026"})
    user = get_user_model().objects.get(username="demo")
    user.set_password("chosen-by-the-user-1")
    user.save()
    client.force_login(user)
    capsys.readouterr()

    call_command("demo_setup", username="demo", password="demo-connect-2026")

    assert "created earlier" in capsys.readouterr().out
    assert get_user_model().objects.get(username="demo").check_password("chosen-by-the-user-1")
    assert client.get("/connectors/").status_code == 200  # still logged in
