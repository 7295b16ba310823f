"""What can go wrong sending to a destination, as delivery tells it apart (issue 15).

A destination package maps its client's errors onto these, so the core decides retries,
pauses and failures without knowing the destination:

- `DeliveryRetryable`: 429, 5xx, a time-out, no connection: try again after a back-off
  (`retry_after` seconds when the destination said so);
- `DeliveryAuthRefused`: 401/403: the destination needs attention and pauses; nothing is dropped;
- `DeliveryRejected`: any other 4xx: the records fail at once with the destination's own
  message (`message`), or, for a 400 on a batch, are tried again in halves.
"""

from __future__ import annotations


class DeliveryError(Exception):
    def __init__(
        self,
        text: str,
        *,
        status: int | None = None,
        message: str = "",
        method: str = "",
        path: str = "",
        body: str = "",
    ) -> None:
        super().__init__(text)
        self.status = status
        self.message = message or text  # the destination's own reason, e.g. errors[0]
        self.method = method
        self.path = path
        self.body = body  # the response body as received, for the delivery log


class DeliveryRetryable(DeliveryError):
    def __init__(self, text: str, *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(text, **kwargs)
        self.retry_after = retry_after


class DeliveryAuthRefused(DeliveryError):
    pass


class DeliveryRejected(DeliveryError):
    pass
