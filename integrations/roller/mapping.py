"""ROLLER records (integrations.roller.parsing) → the core's plain data (integrations.records).

One mapping for webhooks and imports alike: a booking means the same whether it came as a
webhook's BookingDetail or as Reporting API rows.
"""

import datetime as dt

from integrations.models import Order
from integrations.normalise import email_normalise, phone_normalise
from integrations.records import ContactData, OrderData, OrderLineData, ProductData
from integrations.roller.parsing.records import BookingItemRecord, BookingRecord, GuestRecord, ProductRecord

# ROLLER names its sales channels twice: the REST `channel` (the app that created the booking)
# and the Reporting API's `bookingLocation`. Doorlist is the POS, SelfServe the kiosk, Consumer
# the online checkout. Compared without case: ROLLER's own examples mix "doorlist" and "Doorlist".
ONSITE_CHANNELS = frozenset({"pos", "ssk", "doorlist", "selfserve"})
ONLINE_CHANNELS = frozenset({"online", "forms", "marketplaces", "consumer", "channelpartners"})
CANCELLED = "Cancelled"


def channel_map(source_channel: str) -> str:
    """Our channel (Order.Channel) for ROLLER's value; anything else (VenueManager, Api,
    DataImport, RecurringPayment, a value ROLLER adds later) is "other"."""
    value = (source_channel or "").strip().lower()
    if value in ONSITE_CHANNELS:
        return Order.Channel.ONSITE
    if value in ONLINE_CHANNELS:
        return Order.Channel.ONLINE
    return Order.Channel.OTHER


def contact_data_from_guest(guest: GuestRecord, *, country: str, version: dt.datetime | None = None) -> ContactData:
    """The guest as a contact, with email and phone normalised (national numbers read as the
    venue's `country`). `version` stands in when the record has no modified time of its own
    (REST guests do not: the webhook's eventDate is their version)."""
    return ContactData(
        source_id=guest.guest_id,
        email=email_normalise(guest.email) or "",
        phone=phone_normalise(guest.phone, country) or "",
        first_name=guest.first_name,
        last_name=guest.last_name,
        date_of_birth=guest.date_of_birth,
        gender=guest.gender,
        street=guest.street,
        city=guest.city,
        postcode=guest.postcode,
        state=guest.state,
        country=guest.country,
        email_consent=guest.accept_marketing_email,
        sms_consent=guest.accept_marketing_sms,
        source_version=guest.modified_at or version,
    )


def order_data_from_booking(booking: BookingRecord, *, currency: str, cancelled: bool = False) -> OrderData:
    """The booking as an order with its lines. A Cancelled event sets the status whatever the
    payload says."""
    dates = [item.booking_date for item in booking.items if item.booking_date]
    return OrderData(
        external_id=booking.unique_id,
        reference=booking.reference,
        channel=channel_map(booking.channel),
        source_channel=booking.channel[:40],
        status=CANCELLED if cancelled else booking.status,
        ordered_at=booking.created_at,
        visit_date=min(dates) if dates else None,
        total=booking.total,
        discount=booking.discount,
        currency=currency,
        source_version=booking.modified_at,
        lines=tuple(_line(item) for item in booking.items),
        holder_source_id=booking.customer_id,
    )


def _line(item: BookingItemRecord) -> OrderLineData:
    return OrderLineData(
        external_id=item.item_id,
        product_external_id=item.product_id,
        quantity=item.quantity,
        unit_price=item.unit_price,
        discount=item.discount,
        visit_date=item.booking_date,
    )


def product_data_from_record(
    product: ProductRecord, *, version: dt.datetime | None, created_from_order: bool = False
) -> ProductData:
    return ProductData(
        external_id=product.product_id,
        name=product.name,
        parent_external_id=product.parent_id,
        product_type=product.product_type,
        price=product.price,
        category=product.category,
        active=product.active,
        created_from_order=created_from_order,
        source_version=version,
    )


def product_data_from_line(item: BookingItemRecord) -> ProductData:
    """A product ROLLER's product list does not have (since removed, say), made from the line
    that names it: a placeholder name and the line's price until a product sync knows better."""
    return ProductData(
        external_id=item.product_id,
        name=f"ROLLER product {item.product_id}",
        price=item.unit_price,
        created_from_order=True,
    )
