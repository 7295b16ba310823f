"""Validators built from ROLLER's published OpenAPI files (tests/fixtures/roller-openapi/).

Two flavours:

* `lenient`: the files as published, with the one documented correction that real
  payloads need (docs/roller-facts.md, Payload shapes): `BookingDetail.items` is an array of `Items`, and
  consequently `Items.tickets` an array of `BookingTicket` (ROLLER sends both as arrays).
* `strict`: additionally every object is closed (`additionalProperties: false`), so a field
  the sandbox invents or misspells fails. The only fields allowed beyond the files are the
  ones docs/roller-facts.md records as sent anyway, listed in STRICT_EXTRAS.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.support.roller_openapi import ROLLER_OPENAPI_DIR

OPENAPI_DIR = ROLLER_OPENAPI_DIR

STRICT_EXTRAS: dict[str, dict[str, Any]] = {
    # U16: newer guest payloads carry SMS consent; CustomerDetail does not list it yet.
    "CustomerDetail.yaml": {"acceptMarketingSms": {"type": "boolean"}},
    # Booking webhooks may `include` customerFlags; the BookingDetail model lacks the field.
    "BookingDetail.yaml": {"customerFlags": {"type": "array", "items": {"$ref": "./CustomerFlag.yaml"}}},
    # U9: the docs say itemsPerPage, the model says itemsPerpage; the sandbox sends both.
    "Page.yaml": {"itemsPerPage": {"type": "integer"}},
}


def _correct(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(schema)
    if name == "BookingDetail.yaml":
        schema["properties"]["items"] = {"type": "array", "items": {"$ref": "./Items.yaml"}}
    if name == "Items.yaml":
        schema["properties"]["tickets"] = {"type": "array", "items": {"$ref": "./BookingTicket.yaml"}}
    return schema


def close_objects(schema: Any) -> Any:
    """Every object schema with `properties` gets `additionalProperties: false`."""
    if isinstance(schema, list):
        return [close_objects(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {k: close_objects(v) if k not in ("example", "examples") else v for k, v in schema.items()}
    if "properties" in closed and "additionalProperties" not in closed:
        closed["additionalProperties"] = False
    return closed


@functools.cache
def _load(path: str) -> Any:
    return yaml.safe_load(Path(path).read_text())


def _registry(strict: bool) -> Registry:
    def retrieve(uri: str) -> Resource:
        path = Path(uri.removeprefix("file://"))
        schema = _correct(path.name, _load(str(path)))
        if strict:
            schema["properties"] = {**schema.get("properties", {}), **STRICT_EXTRAS.get(path.name, {})}
            schema = close_objects(schema)
        return Resource.from_contents(schema, default_specification=DRAFT202012)

    return Registry(retrieve=retrieve)


def _validator(schema: dict[str, Any], base: Path, strict: bool) -> Draft202012Validator:
    schema = close_objects(schema) if strict else schema
    rooted = {"$id": f"file://{base.parent}/_under_test.json", **schema}
    return Draft202012Validator(rooted, registry=_registry(strict), format_checker=Draft202012Validator.FORMAT_CHECKER)


def model(name: str) -> dict[str, Any]:
    """A schema that just points at models/<name>.yaml."""
    return {"$ref": f"../models/{name}.yaml"}


def operation_schema(spec: str, path: str, method: str, status: str = "200") -> dict[str, Any]:
    document = _load(str(OPENAPI_DIR / "reference" / spec))
    response = document["paths"][path][method]["responses"][status]
    return response["content"]["application/json"]["schema"]


def errors(instance: Any, schema: dict[str, Any], *, strict: bool) -> list[str]:
    validator = _validator(schema, OPENAPI_DIR / "reference" / "rest-api.yaml", strict)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def assert_valid(instance: Any, schema: dict[str, Any], what: str) -> None:
    lenient = errors(instance, schema, strict=False)
    assert not lenient, f"{what} does not match ROLLER's OpenAPI:\n" + "\n".join(lenient[:20])
    strict = errors(instance, schema, strict=True)
    assert not strict, f"{what} has fields ROLLER's OpenAPI does not define:\n" + "\n".join(strict[:20])
