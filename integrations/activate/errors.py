"""What can go wrong talking to Activate, told apart as delivery needs it (issue 15):

- `ActivateRetryable`: 429, 5xx, a time-out or no connection: try again later, after
  `retry_after` seconds when Activate said so;
- `ActivateAuthRefused`: 401/403: pause the destination, drop nothing;
- `ActivateRejected`: any other 4xx: fail at once, keeping Activate's own message (`errors[0]`).

`accepted` counts the items Activate took, in earlier requests of the same call, before
this failure: the caller sends the rest again, not everything.
"""

from __future__ import annotations


class ActivateError(Exception):
    def __init__(self, message: str, *, status: int | None = None, activate_message: str = "", accepted: int = 0):
        super().__init__(message)
        self.status = status
        self.activate_message = activate_message
        self.accepted = accepted


class ActivateRetryable(ActivateError):
    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ActivateUnreachable(ActivateRetryable):
    """No answer at all (refused connection, DNS, time-out): the service, not the key."""


class ActivateAuthRefused(ActivateError):
    pass


class ActivateRejected(ActivateError):
    pass
