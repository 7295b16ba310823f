"""Connectors register here what they handle; the core routes to them by name.

A second source system is one new package that registers itself in its AppConfig.ready():
the core never imports a connector.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.urls import URLPattern, URLResolver, include, path

from integrations.models import Connection, WebhookEvent
from integrations.records import ContactData, ProductsRead, RecordBatch
from integrations.setup import SetupSpec

# A handler processes one stored webhook event. It runs inside the transaction that marks
# the event processed, records its RecordOutcomes, and raises an integrations.errors type
# on failure.
EventHandler = Callable[["WebhookEvent"], None]


@dataclass(frozen=True)
class SourceLocality:
    """What the source says about the venue, for connections that leave them blank."""

    country: str = ""  # ISO 3166-1 alpha-2
    currency: str = ""  # ISO 4217


@dataclass
class SandboxSpec:
    """A local stand-in for the source system that `run_local` starts beside the site.

    - command(port, var_dir): the process to start (argv), listening on 127.0.0.1:port and
      keeping its state under var_dir, so a restart finds the venue as it was left.
    - url_setting: the environment variable that tells the site and workers where it is.
    """

    label: str
    default_port: int
    command: Callable[[int, Path], list[str]]
    url_setting: str


@dataclass
class ExportSpec:
    """A source that exports a stream's history as files announced by webhook, month by month
    (a venue system's bulk exports, say); the core requests, tracks and reads them
    (integrations.services.exports).

    - request(connection, stream, start_date, end_date): asks for [start_date, end_date) in
      venue-local days; raises ExportRefused when the source will not (its slot is used, exports
      are not available), TransientError when it could not be asked.
    - file_batches(connection, stream, url, skip): one file's records, streamed, as
      (rows read, RecordBatch) of about a thousand rows, past the first `skip` rows; raises
      ExportFileGone when the file's link no longer works.
    - records_per_unit: the source counts usage per calendar month, one unit per started
      this many records (for the estimate shown before activation).
    - label: what the source calls them ("bulk export").
    """

    request: Callable[["Connection", str, dt.date, dt.date], None]
    file_batches: Callable[["Connection", str, str, int], Iterator[tuple[int, "RecordBatch"]]]
    records_per_unit: int = 10_000
    label: str = "export"


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
    # The connector's webhook views (a urlconf's dotted path), mounted at webhooks/<type>/:
    # the address the source posts to, so it must never move once registered there.
    webhook_urls: str | None = None

    # What the connector reads for product syncs, imports and reconciliations (all optional;
    # without them a connection of this type has no such syncs). The core writes what they
    # return through the same rules and upserts as webhooks (integrations.services.import_windows).
    # - read_products(connection): the source's whole product list.
    # - read_window(connection, stream, start, end): one window (at most a day, venue-local)
    #   of a SyncRun.Stream: waivers, contacts or orders modified in [start, end).
    # - read_people(connection, source_ids): people the store does not know (a booking's
    #   holder), by source id; None for one the source no longer has.
    # - check_webhook(connection): why the source's webhook to us is not working, or None.
    # - import_calls_per_second: the pace of read_window's calls, for duration estimates.
    read_products: Callable[["Connection"], "ProductsRead"] | None = None
    read_window: Callable[["Connection", str, dt.datetime, dt.datetime], "RecordBatch"] | None = None
    read_people: Callable[["Connection", list[str]], "dict[str, ContactData | None]"] | None = None
    check_webhook: Callable[["Connection"], str | None] | None = None
    import_calls_per_second: float | None = None
    # - credentials_recheck(connection): whether the source accepts the stored credentials
    #   again, cheaply (one token request, say), for a connection it refused: returns when
    #   accepted, raises ConnectionBrokenError while still refused, TransientError when the
    #   source could not be asked. The core re-checks by itself (integrations.services.credentials).
    credentials_recheck: Callable[["Connection"], None] | None = None
    # - body_redact(event): the event's stored body without what the store never keeps (names on
    #   tickets, a minor's personal data), as a replay can still read it. The core stores it
    #   before it records a failure, so a body kept for replay keeps nothing about a minor.
    body_redact: Callable[["WebhookEvent"], str] | None = None
    # What the setup wizard asks the connector for (credentials, account facts, webhook);
    # without it the connector is listed but cannot be set up in the wizard.
    setup: "SetupSpec | None" = None
    # - locality(connection): the venue's country and currency as the source has them
    #   (integrations.locality falls back to them).
    locality: Callable[["Connection"], SourceLocality] | None = None
    # The history of a first import (and long re-imports) by the source's exports (optional).
    exports: ExportSpec | None = None
    # The stand-in `make run` starts for local use (optional).
    sandbox: SandboxSpec | None = None


_connectors: dict[str, ConnectorSpec] = {}


def connector_register(spec: ConnectorSpec) -> None:
    _connectors[spec.type] = spec


def connector_get(connector_type: str) -> ConnectorSpec | None:
    return _connectors.get(connector_type)


def connector_label(connector_type: str) -> str:
    """The source system's name as people know it, for titles, hints and help texts."""
    spec = _connectors.get(connector_type)
    return spec.label if spec else "the source system"


def connectors_all() -> list[ConnectorSpec]:
    return sorted(_connectors.values(), key=lambda spec: spec.label)


def webhook_url_patterns() -> list[URLPattern | URLResolver]:
    """Each connector's webhook urls under its own type (the site's urls mount them at webhooks/)."""
    return [path(f"{spec.type}/", include(spec.webhook_urls)) for spec in connectors_all() if spec.webhook_urls]


def handler_for(connector_type: str, object_type: str, event_type: str) -> EventHandler | None:
    spec = _connectors.get(connector_type)
    return spec.handlers.get((object_type, event_type)) if spec else None
