"""The stand-in's switches. Each one covers something the sources leave unknown
(docs/activate-facts.md) or a fault a client must survive."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Any

MERGE, APPEND = "merge", "append"
REPEATED_ORDERID_MODES = (MERGE, APPEND)


@dataclass
class SandboxConfig:
    account_id: str = field(default_factory=lambda: os.environ.get("ACTIVATE_SANDBOX_ACCOUNT", "sandbox-account"))
    api_key: str = field(default_factory=lambda: os.environ.get("ACTIVATE_SANDBOX_APIKEY", "sandbox-api-key"))
    # A second back-end Purchase with an orderid already held: updates the first ("merge")
    # or is counted again ("append"). Unknown in every source (activate-api.md a2).
    repeated_orderid: str = MERGE
    # The zone an offset-less time is read in. Activate says "CET"; Europe/Amsterdam is CET
    # with summer time, as a Dutch service most likely means it.
    naive_time_zone: str = "Europe/Amsterdam"
    # None: any custom_<name> field is taken. A list: only these exist in the account, and an
    # event carrying another one is refused, as if it had not been created in Activate first.
    custom_fields: list[str] | None = None
    # Custom fields made as profile fields in the account: they update the profile from any
    # event. Every other custom field stays on its event (and its purchase).
    profile_custom_fields: list[str] = field(default_factory=lambda: ["custom_sms_consent"])
    # Added to every API answer (the bench's 50 ms), in milliseconds.
    latency_ms: int = 0
    # None: no limit (none is documented). A number: a larger request is answered 413.
    max_items_per_request: int | None = None

    def update(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if not hasattr(self, name):
                raise ValueError(f"unknown switch {name!r}")
            if name == "repeated_orderid" and value not in REPEATED_ORDERID_MODES:
                raise ValueError(f"repeated_orderid must be one of {REPEATED_ORDERID_MODES}")
            setattr(self, name, value)

    def public(self) -> dict[str, Any]:
        """The switches without the API key."""
        values = asdict(self)
        values.pop("api_key")
        return values
