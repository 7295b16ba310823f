"""The sandbox's in-memory venue: every record plus the indexes ROLLER lookups need.

One re-entrant lock guards the whole store. HTTP handler threads, the live-venue thread
and the control API all take it for the length of one read or one change, so a reader
never sees half a booking.

Modified times change only through the store (`touch_guest`, `touch_booking`), which keeps
the Data API's timelines (integrations.roller.sandbox.timeline) current.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from .entities import (
    Booking,
    BookingSignedWaiver,
    Guest,
    ParentProduct,
    SignedWaiver,
    Variation,
    Waiver,
    Webhook,
)
from .timeline import Timeline


def normalise_email(email: str | None) -> str | None:
    """ROLLER matches guests on email; the seed has addresses with odd case and spaces."""
    if not email:
        return None
    cleaned = email.strip().lower()
    return cleaned or None


@dataclass
class IdCounters:
    guest: int = 27718000
    signed_waiver: int = 18829000
    booking_reference: int = 5030000
    booking_item: int = 2387746000
    ticket: int = 2746000
    payment: int = 991000
    webhook: int = 233
    product: int = 107399

    def take(self, kind: str) -> int:
        value = getattr(self, kind)
        setattr(self, kind, value + 1)
        return value


@dataclass
class Store:
    venue: dict[str, Any]
    waiver: Waiver
    lock: threading.RLock = field(default_factory=threading.RLock)
    ids: IdCounters = field(default_factory=IdCounters)
    products: dict[int, ParentProduct] = field(default_factory=dict)
    variations: dict[int, Variation] = field(default_factory=dict)
    guests: dict[int, Guest] = field(default_factory=dict)
    guest_ids_by_email: dict[str, int] = field(default_factory=dict)
    signed_waivers: dict[int, SignedWaiver] = field(default_factory=dict)
    bookings: dict[str, Booking] = field(default_factory=dict)  # by uniqueId
    booking_ids_by_reference: dict[int, str] = field(default_factory=dict)
    booking_ids_by_external_id: dict[str, str] = field(default_factory=dict)
    booking_signed_waivers: list[BookingSignedWaiver] = field(default_factory=list)
    webhooks: dict[int, Webhook] = field(default_factory=dict)
    # Adults (booking holders, waiver signers): the pool simulated activity picks from.
    adult_guest_ids: list[int] = field(default_factory=list)
    # By modified time, for the Data API's windows; entries name the record (see each add_).
    guests_by_modified: Timeline = field(default_factory=Timeline)
    bookings_by_modified: Timeline = field(default_factory=Timeline)
    signed_waivers_by_modified: Timeline = field(default_factory=Timeline)
    booking_signed_waivers_by_modified: Timeline = field(default_factory=Timeline)

    # --- kept across restarts (integrations.roller.sandbox.persistence) ----------------------
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["lock"]  # a lock is not data; the loaded store gets a new one
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.lock = threading.RLock()

    # --- products ---------------------------------------------------------------------------
    def add_product(self, parent: ParentProduct) -> None:
        self.products[parent.id] = parent
        for variation in parent.variations:
            self.variations[variation.id] = variation

    def parent_of(self, variation_id: int) -> ParentProduct | None:
        variation = self.variations.get(variation_id)
        return self.products.get(variation.parent_id) if variation else None

    # --- guests -----------------------------------------------------------------------------
    def add_guest(self, guest: Guest, *, adult: bool = True) -> None:
        self.guests[guest.id] = guest
        key = normalise_email(guest.email)
        if key and key not in self.guest_ids_by_email:
            self.guest_ids_by_email[key] = guest.id
        if adult:
            self.adult_guest_ids.append(guest.id)
        self.guests_by_modified.place(guest.id, guest.modified, guest.id)

    def touch_guest(self, guest: Guest, at: float) -> None:
        """The guest changed at `at` (the Data API's modifiedDate)."""
        guest.modified = at
        self.guests_by_modified.place(guest.id, at, guest.id)

    def guests_modified_between(self, start: float, end: float) -> list[Guest]:
        """Live guests with start ≤ modified < end, by (modified, id)."""
        guests = (self.guests[guest_id] for _modified, guest_id in self.guests_by_modified.between(start, end))
        return [guest for guest in guests if not guest.deleted]

    def live_guest(self, guest_id: int) -> Guest | None:
        guest = self.guests.get(guest_id)
        return None if guest is None or guest.deleted else guest

    def guest_by_email(self, email: str | None) -> Guest | None:
        key = normalise_email(email)
        if not key:
            return None
        guest_id = self.guest_ids_by_email.get(key)
        return self.live_guest(guest_id) if guest_id else None

    def reindex_email(self, guest: Guest, old_email: str | None) -> None:
        old_key = normalise_email(old_email)
        if old_key and self.guest_ids_by_email.get(old_key) == guest.id:
            del self.guest_ids_by_email[old_key]
        new_key = normalise_email(guest.email)
        if new_key and not guest.deleted:
            self.guest_ids_by_email.setdefault(new_key, guest.id)

    # --- bookings ---------------------------------------------------------------------------
    def add_booking(self, booking: Booking) -> None:
        self.bookings[booking.unique_id] = booking
        self.booking_ids_by_reference[booking.reference] = booking.unique_id
        if booking.external_id:
            self.booking_ids_by_external_id[booking.external_id] = booking.unique_id
        self.bookings_by_modified.place(booking.unique_id, booking.modified, booking.reference)

    def touch_booking(self, booking: Booking, at: float) -> None:
        """The booking changed at `at` (its bookingModifiedDate)."""
        booking.modified = at
        self.bookings_by_modified.place(booking.unique_id, at, booking.reference)

    def bookings_modified_between(self, start: float, end: float) -> list[Booking]:
        """Bookings (not deleted) with start ≤ modified < end, by (modified, reference)."""
        ids, bookings = self.booking_ids_by_reference, self.bookings
        found = (bookings[ids[reference]] for _modified, reference in self.bookings_by_modified.between(start, end))
        return [booking for booking in found if booking.status != "Deleted"]

    # --- waivers ----------------------------------------------------------------------------
    def add_signed_waiver(self, record: SignedWaiver) -> None:
        self.signed_waivers[record.id] = record
        self.signed_waivers_by_modified.place(record.id, record.modified, record.id)

    def signed_waivers_modified_between(self, start: float, end: float) -> list[SignedWaiver]:
        entries = self.signed_waivers_by_modified.between(start, end)
        return [self.signed_waivers[waiver_id] for _modified, waiver_id in entries]

    def add_booking_signed_waiver(self, record: BookingSignedWaiver) -> None:
        # One waiver can be attached to many bookings: the entry's last part is the row's
        # position, so ties keep the order they were attached in.
        position = len(self.booking_signed_waivers)
        self.booking_signed_waivers.append(record)
        self.booking_signed_waivers_by_modified.place(position, record.modified, record.signed_waiver_id, position)

    def booking_signed_waivers_modified_between(self, start: float, end: float) -> list[BookingSignedWaiver]:
        entries = self.booking_signed_waivers_by_modified.between(start, end)
        return [self.booking_signed_waivers[position] for *_key, position in entries]

    def find_booking(self, key: str) -> Booking | None:
        """Look up by uniqueId or by bookingReference, as GET /bookings/{id} allows."""
        booking = self.bookings.get(key)
        if booking is None and key.isdigit():
            unique_id = self.booking_ids_by_reference.get(int(key))
            booking = self.bookings.get(unique_id) if unique_id else None
        if booking is None or booking.status == "Deleted":
            return None
        return booking

    def counts(self) -> dict[str, int]:
        return {
            "products": len(self.variations),
            "guests": sum(1 for g in self.guests.values() if not g.deleted),
            "signedWaivers": len(self.signed_waivers),
            "bookings": len(self.bookings),
            "bookingItems": sum(len(b.items) for b in self.bookings.values()),
            "webhooks": len(self.webhooks),
        }
