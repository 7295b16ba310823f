import pytest

from integrations.normalise import email_normalise, phone_normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("mia@example.com", "mia@example.com"),
        ("  Mia.Jansen@Example.COM ", "mia.jansen@example.com"),
        ("\tMIA@EXAMPLE.NET\n", "mia@example.net"),
    ],
)
def test_an_email_is_compared_without_case_and_surrounding_space(raw, expected):
    assert email_normalise(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", "not-an-email", "mia@", "@example.com", "mia jansen@example.com"])
def test_an_empty_or_invalid_email_is_no_email(raw):
    assert email_normalise(raw) is None


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("0612345678", "NL", "+31612345678"),
        ("06 1234 5678", "NL", "+31612345678"),
        ("06-12345678", "nl", "+31612345678"),
        ("+31612345678", "NL", "+31612345678"),
        ("0031 6 12345678", "NL", "+31612345678"),
        ("+31 6 12345678", "AU", "+31612345678"),
        ("0412 345 678", "AU", "+61412345678"),
        ("(02) 9876 5432", "AU", "+61298765432"),
    ],
)
def test_a_phone_number_becomes_e164_read_in_the_venues_country(raw, country, expected):
    assert phone_normalise(raw, country) == expected


@pytest.mark.parametrize(
    ("raw", "country"),
    [
        (None, "NL"),
        ("", "NL"),
        ("   ", "NL"),
        ("call me", "NL"),
        ("12", "NL"),
        ("0612345678", ""),
        ("0000000000", "NL"),
    ],
)
def test_an_unparseable_phone_number_is_no_phone_number(raw, country):
    # A national number without a country cannot be placed; a made-up one must not become a key.
    assert phone_normalise(raw, country) is None
