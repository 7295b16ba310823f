"""Connectors register here what they handle; the core routes to them by name.

A second source system is one new package that registers itself in its AppConfig.ready():
the core never imports a connector.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from integrations.models import Connection, WebhookEvent

# A handler processes one stored webhook event. It runs inside the transaction that marks
# the event processed, records its RecordOutcomes, and raises an integrations.errors type
# on failure.
EventHandler = Callable[["WebhookEvent"], None]


@dataclass
class ConnectorSpec:
    type: str
    label: str
    description: str = ""
    handlers: dict[tuple[str, str], EventHandler] = field(default_factory=dict)
    # Called when a connection is activated, paused, resumed or deleted, for what only the
    # connector knows (registering its webhook, say). Optional.
    on_activate: Callable[["Connection"], None] | None = None
    on_delete: Callable[["Connection"], None] | None = None


_connectors: dict[str, ConnectorSpec] = {}


def connector_register(spec: ConnectorSpec) -> None:
    _connectors[spec.type] = spec


def connector_get(connector_type: str) -> ConnectorSpec | None:
    return _connectors.get(connector_type)


def connectors_all() -> list[ConnectorSpec]:
    return sorted(_connectors.values(), key=lambda spec: spec.label)


def handler_for(connector_type: str, object_type: str, event_type: str) -> EventHandler | None:
    spec = _connectors.get(connector_type)
    return spec.handlers.get((object_type, event_type)) if spec else None
