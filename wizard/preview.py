"""The summary's preview: what the connector would do with its last days of data, writing nothing.

Temporary adapter until the core's ingest service lands (its dry run will decide; the
connector will only read): the connector's SetupSpec.preview reads and decides today.
"""

from integrations.errors import SyncError
from integrations.models import Connection
from integrations.registry import connector_get
from integrations.setup import Progress


def preview_collect(*, connection: Connection, progress: Progress) -> dict:
    """The preview's result as plain JSON-able data. Raises integrations.errors types: a
    TransientError with `retry_after` when the source asks to be called again later."""
    spec = connector_get(connection.connector_type)
    if spec is None or spec.setup is None or spec.setup.preview is None:
        raise SyncError("This connector has no preview.")
    return spec.setup.preview(connection=connection, progress=progress)
