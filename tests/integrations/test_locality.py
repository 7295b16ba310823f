"""A connection's zone, country and currency: its own settings first, then the source's."""

from zoneinfo import ZoneInfo

import pytest

from integrations import registry
from integrations.locality import connection_country, connection_currency, connection_zone, zone_named
from integrations.registry import ConnectorSpec, SourceLocality, connector_register
from tests.factories import ConnectionFactory, RollerSettingsFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def located_connector():
    connector_register(
        ConnectorSpec(type="located", label="Located", locality=lambda c: SourceLocality(country="NZ", currency="NZD"))
    )
    yield
    registry._connectors.pop("located", None)


def test_an_unknown_or_blank_zone_is_utc():
    assert zone_named("Mars/Olympus") == ZoneInfo("UTC")
    assert zone_named("") == ZoneInfo("UTC")
    assert zone_named("Europe/Amsterdam") == ZoneInfo("Europe/Amsterdam")


def test_the_connection_zone_is_its_own():
    assert connection_zone(ConnectionFactory(time_zone="Australia/Sydney")) == ZoneInfo("Australia/Sydney")


def test_the_connection_country_and_currency_win_over_the_source(located_connector):
    connection = ConnectionFactory(connector_type="located", country="AU", currency="AUD")
    assert (connection_country(connection), connection_currency(connection)) == ("AU", "AUD")


def test_blank_country_and_currency_fall_back_to_the_source(located_connector):
    connection = ConnectionFactory(connector_type="located", country="", currency="")
    assert (connection_country(connection), connection_currency(connection)) == ("NZ", "NZD")


def test_roller_supplies_its_venue_country_and_currency():
    connection = ConnectionFactory(country="", currency="")
    RollerSettingsFactory(connection=connection, venue_country="GB", venue_currency="GBP")
    assert (connection_country(connection), connection_currency(connection)) == ("GB", "GBP")


def test_a_source_without_locality_leaves_them_blank():
    connection = ConnectionFactory(connector_type="unregistered", country="", currency="")
    assert (connection_country(connection), connection_currency(connection)) == ("", "")
