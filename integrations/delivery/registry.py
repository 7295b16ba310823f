"""Destinations register here what only they know; the core routes to them by type.

Like `integrations.registry.ConnectorSpec` for sources: a destination package registers a
`DestinationSpec` in its AppConfig.ready(), and the outbox, delivery and backfill machinery
(integrations.delivery.services) never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from integrations.delivery.models import Destination
    from integrations.models import Contact, Order, Product


@dataclass(frozen=True)
class Outgoing:
    """What one record sends: its bodies on one channel (a request kind the destination takes
    in batches, e.g. "events", "products", "products_delete"), and a summary of what the
    destination then holds of it (kept on the outbox row, given back to the next mapping)."""

    channel: str
    bodies: tuple[dict[str, Any], ...]
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Skipped:
    """A record not sent, with the reason shown on the destination page."""

    reason: str


@dataclass(frozen=True)
class Sent:
    """One request's answer, for the delivery log."""

    method: str
    path: str
    status: int
    body: str = ""


Mapped = Outgoing | Skipped


@dataclass
class DestinationSpec:
    """- client(destination): a client holding the destination's credentials, with close().
    - profile / purchase / product: the mapping hooks, from a store row to what it sends.
      A purchase also gets the summary of what was delivered of the order before.
    - send(client, channel, bodies): one request; answers Sent, raises a
      integrations.delivery.errors type.
    - batch_sizes: bodies per request, per channel (where the destination takes batches).
    - credentials_check(destination): returns when the stored credentials are accepted,
      raises DeliveryAuthRefused or DeliveryRetryable.
    - setup: the destination's part of the setup wizard (filled by the wizard's package).
    """

    type: str
    label: str
    client: Callable[[Destination], Any]
    profile: Callable[[Destination, Contact], Mapped]
    purchase: Callable[[Destination, Order, dict[str, Any]], Mapped]
    product: Callable[[Destination, Product], Mapped]
    send: Callable[[Any, str, Sequence[dict[str, Any]]], Sent]
    credentials_check: Callable[[Destination], None]
    batch_sizes: dict[str, int] = field(default_factory=dict)
    description: str = ""
    setup: object | None = None
    # The stand-in `make run` starts beside the sources' sandboxes (optional), an
    # integrations.registry.SandboxSpec.
    sandbox: object | None = None

    def batch_size(self, channel: str) -> int:
        return self.batch_sizes.get(channel, 100)


_destinations: dict[str, DestinationSpec] = {}


def destination_register(spec: DestinationSpec) -> None:
    _destinations[spec.type] = spec


def destination_spec(destination_type: str) -> DestinationSpec:
    """The registered spec; KeyError names the type when no package registered it."""
    try:
        return _destinations[destination_type]
    except KeyError:
        raise KeyError(f"No destination of type {destination_type!r} is registered") from None


def destination_specs() -> list[DestinationSpec]:
    return sorted(_destinations.values(), key=lambda spec: spec.label)
