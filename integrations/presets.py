"""The one default preset, defined once: the wizard and a connector's connect command both apply it."""

from dataclasses import asdict, dataclass

from integrations.models import Connection


@dataclass(frozen=True)
class Preset:
    products_enabled: bool = True
    products_frequency_minutes: int = Connection.ProductsFrequency.HOURLY
    contacts_enabled: bool = True
    contacts_mode: str = Connection.ContactsMode.CREATE_AND_UPDATE
    matching_key: str = Connection.MatchingKey.EMAIL
    minimum_age: int = 18
    opt_in_strategy: str = Connection.OptInStrategy.IN_AND_OUT
    orders_lookback_days: int = 7
    contacts_lookback_days: int = 3650


DEFAULT_PRESET = Preset()


def preset_apply(*, connection: Connection, preset: Preset = DEFAULT_PRESET) -> None:
    """Copies the preset's values onto the connection (not saved: the caller saves)."""
    for field, value in asdict(preset).items():
        setattr(connection, field, value)
    connection.preset = Connection.Preset.DEFAULT
