"""Invented Dutch guests: names, contact details, consent, addresses.

Emails use the reserved example.* domains so that a demo can never mail a real person.
Contact data is deliberately untidy in the ways real venues are: some guests only have a
phone, some have neither, some emails have odd case and stray spaces.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from .entities import Address, Flag

FIRST_NAMES = (
    "Mia", "Noah", "Emma", "Liam", "Julia", "Lucas", "Tess", "Sem", "Sophie", "Finn",
    "Zoë", "Daan", "Nora", "Levi", "Sara", "Milan", "Eva", "Luuk", "Anna", "Bram",
    "Fleur", "Jesse", "Lotte", "Thijs", "Saar", "Ruben", "Lieke", "Gijs", "Isa", "Jayden",
    "Fatima", "Mohammed", "Yara", "Adam", "Lina", "Sven", "Roos", "Hugo", "Maud", "Stijn",
)  # fmt: skip
LAST_NAMES = (
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
    "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
    "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits",
    "de Graaf", "van der Meer", "Kok", "Jacobs", "Vermeulen", "El Amrani", "Yilmaz",
)  # fmt: skip
DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com")
STREETS = ("Oudegracht", "Biltstraat", "Amsterdamsestraatweg", "Vleutenseweg", "Lange Nieuwstraat")
CITIES = (
    ("Utrecht", "35"), ("Nieuwegein", "34"), ("Zeist", "37"), ("Houten", "39"), ("Amersfoort", "38")
)  # fmt: skip
GENDERS = ("Male", "Female", "Female", "Male", "Other", "PreferNotToSay")


def dutch_mobile(rng: random.Random) -> str:
    number = f"06{rng.randrange(10_000_000, 100_000_000)}"
    # A few guests typed the international form.
    return "+31" + number[1:] if rng.random() < 0.1 else number


def email_for(rng: random.Random, first: str, last: str, serial: int) -> str:
    local = f"{first}.{last.replace(' ', '')}{serial}"
    domain = rng.choice(DOMAINS)
    if rng.random() < 0.08:
        # Mixed case and spaces around: ROLLER keeps what the guest typed.
        return f"  {local}@{domain.capitalize()} "
    return f"{local}@{domain}".lower()


def adult_dob(rng: random.Random, on: dt.date) -> str:
    age_days = rng.randrange(19 * 365, 70 * 365)
    return (on - dt.timedelta(days=age_days)).isoformat()


def minor_dob(rng: random.Random, on: dt.date) -> str:
    age_days = rng.randrange(3 * 365, 17 * 365)
    return (on - dt.timedelta(days=age_days)).isoformat()


def random_address(rng: random.Random) -> Address:
    city, postcode_prefix = rng.choice(CITIES)
    postcode = f"{postcode_prefix}{rng.randrange(10, 100)} {rng.choice('ABCDEHJKLMNPRS')}{rng.choice('ABCDEHJKLMNPRS')}"
    return Address(
        street=f"{rng.choice(STREETS)} {rng.randrange(1, 250)}",
        suburb="",
        city=city,
        state="UT",
        postcode=postcode,
        country="Netherlands",
    )


def random_flags(rng: random.Random) -> list[Flag] | None:
    roll = rng.random()
    if roll < 0.03:
        return [Flag("VIP", "Birthday regular")]
    if roll < 0.04:
        return [Flag("Ban", "Repeatedly ignored safety rules", "2027-01-01")]
    if roll < 0.06:
        return [Flag("Medical", "Asthma, inhaler in locker")]
    return None


def random_adult_fields(rng: random.Random, serial: int, on: dt.date) -> dict[str, Any]:
    """Fields for a new adult guest. Roughly 62% email and phone, 18% email only, 13%
    phone only and 7% neither (e.g. a walk-in who signed a waiver on a kiosk)."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    roll = rng.random()
    has_email, has_phone = roll < 0.80, roll < 0.62 or 0.80 <= roll < 0.93
    accept_marketing = has_email and rng.random() < 0.45
    return {
        "first_name": first,
        "last_name": last,
        "email": email_for(rng, first, last, serial) if has_email else None,
        "phone": dutch_mobile(rng) if has_phone else None,
        "date_of_birth": adult_dob(rng, on) if rng.random() < 0.6 else None,
        "gender": rng.choice(GENDERS) if rng.random() < 0.5 else None,
        "accept_marketing": accept_marketing,
        "accept_marketing_sms": has_phone and rng.random() < 0.2,
        "address": random_address(rng) if rng.random() < 0.35 else None,
        "flags": random_flags(rng),
    }
