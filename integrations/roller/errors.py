"""What can go wrong talking to ROLLER, in words a person can act on.

Each is also one of the core's kinds (integrations.errors), so the processing machinery
knows to retry (rate limited, unavailable) or to stop and ask a person (credentials).

Messages never contain a secret, a token or a request body: they are shown in forms, the admin
and logs. The HTTP status, when there is one, is on `.status`.
"""

from __future__ import annotations

from integrations.errors import ConnectionBrokenError, SyncError, TransientError


class RollerError(SyncError):
    """Base of every error the ROLLER client raises."""

    default_message = "ROLLER returned an error."

    def __init__(self, message: str | None = None, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message or self.default_message)


class CredentialsRejected(RollerError, ConnectionBrokenError):
    default_message = (
        "ROLLER rejected the Client ID and Secret: check them in ROLLER under Settings → Integrations → API keys."
    )


class NoApiAccess(RollerError, ConnectionBrokenError):
    default_message = (
        "ROLLER refused access (403): the venue does not have the API access add-on, or this API key may not use "
        "this part of the API. Ask ROLLER to enable API access for the venue."
    )


class NotFound(RollerError):
    default_message = "ROLLER does not know this record (404)."


class RateLimited(RollerError, TransientError):
    """ROLLER answered 429. The client never sleeps in place: the caller retries after `retry_after`."""

    def __init__(self, retry_after: float, message: str | None = None, *, status: int | None = 429) -> None:
        self.retry_after = float(retry_after)
        super().__init__(
            message
            or f"ROLLER's rate limit was reached; try again in {self.retry_after:.0f} seconds "
            "(ROLLER blocks the API key for 60 seconds after too many calls).",
            status=status,
        )


class RollerUnavailable(RollerError, TransientError):
    default_message = "ROLLER could not be reached or kept failing (time-out or server error); try again later."


class UnexpectedResponse(RollerError):
    default_message = "ROLLER sent an answer this connector does not understand."


class BulkExportUnavailable(RollerError):
    """ROLLER refused a bulk export request (403) although the key may use the rest of the API:
    the caller reads the range by reporting windows instead."""

    default_message = (
        "ROLLER refused the bulk export request (403): bulk exports are not available to this API key; "
        "the history is read day by day instead."
    )


class BulkFileExpired(RollerError):
    """A bulk export file's presigned URL was refused (403): expired (ROLLER's last 5 days) or no
    longer valid. Its month has to be read another way (reporting windows or a new export)."""

    default_message = (
        "The link to a ROLLER bulk export file has expired or is no longer valid (403); "
        "that month is read again another way."
    )
