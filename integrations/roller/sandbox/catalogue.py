"""The fixed part of the seeded venue: the venue itself, its products and its waiver.

A trampoline park in Utrecht. Prices are decimals in EUR, as ROLLER sends them.
"""

from __future__ import annotations

from typing import Any

from .entities import ParentProduct, Variation, Waiver
from .state import IdCounters

VENUE: dict[str, Any] = {
    "id": 20981,
    "name": "Bounce Around Utrecht",
    "timeZone": "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
    "ianaTimeZone": "Europe/Amsterdam",
    "countryCode": "NL",
    "country": "Netherlands",
    "currency": "EUR",
    "locale": "nl-NL",
    "productPricesIncludeTax": True,
    "transactionFeePercent": 0,
    "creditCardFeePercent": 0,
    "feePerTransaction": 0.5,
    "codeOfConduct": "Socks on, no flips on the edges, listen to the jump crew.",
    "taxes": [
        {"id": 45, "name": "BTW laag 9%", "taxPercent": 9, "isDefault": True},
        {"id": 46, "name": "BTW hoog 21%", "taxPercent": 21, "isDefault": False},
    ],
    "taxComponents": [],
    "venueGroups": [],
}

LOW_TAX = (45, 9.0)
HIGH_TAX = (46, 21.0)

# (parent name, REST type, Data API type, Data API sub-type, webhook filter type,
#  category, category id, short description, duration in minutes, tax, stock type,
#  [(variation name, price, group size)])
_CATALOGUE: list[tuple[Any, ...]] = [
    ("Jump Session", "sessionpass", "Pass", "Session", "SessionPass", "Entry Tickets",
     "/30007/2/", "Jump in our main arena", 60, LOW_TAX, None,
     [("60 min Jump", 16.5, 1), ("90 min Jump", 21.0, 1), ("120 min Jump", 25.0, 1),
      ("Toddler 60 min", 9.5, 1)]),
    ("Day Pass", "pass", "Pass", "Empty", "Pass", "Entry Tickets", "/30007/2/",
     "Jump all day", None, LOW_TAX, None,
     [("Adult Day Pass", 27.5, 1), ("Child Day Pass (4-12)", 19.5, 1)]),
    ("Glow Jump Night", "sessionpass", "Pass", "Session", "SessionPass", "Entry Tickets",
     "/30007/2/", "Black-light jumping on Friday and Saturday nights", 90, LOW_TAX, None,
     [("Glow Jump 90 min", 22.5, 1)]),
    ("Toddler Time", "sessionpass", "Pass", "Session", "SessionPass", "Entry Tickets",
     "/30007/2/", "For jumpers up to 5 with a parent", 45, LOW_TAX, None,
     [("Toddler + parent", 12.5, 1)]),
    ("10-Visit Card", "pass", "Pass", "Empty", "Pass", "Entry Tickets", "/30007/2/",
     "Ten 60-minute jumps", None, LOW_TAX, None, [("10 x 60 min Jump", 139.0, 1)]),
    ("Jump Club", "membership", "Pass", "Membership", "Membership", "Memberships",
     "/30007/5/", "Unlimited jumping, billed monthly", None, LOW_TAX, None,
     [("Jump Club Monthly", 34.95, 1)]),
    ("Jump Socks", "addon", "AddOn", "Stock", "Stock", "Merchandise", "/30007/3/",
     "Grip socks, required on the trampolines", None, HIGH_TAX, "retail",
     [("Socks S", 2.5, 1), ("Socks M", 2.5, 1), ("Socks L", 2.5, 1), ("Socks XL", 2.5, 1)]),
    ("Drinks", "addon", "AddOn", "Stock", "Stock", "Food & Drinks", "/30007/4/",
     "Cold and hot drinks", None, LOW_TAX, "foodAndBeverage",
     [("Lemonade", 2.95, 1), ("Coffee", 2.75, 1), ("Water", 2.0, 1), ("Slushie", 3.5, 1)]),
    ("Snacks", "addon", "AddOn", "Stock", "Stock", "Food & Drinks", "/30007/4/",
     "Something to eat", None, LOW_TAX, "foodAndBeverage",
     [("Fries", 3.95, 1), ("Pizza slice", 4.5, 1), ("Popcorn", 2.95, 1)]),
    ("Locker", "addon", "AddOn", "Empty", "AddOn", "Extras", "/30007/6/",
     "A locker for the visit", None, HIGH_TAX, None, [("Locker", 1.0, 1)]),
    ("Family Package", "package", "Package", "Empty", "Package", "Packages", "/30007/7/",
     "Four 60-minute jumps and four drinks", 60, LOW_TAX, None,
     [("Family 4 x 60 min", 59.0, 4)]),
    ("Birthday Party", "partypackage", "PartyPackage", "Empty", "PartyPackage", "Parties",
     "/30007/8/", "Jumping, a party room and food for 10", 120, LOW_TAX, None,
     [("Party Basic (10 guests)", 189.0, 10), ("Party Deluxe (10 guests)", 249.0, 10)]),
    ("Gift Card", "giftcard", "GiftCard", "Empty", "GiftCard", "Gift Cards", "/30007/9/",
     "A gift card for jumping", None, LOW_TAX, None,
     [("Gift card EUR 25", 25.0, 1), ("Gift card EUR 50", 50.0, 1)]),
]  # fmt: skip


def build_products(ids: IdCounters) -> list[ParentProduct]:
    parents: list[ParentProduct] = []
    for row in _CATALOGUE:
        (
            name,
            rest_type,
            data_type,
            sub_type,
            hook_type,
            category,
            category_id,
            description,
            duration,
            (tax_id, tax_percent),
            stock_type,
            variations,
        ) = row
        parent = ParentProduct(
            id=ids.take("product"),
            name=name,
            rest_type=rest_type,
            data_type=data_type,
            data_sub_type=sub_type,
            webhook_type=hook_type,
            category=category,
            category_id=category_id,
            short_description=description,
            duration_minutes=duration,
            stock_type=stock_type,
        )
        for variation_name, price, group_size in variations:
            variation_id = ids.take("product")
            parent.variations.append(
                Variation(
                    id=variation_id,
                    parent_id=parent.id,
                    name=variation_name,
                    price=price,
                    group_size=group_size,
                    tax_id=tax_id,
                    tax_percent=tax_percent,
                    barcode=f"87{variation_id:010d}",
                )
            )
        parents.append(parent)
    add_on_ids = [v.id for p in parents if p.name in ("Jump Socks", "Drinks") for v in p.variations]
    for parent in parents:
        if parent.data_type == "Pass":
            parent.add_on_ids = add_on_ids
    return parents


def build_waiver(created: float) -> Waiver:
    return Waiver(
        id=13,
        name="Bounce Around Utrecht participation waiver",
        terms="I understand that trampolining carries a risk of injury ...",
        validity_days=365,
        minor_age_limit=18,
        requires_signature=True,
        created=created,
    )


SESSION_STARTS = ("10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00", "17:00")
