"""The deterministic venue generator: the same seed, size and anchor give the same venue.

History runs from `days` before the anchor date up to it: guests (some signed waivers for
their children), then bookings in time order, online and at the POS. Most sizes keep three
in five adults from the year before the history; `bench10y` spreads the bench venue's
guests, waivers and bookings over ten years, as a venue looks to a 10-year first import.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass

from . import clock
from .bookings import (
    add_payment,
    apply_discount,
    attach_waivers,
    new_booking,
    new_item,
    payment_status,
)
from .catalogue import SESSION_STARTS, VENUE, build_products, build_waiver
from .entities import Booking, BookingItem, Guest, SignedWaiver, Variation
from .people import random_adult_fields
from .state import Store
from .waivers import sign_waiver

DAY = 86400.0


@dataclass(frozen=True)
class SeedSize:
    adults: int
    waiver_signers: int
    max_minors: int
    bookings: int
    days: int
    # The share of adults who joined during the history (the others in the year before it).
    adults_during_share: float = 0.4


SIZES = {
    "small": SeedSize(adults=30, waiver_signers=10, max_minors=3, bookings=100, days=14),
    "default": SeedSize(adults=600, waiver_signers=220, max_minors=3, bookings=3000, days=90),
    "bench": SeedSize(adults=72_000, waiver_signers=18_000, max_minors=3, bookings=100_000, days=90),
    # The bench venue's ~108,000 guests and ~200,000 booking items over 3,650 days (issue 14).
    "bench10y": SeedSize(
        adults=72_000, waiver_signers=18_000, max_minors=3, bookings=100_000, days=3650, adults_during_share=1.0
    ),
    # The bench venue's bookings in four weeks: anchored on the first of a month, one month of
    # booking items is one bulk export file of about 170 MB (a worker's memory must stay flat).
    "bench1m": SeedSize(adults=72_000, waiver_signers=18_000, max_minors=3, bookings=100_000, days=28),
}

# Weighted picks for the first (ticketed) item of a booking, by parent product name.
_ENTRY_WEIGHTS = (
    ("Jump Session", 60), ("Day Pass", 10), ("Glow Jump Night", 8), ("Toddler Time", 6),
    ("Family Package", 6), ("Birthday Party", 3), ("10-Visit Card", 3), ("Jump Club", 2),
    ("Gift Card", 2),
)  # fmt: skip
_DISCOUNTS = ((288392, "SUMMER10", 10.0, 0.0), (288393, "FAMILY5", 0.0, 5.0))


def build_store(*, seed: int, size: str, anchor_date: str) -> Store:
    return build_store_of(seed=seed, seed_size=SIZES[size], anchor_date=anchor_date)


def build_store_of(*, seed: int, seed_size: SeedSize, anchor_date: str) -> Store:
    """The venue of any SeedSize (a test builds a named size scaled down)."""
    anchor = dt.date.fromisoformat(anchor_date)
    end_ts = clock.local_midnight_ts(anchor)
    return _Generator(random.Random(seed), seed_size, end_ts).run()


class _Generator:
    def __init__(self, rng: random.Random, size: SeedSize, end_ts: float) -> None:
        self.rng = rng
        self.size = size
        self.end_ts = end_ts
        self.start_ts = end_ts - size.days * DAY
        self.store = Store(venue=dict(VENUE), waiver=build_waiver(end_ts - 400 * DAY))
        for parent in build_products(self.store.ids):
            self.store.add_product(parent)
        by_name = {p.name: p for p in self.store.products.values()}
        self.entry_parents = [by_name[name] for name, _ in _ENTRY_WEIGHTS]
        self.entry_weights = [weight for _, weight in _ENTRY_WEIGHTS]
        self.socks = by_name["Jump Socks"].variations
        self.food = by_name["Drinks"].variations + by_name["Snacks"].variations
        self.locker = by_name["Locker"].variations[0]
        self.adults: list[Guest] = []
        self.adult_created: list[float] = []
        self.waivers_of: dict[int, list[SignedWaiver]] = {}

    def run(self) -> Store:
        self._adults()
        self._waivers()
        for created in sorted(self._times(self.size.bookings, self.start_ts)):
            self._booking(created)
        return self.store

    def _times(self, count: int, since: float) -> list[float]:
        span = self.end_ts - since
        return [since + self.rng.random() * span for _ in range(count)]

    # --- guests -----------------------------------------------------------------------------
    def _adults(self) -> None:
        # By default two in five adults joined during the seeded period; the rest in the year before.
        older = self.start_ts - 365 * DAY
        recent = int(self.size.adults * self.size.adults_during_share)
        times = self._times(recent, self.start_ts)
        times += self._times(self.size.adults - recent, older)
        for created in sorted(times):
            guest_id = self.store.ids.take("guest")
            fields = random_adult_fields(self.rng, guest_id, self._date(created))
            guest = Guest(id=guest_id, created=created, modified=created, **fields)
            self.store.add_guest(guest)
            self.adults.append(guest)
            self.adult_created.append(created)

    def _waivers(self) -> None:
        signers = self.rng.sample(self.adults, min(self.size.waiver_signers, len(self.adults)))
        for parent in signers:
            signed = max(parent.created, self.start_ts) + self.rng.random() * DAY * 3
            minors = self.rng.randint(1 if self.size.max_minors else 0, self.size.max_minors)
            self.waivers_of[parent.id] = sign_waiver(
                self.store, self.rng, parent, minors=minors, at=min(signed, self.end_ts - 60)
            )

    # --- bookings ---------------------------------------------------------------------------
    def _booking(self, created: float) -> None:
        rng, store = self.rng, self.store
        roll = rng.random()
        if roll < 0.55:
            channel, location = "Online", "Consumer"
        elif roll < 0.93:
            channel, location = "POS", "Doorlist"
        elif roll < 0.97:
            channel, location = "VenueManager", "VenueManager"
        else:
            channel, location = "Api", "Api"
        if channel in ("POS", "VenueManager"):
            created = self._opening_hours(created)
            if created >= self.end_ts:
                created -= DAY
        holder = self._holder(created, needs_email=channel in ("Online", "Api"))
        if channel == "POS" and rng.random() < 0.5:
            holder = None  # half of the door sales are to anonymous walk-ins
        visit = self._date(created)
        if channel in ("Online", "Api", "VenueManager"):
            visit += dt.timedelta(days=rng.choice((0, 0, 1, 2, 3, 7, 14)))
        items = self._items(created, visit.isoformat())
        discount = rng.choice(_DISCOUNTS) if rng.random() < 0.12 else None
        if discount:
            apply_discount(items, percent=discount[2], amount=discount[3])
        name = f"{holder.first_name} {holder.last_name}" if holder else "Walk-in"
        booking = new_booking(
            store,
            rng,
            channel=channel,
            location=location,
            name=name,
            customer_id=holder.id if holder else None,
            created=created,
            items=items,
            fees=VENUE["feePerTransaction"] if channel == "Online" else 0.0,
            external_id=f"PARTNER-{rng.randrange(10**6, 10**7)}" if channel == "Api" else None,
        )
        booking.discount_code = discount[:2] if discount else None
        self._pay(booking, created)
        self._pos_details(booking)
        if holder is not None:
            waivers = [w for w in self.waivers_of.get(holder.id, ()) if w.created <= created]
            attach_waivers(store, booking, waivers, at=created + 30)
            store.touch_guest(holder, max(holder.modified, created))
        self._later_changes(booking)
        store.add_booking(booking)

    def _holder(self, created: float, *, needs_email: bool) -> Guest | None:
        known = bisect.bisect_right(self.adult_created, created)
        if known == 0:
            return None
        for _ in range(4):
            guest = self.adults[self.rng.randrange(known)]
            if guest.email or not needs_email:
                return guest
        return guest

    def _items(self, created: float, visit: str) -> list[BookingItem]:
        rng = self.rng
        parent = rng.choices(self.entry_parents, self.entry_weights)[0]
        variation = rng.choice(parent.variations)
        quantity = 1 if variation.group_size > 1 else rng.choice((1, 1, 2, 2, 3, 4, 5))
        items = [self._item(variation, quantity, visit, created)]
        if parent.has_tickets and rng.random() < 0.6:
            tickets = quantity * variation.group_size
            items.append(self._item(rng.choice(self.socks), tickets, visit, created))
        if rng.random() < 0.45:
            items.append(self._item(rng.choice(self.food), rng.randint(1, 4), visit, created))
        if rng.random() < 0.2:
            items.append(self._item(self.locker, 1, visit, created))
        return items

    def _item(self, variation: Variation, quantity: int, visit: str, created: float):
        start = self.rng.choice(SESSION_STARTS)
        return new_item(
            self.store,
            variation,
            quantity=quantity,
            booking_date=visit,
            created=created,
            session_start=start,
        )

    def _pay(self, booking: Booking, at: float) -> None:
        rng = self.rng
        if booking.channel == "POS":
            method = rng.choice(("Cash", "Eftpos", "Eftpos", "CreditCard"))
            amount = booking.total
        elif booking.channel == "VenueManager":
            method, amount = "BankTransfer", rng.choice((0.0, booking.total / 2, booking.total))
        else:
            method, amount = "CreditCard", booking.total
        if amount > 0:
            transaction = f"pi_{rng.getrandbits(48):012x}"
            add_payment(self.store, booking, method=method, total=amount, at=at, transaction_id=transaction)
        booking.status = payment_status(booking)

    def _pos_details(self, booking: Booking) -> None:
        if booking.channel != "POS":
            return
        booking.device_id = self.rng.choice((3101, 3102, 3103))
        booking.staff_id = self.rng.choice((14697, 14698, 14702))
        if self.rng.random() < 0.05:
            booking.pos_notes = "Guest will return to pick up lost & found item"

    def _later_changes(self, booking: Booking) -> None:
        rng = self.rng
        room = self.end_ts - booking.created
        if rng.random() < 0.04 and booking.channel != "POS":
            booking.status = "Cancelled"
            booking.modified = booking.created + rng.random() * room
        elif rng.random() < 0.12:
            booking.comments = rng.choice(("Arriving a bit later", "Birthday of the eldest"))
            booking.modified = booking.created + rng.random() * room
        else:
            booking.modified = booking.created + rng.random() * 5

    @staticmethod
    def _opening_hours(ts: float) -> float:
        """Door sales happen while the park is open (10:00-20:00 venue time)."""
        local = dt.datetime.fromtimestamp(ts, clock.VENUE_TZ)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        fraction = (local - midnight).total_seconds() / DAY
        return (midnight + dt.timedelta(hours=10 + 10 * fraction)).timestamp()

    @staticmethod
    def _date(ts: float) -> dt.date:
        return dt.date.fromisoformat(clock.venue_date(ts))
