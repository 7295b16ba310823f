"""Reading a request's body whole, with or without a Content-Length.

Django reads no body without a Content-Length, so a delivery sent with `Transfer-Encoding:
chunked` looked empty: three valid deliveries were stored as one empty "unreadable" row and
a 9 MiB body was answered 200. A server that decodes chunked bodies (gunicorn) says so with
`wsgi.input_terminated`; then the stream is read to its end, up to the limit.
"""

from dataclasses import dataclass

from django.http import HttpRequest

READ_PIECE = 64 * 1024


class BodyTooLarge(Exception):
    """More than the limit was sent (answer 413)."""


class BodyIncomplete(Exception):
    """The sender stopped before the end of its body (stalled past the server's read time-out,
    or gone): we hold no delivery, so it is answered 503 and the source sends it again."""


class BodyNotReadable(Exception):
    """The server hands over a chunked body it has not decoded: nothing of it can be read."""


@dataclass(frozen=True, slots=True)
class RequestBody:
    data: bytes
    # Why the body was not read (a Content-Length that is not a number); "" when it was.
    error: str = ""


def declared_length(request: HttpRequest) -> int | None:
    """The Content-Length, or None when there is none or it is not a number."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    return length if length >= 0 else None


def request_body_read(request: HttpRequest, *, limit: int) -> RequestBody:
    meta = request.META
    length = declared_length(request)
    raw_length = str(meta.get("CONTENT_LENGTH") or "")
    chunked = "chunked" in str(meta.get("HTTP_TRANSFER_ENCODING", "")).lower()
    error = ""
    if length is not None and not chunked:
        stream = request  # Django's own stream, limited to the declared length
    elif meta.get("wsgi.input_terminated"):
        stream = meta["wsgi.input"]
    elif chunked:
        raise BodyNotReadable("The server passed a chunked body on without decoding it.")
    else:
        stream = request
        if raw_length:
            error = f"The request's Content-Length is not a number ({raw_length[:40]!r}): its body was not read."
    pieces: list[bytes] = []
    size = 0
    try:
        while piece := stream.read(READ_PIECE):
            pieces.append(piece)
            size += len(piece)
            if size > limit:
                raise BodyTooLarge
    except BodyTooLarge:
        raise
    except Exception as exc:
        raise BodyIncomplete(
            f"the body could not be read to its end ({exc.__class__.__name__}) after {size} bytes"
        ) from exc
    data = b"".join(pieces)
    if length is not None and not chunked and len(data) < length:
        raise BodyIncomplete(f"the body ended after {len(data)} of the {length} bytes its Content-Length announced")
    return RequestBody(data, error)
