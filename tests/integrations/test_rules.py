"""The rules every source shares: pure functions, checked without a database."""

import datetime as dt

import pytest

from integrations.models import Connection, Order
from integrations.outcomes import Reason
from integrations.records import ContactData, OrderData
from integrations.rules import (
    Action,
    consent_apply,
    contact_decide,
    contact_prepare,
    is_minor,
    order_decide,
)

TODAY = dt.date(2026, 7, 1)


def settings(**values) -> Connection:
    """An unsaved connection: the rules read its settings and nothing else."""
    return Connection(**values)


def person(**values) -> ContactData:
    return ContactData(
        **{
            "source_id": "27718291",
            "email": "mia@example.com",
            "phone": "+31612345678",
            "date_of_birth": dt.date(1988, 4, 2),
            **values,
        }
    )


def booking(channel: str = Order.Channel.ONLINE) -> OrderData:
    return OrderData(external_id="69ea56d8", channel=channel, reference="5032443")


def decide_order(holder, *, connection=None, known_minor=False, contact_known=False, order_known=False, **kwargs):
    return order_decide(
        kwargs.get("order", booking()),
        holder=holder,
        holder_is_known_minor=known_minor,
        connection=connection or settings(),
        contact_known=contact_known,
        order_known=order_known,
        today=TODAY,
        holder_left_out=kwargs.get("holder_left_out", ""),
    )


def decide_contact(contact, *, connection=None, known_minor=False, contact_known=False):
    return contact_decide(
        contact,
        connection=connection or settings(),
        is_known_minor=known_minor,
        contact_known=contact_known,
        today=TODAY,
    )


# --- minors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date_of_birth", "minimum_age", "minor"),
    [
        (dt.date(2008, 7, 2), 18, True),  # turns 18 tomorrow
        (dt.date(2008, 7, 1), 18, False),  # turns 18 today
        (dt.date(2008, 6, 30), 18, False),
        (dt.date(2010, 7, 1), 16, False),
        (dt.date(2010, 7, 2), 16, True),
        (dt.date(1988, 4, 2), 18, False),
        (None, 18, False),  # no date of birth: not known to be a minor from it
    ],
)
def test_a_guest_is_a_minor_until_the_day_they_reach_the_minimum_age(date_of_birth, minimum_age, minor):
    assert is_minor(date_of_birth, minimum_age, TODAY) is minor


def test_someone_born_on_29_february_comes_of_age_on_1_march():
    assert is_minor(dt.date(2008, 2, 29), 18, dt.date(2026, 2, 28)) is True
    assert is_minor(dt.date(2008, 2, 29), 18, dt.date(2026, 3, 1)) is False


# --- consent ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strategy", "value", "written"),
    [
        (Connection.OptInStrategy.IN_AND_OUT, True, True),
        (Connection.OptInStrategy.IN_AND_OUT, False, False),
        (Connection.OptInStrategy.IN_ONLY, True, True),
        (Connection.OptInStrategy.IN_ONLY, False, None),
        (Connection.OptInStrategy.NONE, True, None),
        (Connection.OptInStrategy.NONE, False, None),
        (Connection.OptInStrategy.IN_AND_OUT, None, None),
        (Connection.OptInStrategy.IN_ONLY, None, None),
    ],
)
def test_consent_follows_the_opt_in_strategy_and_an_unknown_value_changes_nothing(strategy, value, written):
    assert consent_apply(value, strategy) is written


def test_email_and_sms_consent_are_applied_apart():
    prepared = contact_prepare(
        person(email_consent=False, sms_consent=True),
        connection=settings(opt_in_strategy=Connection.OptInStrategy.IN_ONLY),
    )
    assert (prepared.email_consent, prepared.sms_consent) == (None, True)


def test_a_missing_sms_consent_stays_unknown():
    prepared = contact_prepare(person(email_consent=True, sms_consent=None), connection=settings())
    assert (prepared.email_consent, prepared.sms_consent) == (True, None)


def test_a_contact_is_matched_on_the_connections_matching_key():
    assert contact_prepare(person(), connection=settings()).match_value == "mia@example.com"
    phone = settings(matching_key=Connection.MatchingKey.PHONE)
    assert contact_prepare(person(), connection=phone).match_value == "+31612345678"


# --- contacts -----------------------------------------------------------------------------


def test_a_guest_with_email_becomes_a_new_contact_or_updates_a_known_one():
    assert decide_contact(person()).action == Action.CREATE
    assert decide_contact(person(), contact_known=True).action == Action.UPDATE


def test_a_minor_by_date_of_birth_or_by_waiver_never_becomes_a_contact():
    assert decide_contact(person(date_of_birth=dt.date(2015, 1, 1))).reason == Reason.MINOR
    assert decide_contact(person(), known_minor=True).reason == Reason.MINOR


def test_the_minimum_age_is_the_connections():
    seventeen = person(date_of_birth=dt.date(2009, 1, 1))
    assert decide_contact(seventeen).reason == Reason.MINOR
    assert decide_contact(seventeen, connection=settings(minimum_age=16)).action == Action.CREATE


