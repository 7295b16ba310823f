"""Bulk exports (`POST /reporting/bulk`), the way ROLLER's docs describe them.

- The request names an `exportType` and a venue-local `startDate` (inclusive) and `endDate`
  (exclusive, at least a day later); the answer is an empty 200 without a `processId`.
- One request per export type every 6 hours (`bulk_export_slot_seconds`); another gets 429.
- Generation is asynchronous: one sequence per calendar month the range touches, the months
  generated side by side, each ready `bulk_export_delay_seconds` after the request (not one
  after another: ten years of months would take delay x 121), sent in shuffled order as a
  `BulkExport`/`Created` webhook to every webhook subscribed to `bulkExport: Created`. Each
  export (each type) is generated on its own, independently of the others. A month without
  records comes with no URLs.
- A month's rows (shaped as the matching /data/ endpoint, filtered on modified time like it)
  are split into files of `bulk_export_file_records` rows, a bare array or, with
  `bulk_export_file_shape = "page"`, a page envelope.
- Usage: per calendar month, one unit per started 10,000 records; a month without records
  costs nothing (docs: rate-limits-and-throttling-reporting-api.md, Bulk Exports).

The signed URLs are served by `files.py`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import api_reporting, clock, files
from .routing import Request, Response, empty, json_response, validation_error
from .validation import Errors
from .webhooks import Event

if TYPE_CHECKING:
    from .app import Sandbox

PATH = "/reporting/bulk"
EXPORT_TYPES = (
    "RevenueEntries", "Customers", "Attendance", "Payments", "MembershipRedemptions", "MembershipStatuses",
    "MembershipCredits", "Tickets", "Giftcards", "BookingItems", "PosTillReconciliations", "SignedWaivers",
    "BookingSignedWaivers",
)  # fmt: skip
# The export types whose reporting endpoint the sandbox has; the others are accepted and come
# back as months without data (the sandbox venue has no payments, memberships, ...).
ROW_SOURCES = {
    "Customers": "/data/customers",
    "BookingItems": "/data/bookingitems",
    "Tickets": "/data/tickets",
    "SignedWaivers": "/data/signedwaivers",
    "BookingSignedWaivers": "/data/bookingsignedwaivers",
}
RECORDS_PER_UNIT = 10_000
UNAVAILABLE = "Bulk exports are not available for this venue."


@dataclass
class Export:
    process_id: str
    export_type: str
    start_date: str
    end_date: str
    offset: bool
    base_url: str
    months: list[tuple[dt.date, dt.date]]
    units: int
    generation: int
    delivered: list[int] = field(default_factory=list)
    file_bytes: list[int] = field(default_factory=list)  # each file's size, so a bench can print the largest

    def public(self) -> dict[str, Any]:
        return {
            "processId": self.process_id,
            "exportType": self.export_type,
            "startDate": self.start_date,
            "endDate": self.end_date,
            "sequenceTotal": len(self.months),
            "delivered": list(self.delivered),
            "fileBytes": list(self.file_bytes),
            "usageUnits": self.units,
        }


class BulkExports:
    def __init__(self, app: Sandbox) -> None:
        self._app = app
        self._lock = threading.Lock()
        self.files = files.SignedFiles(app.config)
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._generation = getattr(self, "_generation", 0) + 1
            self._last_request: dict[str, float] = {}
            self.exports: list[Export] = []
        self.files.clear()

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {"exports": [export.public() for export in self.exports]}

    # --- the request --------------------------------------------------------------------------
    def request(self, request: Request) -> Response:
        config = self._app.config
        if not config.bulk_exports_enabled:
            return json_response(403, {"message": UNAVAILABLE})
        parsed = _parse(request.body)
        if isinstance(parsed, Errors):
            return validation_error(parsed)
        export_type, start, end = parsed
        now = time.monotonic()
        with self._lock:
            last = self._last_request.get(export_type)
            if last is not None and now - last < config.bulk_export_slot_seconds:
                retry_after = math.ceil(config.bulk_export_slot_seconds - (now - last))
                return empty(429, **{"Retry-After": str(max(1, retry_after))})
            self._last_request[export_type] = now
            months = month_slices(start, end)
            export = Export(
                process_id=secrets.token_urlsafe(16)[:22],
                export_type=export_type,
                start_date=start.isoformat(),
                end_date=end.isoformat(),
                offset=request.header("timezone-designators").lower() == "offset",
                base_url=f"http://{request.header('host', '127.0.0.1')}",
                months=months,
                units=export_usage_units(self._count(export_type, *month) for month in months),
                generation=self._generation,
            )
            self.exports.append(export)
        self._app.stats.record_usage(export.units)
        order = list(range(1, len(months) + 1))
        random.Random(self._app.rng.random()).shuffle(order)  # "data for March could come before February"
        threading.Thread(target=self._generate, args=(export, order), name="roller-bulk", daemon=True).start()
        return empty(200)

    def _count(self, export_type: str, first: dt.date, upto: dt.date) -> int:
        return len(self._rows(export_type, first, upto).records)

    def _rows(self, export_type: str, first: dt.date, upto: dt.date) -> api_reporting.Rows:
        path = ROW_SOURCES.get(export_type)
        if path is None:
            return api_reporting.Rows((), lambda record, offset: record)
        start, end = clock.local_midnight_ts(first), clock.local_midnight_ts(upto)
        with self._app.store.lock:
            return api_reporting.WINDOWED[path](self._app, None, start, end)

    # --- generation ----------------------------------------------------------------------------
    def _generate(self, export: Export, order: list[int]) -> None:
        # ROLLER generates a long range's months side by side and announces them as they are
        # ready, "data for March could come before February": every month is ready one delay
        # after the request, and they go out in shuffled order. Files are still written a
        # month at a time, so a bench venue's busy months are not all in memory at once.
        time.sleep(self._app.config.bulk_export_delay_seconds)
        for sequence in order:
            if export.generation != self._generation:
                return  # the sandbox was reset meanwhile
            data = {
                "venueId": self._app.store.venue["id"],
                "preSignedUrls": self._write_files(export, sequence),
                "exportType": export.export_type,
                "processId": export.process_id,
                "sequenceNumber": sequence,
                "sequenceTotal": len(export.months),
            }
            with self._lock:
                export.delivered.append(sequence)
            self._app.publish(Event("BulkExport", "Created", clock.now(), data))

    def _write_files(self, export: Export, sequence: int) -> list[str]:
        first, upto = export.months[sequence - 1]
        config, store = self._app.config, self._app.store
        with store.lock:
            rows = self._rows(export.export_type, first, upto)
        size = max(1, config.bulk_export_file_records)
        total = math.ceil(len(rows.records) / size)
        urls = []
        for number in range(1, total + 1):
            # Encoded a row at a time: a busy month of the bench venue is hundreds of MB as dicts.
            with store.lock:
                chunk = [
                    json.dumps(rows.render(record, export.offset))
                    for record in rows.records[(number - 1) * size : number * size]
                ]
            # Docs: `4-EbqmlvPZW0mA-ZVgfGrgGg-20240501-BookingItems.json`; split files end in `-1`, `-2`, ...
            suffix = f"-{number}" if total > 1 else ""
            name = f"{sequence}-{export.process_id}-{first:%Y%m%d}-{export.export_type}{suffix}.json"
            array, count = "[" + ", ".join(chunk) + "]", len(chunk)  # as json.dumps writes a list
            del chunk
            body = (array if config.bulk_export_file_shape == "array" else self._page(array, count)).encode()
            with self._lock:
                export.file_bytes.append(len(body))
            urls.append(self.files.put(export.base_url, name, body))
        return urls

    def _page(self, array: str, count: int) -> str:
        """The rows' JSON array inside the reporting page envelope."""
        body: dict[str, Any] = {"currentPage": 1, "totalPages": 1, "totalItems": count}
        key = self._app.config.items_per_page_key
        for name in ("itemsPerPage", "itemsPerpage"):
            if key in (name, "both"):
                body[name] = count
        return json.dumps(body)[:-1] + ', "items": ' + array + "}"


