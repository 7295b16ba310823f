"""Country names as sources write them → ISO 3166-1 alpha-2, as Activate's `country` wants.

A table, not a dependency: a source may send the name a guest typed or picked ("Netherlands").
A name not in the table is not sent: a wrong country is worse than none.
"""

from __future__ import annotations

_NAMES = {
    "AR": ("argentina",),
    "AT": ("austria", "österreich", "oostenrijk"),
    "AU": ("australia", "aus"),
    "BE": ("belgium", "belgië", "belgie", "belgique", "belgien"),
    "BR": ("brazil", "brasil"),
    "CA": ("canada",),
    "CH": ("switzerland", "schweiz", "suisse", "zwitserland"),
    "CN": ("china",),
    "CZ": ("czechia", "czech republic"),
    "DE": ("germany", "deutschland", "duitsland"),
    "DK": ("denmark", "danmark", "denemarken"),
    "ES": ("spain", "españa", "espana", "spanje"),
    "FI": ("finland", "suomi"),
    "FR": ("france", "frankrijk", "frankreich"),
    "GB": ("united kingdom", "uk", "great britain", "england", "scotland", "wales", "northern ireland", "gbr"),
    "HK": ("hong kong",),
    "IE": ("ireland", "ierland"),
    "IN": ("india",),
    "IT": ("italy", "italia", "italië", "italie"),
    "JP": ("japan",),
    "LU": ("luxembourg", "luxemburg"),
    "MX": ("mexico", "méxico"),
    "MY": ("malaysia",),
    "NL": ("netherlands", "the netherlands", "nederland", "holland", "nld"),
    "NO": ("norway", "norge", "noorwegen"),
    "NZ": ("new zealand", "aotearoa", "nzl"),
    "PL": ("poland", "polska", "polen"),
    "PT": ("portugal",),
    "SA": ("saudi arabia",),
    "SE": ("sweden", "sverige", "zweden"),
    "SG": ("singapore",),
    "TR": ("turkey", "türkiye", "turkije"),
    "AE": ("united arab emirates", "uae"),
    "US": ("united states", "united states of america", "usa", "us", "america"),
    "ZA": ("south africa",),
}
_BY_NAME = {name: code for code, names in _NAMES.items() for name in names}


def country_alpha2(value: str) -> str:
    """ "Netherlands" → "NL", "nl" → "NL"; "" when the value is not a country we know."""
    cleaned = " ".join(value.split()).casefold()
    if not cleaned:
        return ""
    if cleaned in _BY_NAME:
        return _BY_NAME[cleaned]
    if len(cleaned) == 2 and cleaned.isascii() and cleaned.isalpha():
        return cleaned.upper()  # already a code ("UK" is not one: the table made it GB)
    return ""
