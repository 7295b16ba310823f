"""A plain record kept in the database while it waits comes back exactly as it went in."""

import datetime as dt
from decimal import Decimal

from integrations.records import ContactData, OrderData, OrderLineData
from integrations.records_json import contact_loads, order_loads, record_dumps


def test_a_contact_comes_back_with_its_dates_and_unset_consent():
    contact = ContactData(
        source_id="42", email="eva@example.com", date_of_birth=dt.date(1990, 2, 3), email_consent=None,
        sms_consent=False, source_version=dt.datetime(2026, 5, 1, 12, 30, tzinfo=dt.UTC),
    )  # fmt: skip

    assert contact_loads(record_dumps(contact)) == contact


def test_an_order_comes_back_with_its_lines_amounts_and_times():
    order = OrderData(
        external_id="B-1", channel="online", total=Decimal("49.90"), discount=Decimal("0.10"),
        ordered_at=dt.datetime(2026, 5, 1, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        visit_date=dt.date(2026, 5, 3), holder_source_id="42",
        lines=(OrderLineData("L-1", "P-1", 2, unit_price=Decimal("24.95"), visit_date=dt.date(2026, 5, 3)),),
    )  # fmt: skip

    back = order_loads(record_dumps(order))

    assert back == order
    assert isinstance(back.total, Decimal) and isinstance(back.lines, tuple)
