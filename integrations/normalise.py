"""Contact values in the one form contacts are matched and stored in.

Two guests typing " Mia@Example.com" and "mia@example.com" are one person, and so are
"06 1234 5678" and "+31612345678": matching compares these normalised values only.
"""

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email


def email_normalise(raw: str | None) -> str | None:
    """Trimmed and lower case; None when empty or not an email address."""
    if not raw:
        return None
    email = raw.strip().lower()
    if not email:
        return None
    try:
        validate_email(email)
    except ValidationError:
        return None
    return email


def phone_normalise(raw: str | None, country: str) -> str | None:
    """E.164 (`+31612345678`), reading a national number as one of `country` (ISO code).

    None when empty, unparseable or not a valid number: a made-up number must not become a
    matching key that merges strangers into one contact.
    """
    if not raw or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw.strip(), (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
