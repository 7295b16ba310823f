"""Plain records (integrations.records) to JSON and back, exactly: for a record that waits in
the database (integrations.models.HeldRecord) before the one ingest path decides on it.

Dates, times and amounts keep their types (a Decimal never goes through a float).
"""

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from typing import Any

from integrations.records import ContactData, OrderData, OrderLineData

_TAGS = {"$datetime": dt.datetime.fromisoformat, "$date": dt.date.fromisoformat, "$decimal": Decimal}


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):  # before date: a datetime is a date too
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    raise TypeError(f"{type(value).__name__} is not a plain record's value")


def _decode(value: dict) -> Any:
    if len(value) == 1:
        [(tag, raw)] = value.items()
        if tag in _TAGS:
            return _TAGS[tag](raw)
    return value


def record_dumps(record: ContactData | OrderData) -> str:
    return json.dumps(dataclasses.asdict(record), default=_encode, separators=(",", ":"))


def contact_loads(text: str) -> ContactData:
    return ContactData(**json.loads(text, object_hook=_decode))


def order_loads(text: str) -> OrderData:
    fields = json.loads(text, object_hook=_decode)
    fields["lines"] = tuple(OrderLineData(**line) for line in fields.get("lines", ()))
    return OrderData(**fields)
