"""A Python client for the sandbox's /_sim/ control API.

Used by the pytest fixture and by the `roller_sandbox_activity` management command, so the
paths and bodies of the control API are written down in one place.
"""

from __future__ import annotations

import time
from typing import Any

import requests


class SandboxControlError(RuntimeError):
    pass


class SandboxControl:
    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None, **params: Any) -> Any:
        response = self._session.request(
            method, f"{self.url}/_sim/{path}", json=body, params=params or None, timeout=self.timeout
        )
        if response.status_code >= 400:
            raise SandboxControlError(f"{method} /_sim/{path} -> {response.status_code}: {response.text}")
        return response.json()

    @staticmethod
    def _body(**values: Any) -> dict[str, Any]:
        return {k: v for k, v in values.items() if v is not None}

    # --- state and switches -----------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self._call("GET", "health")

    def reset(self, **options: Any) -> dict[str, Any]:
        """Fresh venue from the seed; optional seed=, size=, anchor_date=."""
        return self._call("POST", "reset", options)

    def config(self) -> dict[str, Any]:
        return self._call("GET", "config")

    def configure(self, **switches: Any) -> dict[str, Any]:
        """PATCH /_sim/config, e.g. configure(enum_style="int", rest_limit=5)."""
        return self._call("PATCH", "config", switches)

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "stats")

    def fault(
        self,
        path_prefix: str,
        *,
        status: int | None = None,
        count: int = 1,
        hang_seconds: float = 0,
        method: str | None = None,
        retry_after: int | None = None,
    ) -> dict[str, Any]:
        body = self._body(
            pathPrefix=path_prefix,
            status=status,
            count=count,
            hangSeconds=hang_seconds,
            method=method,
            retryAfter=retry_after,
        )
        return self._call("POST", "faults", body)

    def clear_faults(self) -> dict[str, Any]:
        return self._call("DELETE", "faults")

    def bulk_exports(self) -> list[dict[str, Any]]:
        """The bulk export requests accepted since the reset, with the sequences sent so far."""
        return self._call("GET", "bulk-exports")["exports"]

    def expire_tokens(self) -> dict[str, Any]:
        return self._call("POST", "expire-tokens")

    # --- webhooks ---------------------------------------------------------------------------
    def webhooks(self) -> list[dict[str, Any]]:
        return self._call("GET", "webhooks")["webhooks"]

    def disable_webhook(self, webhook_id: int) -> dict[str, Any]:
        return self._call("POST", f"webhooks/{webhook_id}/disable")

    def enable_webhook(self, webhook_id: int) -> dict[str, Any]:
        return self._call("POST", f"webhooks/{webhook_id}/enable")

    def deliveries(self, webhook_id: int | None = None) -> list[dict[str, Any]]:
        params = {"webhookId": webhook_id} if webhook_id is not None else {}
        return self._call("GET", "deliveries", **params)["deliveries"]

    def wait_for_deliveries(self, timeout: float = 10.0, *, count: int | None = None) -> list[dict[str, Any]]:
        """Wait until nothing is queued or in flight (or, with `count`, until the log holds at
        least that many attempts); return the delivery log.

        An attempt is logged after its POST has been answered, so a receiver has seen a request
        a moment before the log shows it: wait on the log for what the log is asked about."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self._call("GET", "deliveries")
            done = answer["pending"] == 0 if count is None else len(answer["deliveries"]) >= count
            if done or time.monotonic() > deadline:
                return answer["deliveries"]
            time.sleep(0.02)

    # --- activity ---------------------------------------------------------------------------
    def activity(self, kind: str, **params: Any) -> dict[str, Any]:
        return self._call("POST", kind, params)

    def online_booking(self, **params: Any) -> dict[str, Any]:
        """Params: guestId, newGuest, email, firstName, lastName, phone, acceptMarketing,
        acceptMarketingSms, items [{productId, quantity, bookingDate, startTime}], bookingDate."""
        return self.activity("online-booking", **params)

    def pos_sale(self, *, with_customer: bool = True, **params: Any) -> dict[str, Any]:
        """Params: guestId, newGuest, items, bookingDate."""
        return self.activity("pos-sale", withCustomer=with_customer, **params)

    def waiver(self, *, minors: int = 2, **params: Any) -> dict[str, Any]:
        """Params: guestId (an existing adult; default a new one), uniqueId or
        bookingReference (attach to that booking's tickets), firstName, email, ..."""
        return self.activity("waiver", minors=minors, **params)

    def guest_update(self, **params: Any) -> dict[str, Any]:
        """Params: guestId, acceptMarketing, acceptMarketingSms, email, phone, firstName,
        lastName. Without changes the guest's email consent flips."""
        return self.activity("guest-update", **params)

    def guest_delete(self, **params: Any) -> dict[str, Any]:
        return self.activity("guest-delete", **params)

    def booking_update(self, **params: Any) -> dict[str, Any]:
        """Params: uniqueId or bookingReference, name, comments, addItem {productId, quantity}."""
        return self.activity("booking-update", **params)

    def booking_cancel(self, **params: Any) -> dict[str, Any]:
        """Params: uniqueId or bookingReference, refund (default true)."""
        return self.activity("booking-cancel", **params)

    def product_change(self, **params: Any) -> dict[str, Any]:
        """Params: productId, price, name, isSuspended, productStatus."""
        return self.activity("product-change", **params)

    def live_start(self, rate: float = 1.0) -> dict[str, Any]:
        return self._call("POST", "live/start", {"rate": rate})

    def live_stop(self) -> dict[str, Any]:
        return self._call("POST", "live/stop")

    def live_status(self) -> dict[str, Any]:
        return self._call("GET", "live")
