"""A source system that exists only in tests, to drive imports and product syncs without ROLLER.

It holds plain records in memory (each with its modified time as `source_version`), serves
windows of them as the core asks, and notes every read, so tests can check which windows were
read and in what order. Register it with `FakeSource().register()`.
"""

import datetime as dt
from dataclasses import dataclass, field

from integrations.models import SyncRun
from integrations.records import AgeEvidence, ContactData, OrderData, ProductData, ProductsRead, RecordBatch
from integrations.registry import ConnectorSpec, connector_register

TYPE = "fake_source"
Stream = SyncRun.Stream


@dataclass
class FakeSource:
    products: list[ProductData] = field(default_factory=list)
    guests: list[ContactData] = field(default_factory=list)
    bookings: list[OrderData] = field(default_factory=list)
    waivers: list[tuple[dt.datetime, AgeEvidence]] = field(default_factory=list)
    # Reads as (stream, start, end); products as ("products", None, None).
    reads: list[tuple] = field(default_factory=list)
    # An exception to raise at the next read of a stream (and then not again).
    failures: dict[str, Exception] = field(default_factory=dict)
    webhook_problem: str | None = None
    calls_per_second: float = 2.0

    def register(self) -> "FakeSource":
        connector_register(
            ConnectorSpec(
                type=TYPE,
                label="Fake source",
                read_products=self.read_products,
                read_window=self.read_window,
                read_people=self.read_people,
                check_webhook=lambda connection: self.webhook_problem,
                import_calls_per_second=self.calls_per_second,
            )
        )
        return self

    @staticmethod
    def unregister() -> None:
        from integrations import registry

        registry._connectors.pop(TYPE, None)

    def read_products(self, connection) -> ProductsRead:
        self._read(Stream.PRODUCTS, None, None)
        return ProductsRead(products=list(self.products))

    def read_window(self, connection, stream: str, start: dt.datetime, end: dt.datetime) -> RecordBatch:
        self._read(stream, start, end)

        def inside(version: dt.datetime | None) -> bool:
            return version is not None and start <= version < end

        records = RecordBatch()
        if stream == Stream.AGES:
            records.ages = [waiver for version, waiver in self.waivers if inside(version)]
            records.records_seen = len(records.ages)
        elif stream == Stream.CONTACTS:
            records.contacts = [guest for guest in self.guests if inside(guest.source_version)]
            records.records_seen = len(records.contacts)
        elif stream == Stream.ORDERS:
            records.orders = [booking for booking in self.bookings if inside(booking.source_version)]
            records.records_seen = len(records.orders)
            for order in records.orders:
                for line in order.lines:
                    records.line_products.setdefault(
                        line.product_external_id,
                        ProductData(
                            external_id=line.product_external_id,
                            name=f"Product {line.product_external_id}",
                            created_from_order=True,
                        ),
                    )
        return records

    def read_people(self, connection, source_ids: list[str]) -> dict[str, ContactData | None]:
        newest = {}
        for guest in sorted(self.guests, key=lambda g: g.source_version):
            newest[guest.source_id] = guest
        return {source_id: newest.get(source_id) for source_id in source_ids}

    def _read(self, stream: str, start, end) -> None:
        self.reads.append((stream, start, end))
        failure = self.failures.pop(stream, None)
        if failure is not None:
            raise failure
