"""What the stand-in holds: profiles, events, purchases and the catalogue, behind one lock."""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque
from typing import Any

from .config import APPEND, SandboxConfig
from .tracking import CONSENT_FIELDS, PROFILE_FIELDS, revenue_of

REQUEST_LOG_SIZE = 500


class Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.profiles: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.purchases: list[dict[str, Any]] = []  # in arrival order; merged in place in merge mode
        # Where each orderid's purchase is in the list (merge mode): a backfill of 100,000
        # purchases must not scan the list for each one.
        self._purchase_at: dict[str, int] = {}
        self.products: dict[tuple[str, str], dict[str, Any]] = {}  # (id, language)
        self.requests: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)

    # --- track --------------------------------------------------------------------------
    def events_apply(self, events: list[dict[str, Any]], *, config: SandboxConfig) -> None:
        for event in events:
            self.events.append(event)
            self._profile_apply(event, profile_custom_fields=config.profile_custom_fields)
            if event["event"] == "Purchase":
                self._purchase_apply(event, mode=config.repeated_orderid)

    def _profile_apply(self, event: dict[str, Any], *, profile_custom_fields: list[str]) -> None:
        key = (event.get("email") or f"userid:{event.get('userid')}").strip().lower()
        profile = self.profiles.setdefault(key, {"email": key, "custom": {}, "events": 0})
        # Fields present overwrite; a field left out never blanks what the profile has.
        for name in (*PROFILE_FIELDS, *CONSENT_FIELDS):
            if name in event and name != "email":
                profile[name] = event[name]
        profile["custom"].update({k: v for k, v in event.items() if k in profile_custom_fields})
        profile["events"] += 1
        profile["last_event_at"] = event["_at"]

    def _purchase_apply(self, event: dict[str, Any], *, mode: str) -> None:
        purchase = {
            "orderid": str(event["orderid"]),
            "email": event.get("email", ""),
            "at": event["_at"],
            "timestamp_sent": event.get("timestamp"),
            "timestamp_read_as": event["_timestamp_read_as"],
            "currency": event.get("currency", ""),
            "revenue": revenue_of(event),
            "products": event["products"],
            "custom": {k: v for k, v in event.items() if k.startswith("custom_")},
            "times_received": 1,
        }
        index = self._purchase_at.get(purchase["orderid"])
        if mode != APPEND and index is not None:
            purchase["times_received"] = self.purchases[index]["times_received"] + 1
            self.purchases[index] = purchase
            return
        self._purchase_at.setdefault(purchase["orderid"], len(self.purchases))
        self.purchases.append(purchase)

    # --- products -----------------------------------------------------------------------
    def products_upsert(self, products: list[Any], *, now: dt.datetime) -> dict[str, Any]:
        created = updated = 0
        errors = []
        for index, product in enumerate(products):
            if not isinstance(product, dict) or not product.get("id"):
                errors.append(f"products[{index}]: id is required")
                continue
            key = (str(product["id"]), str(product.get("language", "")))
            if key in self.products:
                updated += 1
            else:
                created += 1
            self.products[key] = {**product, "_updated_at": now.isoformat()}
        return {"created": created, "updated": updated, "errors": errors}

    def products_delete(self, products: list[Any]) -> int:
        deleted = 0
        for product in products:
            if not isinstance(product, dict) or not product.get("id"):
                continue
            wanted_id, language = str(product["id"]), product.get("language")
            for key in [k for k in self.products if k[0] == wanted_id and (language is None or k[1] == language)]:
                del self.products[key]
                deleted += 1
        return deleted

    # --- the view -----------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """What a marketer would see in Activate: profiles with consent, purchases, catalogue."""
        return {
            "profiles": sorted(self.profiles.values(), key=lambda p: p["email"]),
            "purchases": list(self.purchases),
            "revenue": round(sum(p["revenue"] for p in self.purchases), 2),
            "events": [{k: v for k, v in e.items() if k != "products"} for e in self.events[-200:]],
            "event_count": len(self.events),
            "products": [self.products[key] for key in sorted(self.products)],
        }
