"""The `BulkExport` webhook → BulkExportRecord (models/BulkDataExportCompleted.yaml)."""

import copy

import pytest

from integrations.roller.parsing.payloads import parse_bulk_export, parse_envelope
from integrations.roller.parsing.records import PayloadError
from tests.support.webhooks import fixture


def test_a_sequence_with_files():
    envelope = parse_envelope(fixture("bulk_export_created"))
    record = parse_bulk_export(envelope.data)

    assert (envelope.object_type, envelope.event_type) == ("BulkExport", "Created")
    assert record.venue_id == "3066"
    assert record.export_type == "BookingItems"
    assert record.process_id == "EbqmlvPZW0mA-ZVgfGrgGg"
    assert (record.sequence_number, record.sequence_total) == (4, 6)
    assert record.urls == tuple(fixture("bulk_export_created")["data"]["preSignedUrls"])
    assert not record.is_empty


def test_the_enum_ids_name_a_bulk_export_too():
    body = fixture("bulk_export_created") | {"type": 5, "eventType": 1}

    assert (parse_envelope(body).object_type, parse_envelope(body).event_type) == ("BulkExport", "Created")


def test_a_month_without_data_has_no_urls():
    record = parse_bulk_export(fixture("bulk_export_created_empty_month")["data"])

    assert record.urls == ()
    assert record.is_empty
    assert (record.sequence_number, record.sequence_total) == (1, 6)


def test_a_month_without_the_urls_field_is_read_as_empty():
    data = fixture("bulk_export_created_empty_month")["data"]
    del data["preSignedUrls"]

    assert parse_bulk_export(data).is_empty


def test_the_presigned_urls_stay_out_of_the_records_repr():
    record = parse_bulk_export(fixture("bulk_export_created")["data"])

    assert "X-Amz-Signature" not in repr(record)
    assert "EbqmlvPZW0mA-ZVgfGrgGg" in repr(record)


@pytest.mark.parametrize("field", ["venueId", "exportType", "processId", "sequenceNumber", "sequenceTotal"])
def test_a_missing_required_field_is_named(field):
    data = copy.deepcopy(fixture("bulk_export_created")["data"])
    del data[field]

    with pytest.raises(PayloadError, match=field):
        parse_bulk_export(data)


@pytest.mark.parametrize(("number", "total"), [(0, 6), (7, 6), (1, 0)])
def test_a_sequence_number_outside_its_total_is_refused(number, total):
    data = fixture("bulk_export_created")["data"] | {"sequenceNumber": number, "sequenceTotal": total}

    with pytest.raises(PayloadError, match="not a valid sequence number"):
        parse_bulk_export(data)


@pytest.mark.parametrize("urls", [["not a url"], [17], "https://example.com/file.json"])
def test_urls_that_are_not_a_list_of_absolute_urls_are_refused(urls):
    data = fixture("bulk_export_created")["data"] | {"preSignedUrls": urls}

    with pytest.raises(PayloadError, match="preSignedUrls") as raised:
        parse_bulk_export(data)
    assert "example.com" not in str(raised.value)
