"""ROLLER's bulk exports as the core's exports (integrations.registry.ExportSpec).

- request: `POST /reporting/bulk` for the stream's export type, always with
  `TimeZone-Designators: Offset` (the client adds it). A 429 means another request of this
  type was made in the last 6 hours (by another integration, since we ask once) and a 403
  that bulk exports are not available to the key: both read the stream by windows instead.
- file_batches: a file streamed from its presigned URL (integrations.roller.bulk_files, no
  token sent), its rows parsed and mapped as the reporting windows' rows are
  (integrations.roller.importer), about a thousand at a time. A booking's item rows are never
  cut between two batches; ROLLER may cut them between two files, so a batch names its first
  and last booking for the core to count such a booking once.
- the `BulkExport`/`Created` webhook: its sequence handed to the core
  (integrations.services.exports.export_sequence_arrive), its body kept without the URLs'
  signatures.
"""

import datetime as dt
from collections.abc import Iterator, Mapping

from integrations.errors import EventSkipped, ExportFileGone, ExportRefused, RecordError
from integrations.locality import connection_country, connection_currency, connection_zone
from integrations.models import Connection, SyncRun, WebhookEvent
from integrations.outcomes import Reason
from integrations.records import RecordBatch
from integrations.registry import ExportSpec
from integrations.roller import importer, redaction
from integrations.roller.bulk_files import bulk_file_rows, presigned_url_display
from integrations.roller.client import RollerClient
from integrations.roller.errors import BulkExportUnavailable, BulkFileExpired, RateLimited
from integrations.roller.parsing.payloads import parse_bulk_export, parse_envelope
from integrations.roller.parsing.records import PayloadError
from integrations.services.exports import export_sequence_arrive

Stream = SyncRun.Stream
EXPORT_TYPES = {Stream.AGES: "SignedWaivers", Stream.CONTACTS: "Customers", Stream.ORDERS: "BookingItems"}
STREAMS = {export_type: stream for stream, export_type in EXPORT_TYPES.items()}
BATCH_ROWS = 1000
# docs: rate-limits-and-throttling-reporting-api.md, Bulk Exports: 1 use per 10,000 records a month.
RECORDS_PER_UNIT = 10_000
# docs: bulk-exports-overview.md: one request per export type every 6 hours per venue.
SLOT_SECONDS = 6 * 3600


def export_request(connection: Connection, stream: str, start_date: dt.date, end_date: dt.date) -> None:
    client = RollerClient.from_settings(connection.roller)
    try:
        client.request_bulk_export(export_type=EXPORT_TYPES[stream], start_date=start_date, end_date=end_date)
    except RateLimited as exc:
        raise ExportRefused(
            f"ROLLER refused the {EXPORT_TYPES[stream]} bulk export (429): another integration has used this "
            "venue's one request every 6 hours, so it is read by one-day windows.",
            slot_used=True,
            retry_after=exc.retry_after or None,
        ) from exc
    except BulkExportUnavailable as exc:
        raise ExportRefused(f"{exc} It is read by one-day windows.") from exc


def export_file_batches(connection: Connection, stream: str, url: str, skip: int) -> Iterator[tuple[int, RecordBatch]]:
    """(rows read, their records) about BATCH_ROWS rows at a time, past the first `skip` rows."""
    tz = connection_zone(connection)
    rows = bulk_file_rows(url, skip=skip)
    try:
        for chunk in _chunks(rows, stream):
            records = _records(connection, stream, chunk, tz)
            if stream == Stream.ORDERS:
                # ROLLER cuts BookingItems files by item count: a booking can go on in the next.
                records.first_source_id, records.last_source_id = _booking_id(chunk[0]), _booking_id(chunk[-1])
            yield len(chunk), records
    except BulkFileExpired as exc:
        raise ExportFileGone(str(exc)) from exc


def _chunks(rows: Iterator[dict], stream: str) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for row in rows:
        if len(chunk) >= BATCH_ROWS and (stream != Stream.ORDERS or _booking(row) != _booking(chunk[-1])):
            yield chunk
            chunk = []
        chunk.append(row)
    if chunk:
        yield chunk


def _booking(row: Mapping) -> object:
    return row.get("bookingUniqueId") if isinstance(row, Mapping) else None


def _booking_id(row: Mapping) -> str:
    booking = _booking(row)
    return str(booking) if booking not in (None, "") else ""


def _records(connection: Connection, stream: str, rows: list[dict], tz) -> RecordBatch:
    if stream == Stream.AGES:
        return importer.waivers_read(rows, tz)
    if stream == Stream.CONTACTS:
        return importer.contacts_read(rows, tz, country=connection_country(connection))
    return importer.orders_read(rows, tz, currency=connection_currency(connection))


EXPORTS = ExportSpec(
    request=export_request,
    file_batches=export_file_batches,
    records_per_unit=RECORDS_PER_UNIT,
    label="bulk export",
    slot_seconds=SLOT_SECONDS,
)


# --- the webhook ------------------------------------------------------------------------------


def bulk_export_created(event: WebhookEvent) -> None:
    """One sequence of a bulk export: ours (awaited for its type) is stored to be read; any
    other is skipped with its reason. The body keeps the URLs without their signatures."""
    tz = connection_zone(event.connection)
    try:
        envelope = parse_envelope(event.body, tz=tz)
        record = parse_bulk_export(envelope.data)
    except PayloadError as exc:
        raise RecordError(str(exc), reason=Reason.INVALID_PAYLOAD) from exc
    venue_id = event.connection.roller.venue_id
    if venue_id and record.venue_id != venue_id:
        raise EventSkipped("A bulk export of another venue.", reason=Reason.NOT_OUR_EXPORT)
    stream = STREAMS.get(record.export_type)
    if stream is None:
        raise EventSkipped(f"A {record.export_type} bulk export: not one we ask for.", reason=Reason.NOT_OUR_EXPORT)
    export_sequence_arrive(
        event=event,
        stream=stream,
        process_id=record.process_id,
        number=record.sequence_number,
        total=record.sequence_total,
        urls=list(record.urls),
        url_display=presigned_url_display,
    )
    event.body = redaction.bulk_body_redact(event.body)
    event.body_redacted = True
    event.save(update_fields=["body", "body_redacted"])