def _parse(body: Any) -> tuple[str, dt.date, dt.date] | Errors:
    errors = Errors()
    if not isinstance(body, dict):
        errors.add("", "A JSON object is required.")
        return errors
    export_type = body.get("exportType")
    if export_type not in EXPORT_TYPES:
        errors.add("exportType", f"The exportType must be one of: {', '.join(EXPORT_TYPES)}.")
    dates: dict[str, dt.date] = {}
    for name in ("startDate", "endDate"):
        raw = body.get(name)
        try:
            if not isinstance(raw, str) or len(raw) != 10:
                raise ValueError
            dates[name] = dt.date.fromisoformat(raw)
        except ValueError:
            errors.add(name, f"The {name} field is required, as yyyy-MM-dd.")
    if len(dates) == 2 and dates["endDate"] < dates["startDate"] + dt.timedelta(days=1):
        errors.add("endDate", "The endDate must be at least 1 day after the startDate.")
    if errors:
        return errors
    return export_type, dates["startDate"], dates["endDate"]


def month_slices(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """[start, end) cut at the first of each month: one sequence per calendar month touched."""
    slices, cursor = [], start
    while cursor < end:
        next_month = (cursor.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        upto = min(next_month, end)
        slices.append((cursor, upto))
        cursor = upto
    return slices


def export_usage_units(records_per_month: Iterable[int]) -> int:
    """What one export costs: the units of each calendar month it touches, added up."""
    return sum(usage_units(records) for records in records_per_month)


def usage_units(records: int) -> int:
    """ROLLER: "1 usage per 10,000 records, per calendar month"; its examples count a month of
    one record as 1 and a month of none as 0."""
    return math.ceil(records / RECORDS_PER_UNIT)
