"""The delivery tests: a destination of the account, sending to the Activate stand-in over
real HTTP, and store records written through the one ingest path (which writes the outbox)."""

import datetime as dt
from decimal import Decimal

import pytest

from integrations.activate.models import ActivateSettings
from integrations.delivery.models import Destination, OutboxItem
from integrations.delivery.services.delivery import outbox_deliver
from integrations.models import Order
from integrations.records import ContactData, OrderData, OrderLineData, ProductData, RecordBatch
from integrations.services.ingest import ingest
from tests.factories import ConnectionFactory
from tests.fixtures.activate_sandbox import activate_sandbox, activate_sandbox_process

__all__ = ["activate_sandbox", "activate_sandbox_process"]

TODAY = dt.date(2026, 7, 1)
NOW = dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)


def person(source_id: str = "g1", **values) -> ContactData:
    return ContactData(
        **{
            "source_id": source_id,
            "email": f"{source_id}@example.com",
            "first_name": "Mia",
            "last_name": "Jansen",
            "date_of_birth": dt.date(1988, 4, 2),
            "country": "Netherlands",
            "source_version": NOW,
            **values,
        }
    )


def booking(external_id: str = "b1", holder: str = "g1", **values) -> OrderData:
    return OrderData(
        **{
            "external_id": external_id,
            "channel": Order.Channel.ONLINE,
            "status": "Paid",
            "total": Decimal("20.00"),
            "currency": "EUR",
            "ordered_at": NOW,
            "visit_date": dt.date(2026, 7, 4),
            "source_version": NOW,
            "holder_source_id": holder,
            "lines": (OrderLineData("l1", "P1", 2, Decimal("10.00")),),
            **values,
        }
    )


def product(external_id: str = "P1", **values) -> ProductData:
    return ProductData(**{"external_id": external_id, "name": "Jump 60", "price": Decimal("10.00"), **values})


def store(connection, **batch):
    """Through the one path into the store, which queues the outbox in its transaction."""
    return ingest(connection=connection, batch=RecordBatch(**batch), today=TODAY)


def deliver(destination, *kinds: str) -> int:
    return sum(outbox_deliver(destination_id=destination.pk, kind=kind) for kind in kinds or OutboxItem.Kind.values)


def items(destination, kind: str | None = None) -> list[OutboxItem]:
    rows = OutboxItem.objects.filter(destination=destination).order_by("pk")
    return list(rows.filter(kind=kind) if kind else rows)


@pytest.fixture
def connection(db):
    connection = ConnectionFactory(name="Jump Utrecht")
    store(connection, products=[product(source_version=NOW)])
    return connection


def destination_make(connection, *, url: str, account_id: str, api_key: str, **values) -> Destination:
    destination = Destination.objects.create(
        account=connection.account,
        destination_type="activate",
        name="Spotler Activate",
        status=Destination.Status.ACTIVE,
        **{"currency": "EUR", "language": "nl_NL", **values},
    )
    ActivateSettings.objects.create(destination=destination, account_id=account_id, api_key=api_key, base_url=url)
    return destination


@pytest.fixture
def destination(connection, activate_sandbox):
    return destination_make(
        connection, url=activate_sandbox.url, account_id=activate_sandbox.account_id, api_key=activate_sandbox.api_key
    )
