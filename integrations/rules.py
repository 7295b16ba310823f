"""The rules every source shares, as pure functions: what should happen to a record, and why.

No database writes, no HTTP. They decide from the plain records (integrations.records), the
connection's settings and a few facts the caller looked up ("is this person a known minor",
"is this contact known"), so the wizard's preview can run them without writing anything.
The upserts (integrations.services.upserts) write what they decide.
"""

import dataclasses
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from integrations.minors import is_minor
from integrations.models import Connection, Order
from integrations.outcomes import Reason
from integrations.records import ContactData, OrderData

Strategy = Connection.OptInStrategy


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    reason: Reason | None = None  # only when skipped

    @property
    def writes(self) -> bool:
        return self.action != Action.SKIP


def _skip(reason: Reason) -> Decision:
    return Decision(Action.SKIP, reason)


def _write(known: bool) -> Decision:
    return Decision(Action.UPDATE if known else Action.CREATE)


# --- consent ------------------------------------------------------------------------------


def consent_apply(value: bool | None, strategy: str) -> bool | None:
    """The consent to write under the connection's opt-in strategy; None changes nothing.

    in_and_out: opt-ins and opt-outs propagate; in_only: only opt-ins (an opt-out is left to
    the marketing platform's own unsubscribe); none: consent is never changed from here.
    """
    if value is None or strategy == Strategy.NONE:
        return None
    if strategy == Strategy.IN_ONLY:
        return True if value else None
    return value


# --- contacts -----------------------------------------------------------------------------


def contact_match_value(contact: ContactData, matching_key: str) -> str:
    """The value the connection matches contacts on ("" when the person lacks it)."""
    return contact.phone if matching_key == Connection.MatchingKey.PHONE else contact.email


def contact_prepare(contact: ContactData, *, connection: Connection) -> ContactData:
    """The contact as it is to be written: its matching value set, consent as the strategy says."""
    return dataclasses.replace(
        contact,
        match_value=contact_match_value(contact, connection.matching_key),
        email_consent=consent_apply(contact.email_consent, connection.opt_in_strategy),
        sms_consent=consent_apply(contact.sms_consent, connection.opt_in_strategy),
    )


def contact_decide(
    contact: ContactData,
    *,
    connection: Connection,
    is_known_minor: bool,
    contact_known: bool,
    today: dt.date,
) -> Decision:
    """Whether a person becomes (or updates) a contact, in the order of the order rules:
    minor, no email or phone, contacts off, no matching value, update only and unknown."""
    if is_known_minor or is_minor(contact.date_of_birth, connection.minimum_age, today):
        return _skip(Reason.MINOR)
    if not contact.email and not contact.phone:
        return _skip(Reason.NO_EMAIL_OR_PHONE)
    if not connection.contacts_enabled:
        return _skip(Reason.CONTACTS_DISABLED)
    if not contact_match_value(contact, connection.matching_key):
        return _skip(Reason.NO_MATCHING_KEY)
    if connection.contacts_mode == Connection.ContactsMode.UPDATE_ONLY and not contact_known:
        return _skip(Reason.CONTACT_NOT_FOUND)
    return _write(contact_known)


# --- orders -------------------------------------------------------------------------------


def order_decide(
    order: OrderData,
    *,
    holder: ContactData | None,
    holder_is_known_minor: bool,
    connection: Connection,
    contact_known: bool,
    order_known: bool,
    today: dt.date,
    holder_left_out: str = "",
) -> Decision:
    """Whether a booking becomes (or updates) an order. An order always has a contact, so the
    holder's rules come first, in exactly this order:

    1. the holder is a minor → minor (nothing about them is stored);
    2. no holder → onsite_without_contact for an on-site sale, else no_contact;
    3. the holder has neither email nor phone → no_email_or_phone;
    4. contacts are switched off → contacts_disabled;
    5. the holder lacks the value contacts are matched on → no_matching_key;
    6. update only and the holder is not a known contact → contact_not_found.

    `holder` is None when the booking names no holder, or names one the source no longer has;
    `holder_left_out` is the reason the same import left that holder out (rule 3 or 5's
    reasons for the person), when it read them moments ago and is not asking again.
    """
    if holder_is_known_minor or (holder is not None and is_minor(holder.date_of_birth, connection.minimum_age, today)):
        return _skip(Reason.MINOR)
    if holder is None and holder_left_out:
        return _skip(holder_left_out)
    if holder is None:
        return _skip(Reason.ONSITE_WITHOUT_CONTACT if order.channel == Order.Channel.ONSITE else Reason.NO_CONTACT)
    if not holder.email and not holder.phone:
        return _skip(Reason.NO_EMAIL_OR_PHONE)
    if not connection.contacts_enabled:
        return _skip(Reason.CONTACTS_DISABLED)
    if not contact_match_value(holder, connection.matching_key):
        return _skip(Reason.NO_MATCHING_KEY)
    if connection.contacts_mode == Connection.ContactsMode.UPDATE_ONLY and not contact_known:
        return _skip(Reason.CONTACT_NOT_FOUND)
    return _write(order_known)
