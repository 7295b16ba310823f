"""The switches of the ROLLER sandbox, in one dataclass.

Everything a test or a demo may want to change at run time lives here, so that
`PATCH /_sim/config` and the command line can set it with one code path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any

from .clock import VENUE_TZ

SIZES = ("small", "default", "bench", "bench10y", "bench1m")
ENUM_STYLES = ("string", "int")
BOOKING_WRAPPERS = ("none", "booking")
ITEMS_PER_PAGE_KEYS = ("itemsPerPage", "itemsPerpage", "both")
BULK_FILE_SHAPES = ("array", "page")

# ROLLER's documented webhook retry schedule: the immediate attempt, then +1 min, +1 min,
# +15 min, +1 h, +1 day, +3 days. The webhook is disabled after the 7th failure.
ROLLER_RETRY_SCHEDULE = (0.0, 60.0, 60.0, 900.0, 3600.0, 86400.0, 259200.0)


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _venue_today() -> str:
    return dt.datetime.now(VENUE_TZ).date().isoformat()


@dataclass
class SandboxConfig:
    # --- data -----------------------------------------------------------------------------
    seed: int = 42
    size: str = "default"
    # Seeded history ends at the start of this day (venue time). Fixed when the process starts, so
    # that /_sim/reset in one process always rebuilds the same data.
    anchor_date: str = field(default_factory=_venue_today)

    # --- credentials (demo values, printing them is intended) -----------------------------
    client_id: str = field(default_factory=lambda: _env("ROLLER_SANDBOX_CLIENT_ID", "sandbox-demo-client"))
    client_secret: str = field(default_factory=lambda: _env("ROLLER_SANDBOX_CLIENT_SECRET", "sandbox-demo-secret"))
    noaccess_client_id: str = field(
        default_factory=lambda: _env("ROLLER_SANDBOX_NOACCESS_CLIENT_ID", "sandbox-noaccess-client")
    )
    noaccess_client_secret: str = field(
        default_factory=lambda: _env("ROLLER_SANDBOX_NOACCESS_CLIENT_SECRET", "sandbox-noaccess-secret")
    )
    token_ttl_seconds: int = 86400
    # ROLLER warns that minting tokens too often can give 429; 0 switches this check off.
    token_limit_per_minute: int = 0

    # --- rate limits (ROLLER: 600 REST / 120 reporting per 60 s, then a 60 s penalty) -----
    rate_limit_enabled: bool = True
    rest_limit: int = 600
    reporting_limit: int = 120
    rate_window_seconds: float = 60.0
    lockout_seconds: float = 60.0

    # --- webhooks -------------------------------------------------------------------------
    delivery_delay_seconds: float = 0.0
    delivery_timeout_seconds: float = 10.0
    retry_schedule: list[float] = field(default_factory=lambda: list(ROLLER_RETRY_SCHEDULE))
    time_factor: float = 1.0
    # ROLLER puts any answer outside 200/500/503/504 "under review" without retrying;
    # switch this on to treat such answers as retryable failures instead.
    other_status_is_failure: bool = False
    deliver_twice: bool = False
    shuffle: bool = False
    shuffle_jitter_seconds: float = 0.5
    enum_style: str = "string"
    booking_wrapper: str = "none"
    require_https: bool = False

    # --- REST behaviour -------------------------------------------------------------------
    enforce_external_id_unique: bool = True
    items_per_page_key: str = "both"

    # --- bulk exports (POST /reporting/bulk; bulk.py, files.py) ----------------------------
    # False answers 403 to every bulk export request, so the connector's fallback can be exercised.
    bulk_exports_enabled: bool = True
    bulk_export_delay_seconds: float = 5.0  # until each sequence (calendar month) is ready; months side by side
    bulk_export_file_records: int = 10_000  # rows per file; ROLLER splits "by record count"
    bulk_export_file_shape: str = "array"  # or "page": the reporting page envelope
    bulk_export_url_ttl_seconds: int = 5 * 86400  # ROLLER: presigned URLs are valid for 5 days
    bulk_export_slot_seconds: float = 6 * 3600.0  # ROLLER: one request per export type every 6 hours

    # --- simulated activity ---------------------------------------------------------------
    live_rate: float = 0.0

    def public_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def update(self, changes: dict[str, Any]) -> dict[str, list[str]]:
        """Apply `changes` (field name -> value); return validation errors by field."""
        errors: dict[str, list[str]] = {}
        known = {f.name: f for f in dataclasses.fields(self)}
        accepted: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in known:
                errors[name] = ["Unknown switch."]
                continue
            try:
                accepted[name] = _coerce(name, getattr(self, name), value)
            except (TypeError, ValueError) as exc:
                errors[name] = [str(exc)]
        if not errors:
            for name, value in accepted.items():
                setattr(self, name, value)
        return errors


_CHOICES = {
    "size": SIZES,
    "enum_style": ENUM_STYLES,
    "booking_wrapper": BOOKING_WRAPPERS,
    "items_per_page_key": ITEMS_PER_PAGE_KEYS,
    "bulk_export_file_shape": BULK_FILE_SHAPES,
}


def _coerce(name: str, current: Any, value: Any) -> Any:
    if name in _CHOICES:
        if value not in _CHOICES[name]:
            raise ValueError(f"Must be one of {', '.join(_CHOICES[name])}.")
        return value
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise TypeError("Must be true or false.")
        return value
    if isinstance(current, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("Must be an integer.")
        return value
    if isinstance(current, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError("Must be a number.")
        if value < 0:
            raise ValueError("Must not be negative.")
        return float(value)
    if isinstance(current, list):
        if not isinstance(value, list) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
        ):
            raise TypeError("Must be a list of numbers.")
        if not value:
            raise ValueError("Must not be empty.")
        return [float(v) for v in value]
    if isinstance(current, str):
        if not isinstance(value, str):
            raise TypeError("Must be a string.")
        if name == "anchor_date":
            dt.date.fromisoformat(value)
        return value
    raise TypeError("Cannot be changed.")