def test_a_guest_with_neither_email_nor_phone_is_not_a_contact():
    assert decide_contact(person(email="", phone="")).reason == Reason.NO_EMAIL_OR_PHONE


def test_no_contact_is_written_when_contacts_are_switched_off():
    assert decide_contact(person(), connection=settings(contacts_enabled=False)).reason == Reason.CONTACTS_DISABLED


def test_a_guest_without_the_matching_value_is_left_out():
    phone = settings(matching_key=Connection.MatchingKey.PHONE)
    assert decide_contact(person(phone=""), connection=phone).reason == Reason.NO_MATCHING_KEY


def test_update_only_leaves_out_a_guest_who_is_not_a_contact_yet():
    update_only = settings(contacts_mode=Connection.ContactsMode.UPDATE_ONLY)
    assert decide_contact(person(), connection=update_only).reason == Reason.CONTACT_NOT_FOUND
    assert decide_contact(person(), connection=update_only, contact_known=True).action == Action.UPDATE


def test_a_minor_is_reported_as_a_minor_whatever_else_is_wrong():
    off = settings(contacts_enabled=False)
    child = person(email="", phone="", date_of_birth=dt.date(2016, 2, 11))
    assert decide_contact(child, connection=off).reason == Reason.MINOR


# --- orders -------------------------------------------------------------------------------


def test_a_booking_whose_holder_has_the_matching_value_becomes_an_order():
    assert decide_order(person(phone="")).action == Action.CREATE
    by_phone = settings(matching_key=Connection.MatchingKey.PHONE)
    assert decide_order(person(email=""), connection=by_phone).action == Action.CREATE
    assert decide_order(person(), order_known=True).action == Action.UPDATE


def test_a_booking_without_a_holder_is_left_out_with_no_contact():
    assert decide_order(None).reason == Reason.NO_CONTACT


def test_a_booking_whose_holder_the_import_left_out_is_left_out_for_the_holders_reason():
    decision = decide_order(None, holder_left_out=Reason.NO_EMAIL_OR_PHONE)
    assert (decision.action, decision.reason) == (Action.SKIP, Reason.NO_EMAIL_OR_PHONE)


def test_a_point_of_sale_booking_without_a_customer_is_left_out_as_onsite_without_contact():
    assert decide_order(None, order=booking(Order.Channel.ONSITE)).reason == Reason.ONSITE_WITHOUT_CONTACT
    assert decide_order(person(), order=booking(Order.Channel.ONSITE)).action == Action.CREATE


def test_a_booking_whose_holder_has_neither_email_nor_phone_is_left_out():
    assert decide_order(person(email="", phone="")).reason == Reason.NO_EMAIL_OR_PHONE


def test_a_booking_is_left_out_when_contacts_are_switched_off():
    assert decide_order(person(), connection=settings(contacts_enabled=False)).reason == Reason.CONTACTS_DISABLED


def test_update_only_leaves_out_a_booking_whose_holder_is_not_a_contact():
    update_only = settings(contacts_mode=Connection.ContactsMode.UPDATE_ONLY)
    assert decide_order(person(), connection=update_only).reason == Reason.CONTACT_NOT_FOUND
    assert decide_order(person(), connection=update_only, contact_known=True).action == Action.CREATE


def test_a_booking_of_a_minor_is_left_out_as_a_minor():
    assert decide_order(person(date_of_birth=dt.date(2012, 5, 5))).reason == Reason.MINOR
    assert decide_order(None, known_minor=True).reason == Reason.MINOR


@pytest.mark.parametrize(
    ("holder", "known_minor", "channel", "connection", "reason"),
    [
        # Each case breaks every rule from its own onwards: the first rule broken is the reason.
        (None, True, "onsite", {"contacts_enabled": False, "contacts_mode": "update_only"}, Reason.MINOR),
        (None, False, "onsite", {"contacts_enabled": False, "contacts_mode": "update_only"},
         Reason.ONSITE_WITHOUT_CONTACT),
        (None, False, "online", {"contacts_enabled": False, "contacts_mode": "update_only"}, Reason.NO_CONTACT),
        ({"email": "", "phone": ""}, False, "online", {"contacts_enabled": False, "contacts_mode": "update_only"},
         Reason.NO_EMAIL_OR_PHONE),
        ({"phone": ""}, False, "online",
         {"contacts_enabled": False, "contacts_mode": "update_only", "matching_key": "phone"},
         Reason.CONTACTS_DISABLED),
        ({"phone": ""}, False, "online", {"contacts_mode": "update_only", "matching_key": "phone"},
         Reason.NO_MATCHING_KEY),
        ({}, False, "online", {"contacts_mode": "update_only"}, Reason.CONTACT_NOT_FOUND),
    ],
)  # fmt: skip
def test_the_reasons_for_leaving_a_booking_out_apply_in_their_order(holder, known_minor, channel, connection, reason):
    decision = decide_order(
        None if holder is None else person(**holder),
        known_minor=known_minor,
        order=booking(channel),
        connection=settings(**connection),
    )
    assert (decision.action, decision.reason) == (Action.SKIP, reason)
