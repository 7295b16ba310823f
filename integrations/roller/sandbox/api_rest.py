"""REST endpoints for the venue, products, guests, signed waivers and webhooks.

Booking endpoints live in api_bookings.py. Unknown ids answer 404 with an empty body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import clock, render_rest, services
from .entities import Address, Flag, Webhook
from .routing import Request, Response, Router, empty, json_response, validation_error
from .validation import FLAG_TYPES, GENDERS, Errors, boolean, date, email, text
from .webhooks import validate_configuration

if TYPE_CHECKING:
    from .app import Sandbox


def register(router: Router, app: Sandbox) -> None:
    router.add("GET", "/venues/me", lambda r: json_response(200, app.store.venue))
    router.add("GET", "/products", lambda r: products(app, r))
    router.add("GET", "/guests/{guest_id}", lambda r: guest_get(app, r, render_rest.guest))
    router.add("PUT", "/guests/{guest_id}", lambda r: guest_put(app, r))
    router.add("GET", "/customers/{guest_id}", lambda r: guest_get(app, r, render_rest.customer_detail))
    router.add("GET", "/signed-waivers/{waiver_id}", lambda r: signed_waiver_get(app, r))
    router.add("POST", "/webhooks", lambda r: webhook_create(app, r))
    router.add("GET", "/webhooks", lambda r: webhook_list(app))
    router.add("GET", "/webhooks/{webhook_id}", lambda r: webhook_get(app, r))
    router.add("PUT", "/webhooks/{webhook_id}", lambda r: webhook_update(app, r))
    router.add("DELETE", "/webhooks/{webhook_id}", lambda r: webhook_delete(app, r))


def _int_param(request: Request, name: str) -> int | None:
    value = request.params.get(name, "")
    return int(value) if value.isdigit() else None


# --- products ------------------------------------------------------------------------------
def products(app: Sandbox, request: Request) -> Response:
    category = request.query.get("ProductCategory") or request.query.get("productCategory")
    product_type = (request.query.get("productType") or "").lower()
    sub_type = (request.query.get("productSubType") or "").lower()
    with app.store.lock:
        rows = []
        for parent in app.store.products.values():
            types = {parent.rest_type, parent.data_type.lower(), parent.webhook_type.lower()}
            if category and parent.category.lower() != category.lower():
                continue
            if product_type and product_type not in types:
                continue
            if sub_type and parent.data_sub_type.lower() != sub_type:
                continue
            rows.append(render_rest.product_parent(parent))
    return json_response(200, rows)


# --- guests --------------------------------------------------------------------------------
def guest_get(app: Sandbox, request: Request, render: Any) -> Response:
    guest_id = _int_param(request, "guest_id")
    with app.store.lock:
        guest = app.store.live_guest(guest_id) if guest_id is not None else None
        return json_response(200, render(guest)) if guest else empty(404)


def guest_put(app: Sandbox, request: Request) -> Response:
    guest_id = _int_param(request, "guest_id")
    with app.store.lock:
        guest = app.store.live_guest(guest_id) if guest_id is not None else None
        if guest is None:
            return empty(404)
        changes, errors = parse_guest_body(request.body)
        if errors:
            return validation_error(errors)
        services.guest_update(app, guest, changes, at=clock.now())
    return empty(200)


def parse_guest_body(body: Any) -> tuple[dict[str, Any], Errors]:
    """Validate a Guest model body. Flags not resent are removed, as ROLLER documents."""
    errors = Errors()
    if not isinstance(body, dict):
        errors.add("", "A JSON object is required.")
        return {}, errors
    changes: dict[str, Any] = {
        "first_name": text(errors, body, "firstName", required=True, max_length=32),
        "last_name": text(errors, body, "lastName", required=True, max_length=32),
        "email": text(errors, body, "email", max_length=256),
        "phone": text(errors, body, "phone", max_length=20),
    }
    email(errors, changes["email"], "email")
    if not changes["email"] and not changes["phone"]:
        errors.add("email", "Either email or phone is required.")
    if "dateOfBirth" in body:
        dob = date(errors, body["dateOfBirth"], "dateOfBirth", required=False)
        if dob and not "1900-01-01" <= dob <= clock.venue_today().isoformat():
            errors.add("dateOfBirth", "Date of Birth must not be before 1900 or in the future.")
        changes["date_of_birth"] = dob
    if "gender" in body:
        if body["gender"] is not None and body["gender"] not in GENDERS:
            errors.add("gender", f"Gender must be one of {', '.join(GENDERS)}.")
        changes["gender"] = body["gender"]
    for key, attribute in (("acceptMarketing", "accept_marketing"), ("acceptMarketingSms", "accept_marketing_sms")):
        value = boolean(errors, body, key)
        if value is not None:
            changes[attribute] = value
    if "taxIdentificationNumber" in body:
        changes["tax_id"] = text(errors, body, "taxIdentificationNumber", max_length=64)
    if "address" in body:
        changes["address"] = _parse_address(errors, body["address"])
    changes["flags"] = _parse_flags(errors, body.get("flags"))
    return changes, errors


def _parse_address(errors: Errors, value: Any) -> Address | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        errors.add("address", "The address field must be an object.")
        return None
    parts = {
        key: text(errors, value, key, max_length=12 if key == "postcode" else 256, prefix="address.") or ""
        for key in ("street", "suburb", "city", "state", "postcode", "country")
    }
    return Address(**parts)


def _parse_flags(errors: Errors, value: Any) -> list[Flag] | None:
    if not value:
        return None
    if not isinstance(value, list):
        errors.add("flags", "The flags field must be an array.")
        return None
    flags: list[Flag] = []
    for index, raw in enumerate(value):
        kind = raw.get("type") if isinstance(raw, dict) else None
        if kind not in FLAG_TYPES:
            errors.add(f"flags[{index}].type", f"Flag type must be one of {', '.join(FLAG_TYPES)}.")
            continue
        if any(f.type == kind for f in flags):
            errors.add(f"flags[{index}].type", "There cannot be multiple flags of the same type.")
            continue
        expiry = date(errors, raw.get("expiryDate"), f"flags[{index}].expiryDate", required=False)
        flags.append(Flag(kind, str(raw.get("comment") or ""), expiry))
    return flags or None


def signed_waiver_get(app: Sandbox, request: Request) -> Response:
    waiver_id = _int_param(request, "waiver_id")
    with app.store.lock:
        record = app.store.signed_waivers.get(waiver_id) if waiver_id is not None else None
        return json_response(200, render_rest.signed_waiver(record)) if record else empty(404)


# --- webhooks ------------------------------------------------------------------------------
def _webhook_body(hook: Webhook) -> dict[str, Any]:
    return {
        "webhookId": hook.id,
        "createdDate": clock.iso_utc_7(hook.created),
        "configuration": hook.configuration,
    }


def webhook_create(app: Sandbox, request: Request) -> Response:
    config, errors = validate_configuration(request.body, require_https=app.config.require_https)
    if errors:
        return validation_error(errors)
    with app.store.lock:
        hook = Webhook(id=app.store.ids.take("webhook"), created=clock.now(), configuration=config)
        app.store.webhooks[hook.id] = hook
        return json_response(201, _webhook_body(hook))


def webhook_list(app: Sandbox) -> Response:
    # The spec shows one object; a list is what a "get webhooks" must mean (docs/roller-facts.md, Payload shapes).
    with app.store.lock:
        return json_response(200, [_webhook_body(h) for h in app.store.webhooks.values()])


def webhook_get(app: Sandbox, request: Request) -> Response:
    with app.store.lock:
        hook = app.store.webhooks.get(_int_param(request, "webhook_id") or -1)
        return json_response(200, _webhook_body(hook)) if hook else empty(404)


def webhook_update(app: Sandbox, request: Request) -> Response:
    with app.store.lock:
        hook = app.store.webhooks.get(_int_param(request, "webhook_id") or -1)
        if hook is None:
            return empty(404)
        config, errors = validate_configuration(request.body, require_https=app.config.require_https)
        if errors:
            return validation_error(errors)
        hook.configuration = config
        if config["enabled"]:
            hook.disabled_reason = None
        return json_response(200, _webhook_body(hook))


def webhook_delete(app: Sandbox, request: Request) -> Response:
    with app.store.lock:
        hook = app.store.webhooks.pop(_int_param(request, "webhook_id") or -1, None)
    return empty(200) if hook else empty(404)
