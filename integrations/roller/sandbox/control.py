"""The sandbox's own control API under /_sim/: no auth, JSON in and out, never in ROLLER.

Tests and the demo use it to reset the venue, flip switches, inject faults, read the
delivery log and make things happen (a booking, a waiver, ...).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from . import activity
from .faults import parse_fault
from .routing import Request, Response, Router, json_response, validation_error

if TYPE_CHECKING:
    from .app import Sandbox


def register(router: Router, app: Sandbox) -> None:
    router.add("GET", "/_sim/health", lambda r: json_response(200, {"ok": True}))
    router.add("POST", "/_sim/reset", lambda r: reset(app, r))
    router.add("GET", "/_sim/config", lambda r: json_response(200, app.config.public_dict()))
    router.add("PATCH", "/_sim/config", lambda r: configure(app, r))
    router.add("GET", "/_sim/stats", lambda r: stats(app))
    router.add("GET", "/_sim/deliveries", lambda r: deliveries(app, r))
    router.add("GET", "/_sim/webhooks", lambda r: webhooks(app))
    router.add("POST", "/_sim/webhooks/{webhook_id}/disable", lambda r: set_enabled(app, r, False))
    router.add("POST", "/_sim/webhooks/{webhook_id}/enable", lambda r: set_enabled(app, r, True))
    router.add("GET", "/_sim/faults", lambda r: json_response(200, {"faults": app.faults.active()}))
    router.add("POST", "/_sim/faults", lambda r: add_fault(app, r))
    router.add("DELETE", "/_sim/faults", lambda r: clear_faults(app))
    router.add("POST", "/_sim/expire-tokens", lambda r: json_response(200, {"expired": app.tokens.expire_all()}))
    router.add("GET", "/_sim/bulk-exports", lambda r: json_response(200, app.bulk.status()))
    router.add("GET", "/_sim/live", lambda r: json_response(200, app.live.status()))
    router.add("POST", "/_sim/live/start", lambda r: live_start(app, r))
    router.add("POST", "/_sim/live/stop", lambda r: live_stop(app))
    for kind in activity.ACTIVITIES:
        router.add("POST", f"/_sim/{kind}", lambda r, k=kind: run_activity(app, r, k))


def _body(request: Request) -> dict[str, Any]:
    return request.body if isinstance(request.body, dict) else {}


def reset(app: Sandbox, request: Request) -> Response:
    """Rebuild the venue. The switches go back to how the process started unless
    `keepConfig` is true; `seed`, `size` and `anchor_date` may be given for this reset."""
    body = _body(request)
    overrides = {k: body[k] for k in ("seed", "size", "anchor_date") if k in body}
    probe = copy.deepcopy(app.config)
    errors = probe.update(overrides)
    if errors:
        return validation_error(errors)
    if not body.get("keepConfig"):
        app.restore_startup_config()
    app.config.update(overrides)
    app.reset()
    with app.store.lock:
        counts = app.store.counts()
    return json_response(200, {"ok": True, "seed": app.config.seed, "size": app.config.size, "counts": counts})


def configure(app: Sandbox, request: Request) -> Response:
    errors = app.config.update(_body(request))
    if errors:
        return validation_error(errors)
    return json_response(200, app.config.public_dict())


def stats(app: Sandbox) -> Response:
    body = app.stats.snapshot()
    with app.store.lock:
        body["counts"] = app.store.counts()
    body["pendingDeliveries"] = app.dispatcher.pending()
    return json_response(200, body)


def deliveries(app: Sandbox, request: Request) -> Response:
    webhook_id = request.arg("webhookId")
    limit = request.arg("limit")
    entries = app.dispatcher.log(
        webhook_id=int(webhook_id) if webhook_id and webhook_id.isdigit() else None,
        limit=int(limit) if limit and limit.isdigit() else None,
    )
    return json_response(200, {"deliveries": entries, "pending": app.dispatcher.pending()})


def webhooks(app: Sandbox) -> Response:
    with app.store.lock:
        rows = [
            {
                "webhookId": hook.id,
                "url": hook.configuration.get("url"),
                "enabled": hook.enabled,
                "underReview": hook.under_review,
                "failures": hook.failures,
                "disabledReason": hook.disabled_reason,
                "configuration": hook.configuration,
            }
            for hook in app.store.webhooks.values()
        ]
    return json_response(200, {"webhooks": rows})


def set_enabled(app: Sandbox, request: Request, enabled: bool) -> Response:
    """Simulate ROLLER switching a webhook off (or a person switching it back on)."""
    raw = request.params["webhook_id"]
    with app.store.lock:
        hook = app.store.webhooks.get(int(raw)) if raw.isdigit() else None
        if hook is None:
            return json_response(404, {"error": f"Webhook {raw} does not exist."})
        hook.configuration["enabled"] = enabled
        hook.disabled_reason = None if enabled else "Disabled through the sandbox control API"
        return json_response(200, {"webhookId": hook.id, "enabled": enabled})


def add_fault(app: Sandbox, request: Request) -> Response:
    fields, errors = parse_fault(_body(request))
    if errors:
        return validation_error(errors)
    fault = app.faults.add(fields)
    return json_response(201, {"faultId": fault.id, "faults": app.faults.active()})


def clear_faults(app: Sandbox) -> Response:
    app.faults.clear()
    return json_response(200, {"faults": []})


def live_start(app: Sandbox, request: Request) -> Response:
    rate = _body(request).get("rate", app.config.live_rate or 1.0)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate <= 1000:
        return validation_error({"rate": ["Events per second, above 0 and at most 1000."]})
    app.live.start(float(rate))
    return json_response(200, app.live.status())


def live_stop(app: Sandbox) -> Response:
    app.live.stop()
    return json_response(200, app.live.status())


def run_activity(app: Sandbox, request: Request, kind: str) -> Response:
    params = _body(request)
    try:
        with app.store.lock:
            result = activity.ACTIVITIES[kind](app, params)
    except activity.UnknownRecord as exc:
        return json_response(404, {"error": str(exc), "field": exc.field})
    except activity.ActivityError as exc:
        return validation_error({exc.field: [str(exc)]})
    except (TypeError, ValueError) as exc:
        return validation_error({"": [f"Invalid parameters: {exc}"]})
    return json_response(200, {"kind": kind, **result})
