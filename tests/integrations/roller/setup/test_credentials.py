"""ROLLER's part of the wizard's credentials step, without the wizard: what each of ROLLER's
errors becomes, the venue stored and shown, and what the preview depends on.

The step itself (the form posted, the check against the sandbox) is tested through the
wizard's views in tests/wizard/test_credentials.py.
"""

import pytest

from integrations.roller.errors import (
    CredentialsRejected,
    NoApiAccess,
    NotFound,
    RateLimited,
    RollerUnavailable,
    UnexpectedResponse,
)
from integrations.roller.setup import SETUP
from integrations.roller.setup.credentials import credentials_problem
from tests.factories import RollerSettingsFactory


@pytest.mark.parametrize(
    ("error", "kind", "title"),
    [
        (CredentialsRejected(status=401), "rejected", "ROLLER rejected the Client ID and Client Secret"),
        (NoApiAccess(status=403), "no_access", "The venue has no access to ROLLER's API"),
        (RollerUnavailable(), "unreachable", "ROLLER could not be reached"),
        (RateLimited(60), "unreachable", "ROLLER could not be reached"),
        (UnexpectedResponse(), "other", "ROLLER answered something unexpected"),
        (NotFound(), "other", "ROLLER answered something unexpected"),
    ],
    ids=["rejected", "no-access", "unavailable", "rate-limited", "unexpected", "not-found"],
)
def test_each_roller_error_becomes_a_problem_the_step_can_show(error, kind, title):
    problem = credentials_problem(error, environment="Playground")

    assert (problem.kind, problem.title) == (kind, title)
    assert str(problem)


def test_a_rejected_key_says_where_to_find_one_and_names_the_environment():
    message = str(credentials_problem(CredentialsRejected(), environment="Playground"))

    assert "Venue Manager → Settings → Integrations → API keys" in message
    assert "(Playground)" in message and "Nothing was saved." in message


def test_unreachable_keeps_rollers_own_words_and_says_the_key_may_be_fine():
    message = str(credentials_problem(RateLimited(60), environment="Live"))

    assert message.startswith("ROLLER's rate limit was reached; try again in 60 seconds")
    assert "says nothing about your Client ID and Secret" in message


@pytest.mark.django_db
def test_the_venue_checked_last_is_the_account_the_wizard_shows():
    roller = RollerSettingsFactory(environment="playground", custom_base_url="")

    account = SETUP.account(connection=roller.connection)

    assert (account.id, account.name, account.environment) == ("1001", "Bounce Around Utrecht", "Playground")
    assert (account.time_zone, account.currency, account.country) == ("Europe/Amsterdam", "EUR", "NL")


@pytest.mark.django_db
def test_credentials_never_checked_have_no_account():
    roller = RollerSettingsFactory(venue_id="", venue_name="")

    assert SETUP.account(connection=roller.connection) is None


@pytest.mark.django_db
def test_the_summary_never_shows_the_secret_and_the_fingerprint_follows_the_key():
    roller = RollerSettingsFactory()

    rows = dict(SETUP.summary_rows(connection=roller.connection))
    before = SETUP.fingerprint(connection=roller.connection)
    roller.client_id = "another-client"
    roller.save()

    assert rows["Client Secret"] == "Stored (never shown)" and roller.client_secret not in rows.values()
    assert SETUP.fingerprint(connection=roller.connection) != before
