"""ROLLER splits a bulk export's files by record count, so a booking's item rows can end one
file and begin the next: the order is written once, with every line of both files, and the
import counts it once in the records it has seen."""

import pytest
import requests

from integrations.models import ExportFile, Order, OrderLine, SourceExport, SyncRun
from tests.integrations.exports.test_first_import_by_export import (
    activate,
    arrive,
    sequences_expected,
    wait_for_webhooks,
)

pytestmark = pytest.mark.django_db


def booking_items_of(received: list[dict]) -> tuple[dict[str, set[str]], set[str]]:
    """The BookingItems files' item ids per booking, and the bookings whose rows are in two files."""
    items: dict[str, set[str]] = {}
    files_of: dict[str, set[str]] = {}
    for body in received:
        if body["data"]["exportType"] != "BookingItems":
            continue
        for url in body["data"]["preSignedUrls"]:
            for row in requests.get(url, timeout=10).json():
                items.setdefault(row["bookingUniqueId"], set()).add(str(row["bookingItemId"]))
                files_of.setdefault(row["bookingUniqueId"], set()).add(url)
    return items, {booking for booking, urls in files_of.items() if len(urls) > 1}


def split_bookings_imported(sandbox, worker, receiver):
    """A first import whose BookingItems files are cut every 25 items, every sequence read;
    returns the connection, the files' item ids per booking and the straddling bookings."""
    sandbox.configure(bulk_export_file_records=25)
    connection = activate(sandbox, worker, contacts_days=60, orders_days=60)
    worker.drain()
    received = wait_for_webhooks(receiver, sequences_expected(connection))
    items, straddling = booking_items_of(received)
    assert straddling, "some booking's rows are in two files"
    for body in received:
        arrive(worker, connection, body)
    worker.drain(limit=5000)
    return connection, items, straddling


def test_a_booking_split_across_two_files_is_one_order_with_all_its_lines(sandbox, worker, receiver):
    connection, items, straddling = split_bookings_imported(sandbox, worker, receiver)

    assert set(SyncRun.objects.filter(connection=connection).values_list("status", flat=True)) == {"succeeded"}
    orders = {o.external_id: o for o in Order.objects.filter(connection=connection, external_id__in=straddling)}
    assert orders, "the straddling bookings have holders that could be stored"
    for external_id, stored in orders.items():
        lines = set(OrderLine.objects.filter(order=stored).values_list("external_id", flat=True))
        assert lines == items[external_id], external_id


def test_a_booking_split_across_two_files_is_counted_once_in_the_records_seen(sandbox, worker, receiver):
    connection, items, _straddling = split_bookings_imported(sandbox, worker, receiver)

    export = SourceExport.objects.get(connection=connection, stream=SyncRun.Stream.ORDERS)
    assert export.sync_run.status == "succeeded"
    assert export.sync_run.records_seen == len(items)
    files = ExportFile.objects.filter(sequence__export=export)
    assert sum(files.values_list("records_seen", flat=True)) == len(items)
