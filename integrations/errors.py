"""The kinds of failure the processing machinery tells apart.

A source package raises its own exceptions as subclasses of these, so the core knows
whether to retry, to stop and ask a person, or to give up on one record, without knowing
the source.
"""


class SyncError(Exception):
    """Base class. The message must say what happened and, where possible, what to do."""


class TransientError(SyncError):
    """Worth retrying: the source is down, slow or rate limiting us.

    `retry_after` (seconds) is the source's own wish, e.g. the penalty a rate-limited source imposes.
    """

    retry_after: float | None = None

    def __init__(self, message: str = "", *, retry_after: float | None = None):
        super().__init__(message)
        if retry_after is not None:
            self.retry_after = retry_after


class ConnectionBrokenError(SyncError):
    """Nothing will work until a person acts (credentials revoked, no API access).

    The connection turns to "needs attention" with this message; events are kept for replay.
    """


class RecordError(SyncError):
    """This one record cannot be processed as it is (unreadable payload): no retry."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason


class CredentialsProblem(SyncError):
    """The source did not confirm the credentials entered in the wizard.

    `title` heads the message on the credentials step. `kind` tells the cases apart:
    "rejected" (wrong key), "no_access" (a key without API access), "unreachable" (the
    source did not answer: says nothing about the key, so the step offers "Try again") or
    "other".
    """

    def __init__(self, message: str, *, title: str, kind: str = "other"):
        super().__init__(message)
        self.title = title
        self.kind = kind


class EventSkipped(SyncError):
    """A handler's event that is stored and left alone, with the reason why (an export nobody
    here is waiting for, say): not a failure, nothing to retry."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason


class ExportRefused(SyncError):
    """The source will not make this export now (its slot is used, exports are not available):
    the stream is read by windows instead."""


class ExportFileGone(SyncError):
    """An export file's link no longer works (expired): its month is read by windows instead."""
