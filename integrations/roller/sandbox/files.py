"""Presigned URLs for bulk export files, checked the way S3 checks them.

A URL carries `X-Amz-Date`, `X-Amz-Expires` and an HMAC `X-Amz-Signature` over the path and
the rest of the query. S3 answers 403 AccessDenied to a changed query (the signature no longer
matches), to a URL past its expiry, and to a request that also sends an `Authorization` header
(a second way to authenticate); so does the sandbox. The URLs expire after 5 days
(`bulk_export_url_ttl_seconds`) as ROLLER's docs say. These paths skip the token and the
rate limits: the file server is not ROLLER's API.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
import urllib.parse
from typing import TYPE_CHECKING

from .routing import Request, Response

if TYPE_CHECKING:
    from .config import SandboxConfig

PREFIX = "/bulk-exports/"
ALGORITHM = "AWS4-HMAC-SHA256"
_SIGNED_KEYS = ("X-Amz-Algorithm", "X-Amz-Date", "X-Amz-Expires")
_AMZ_DATE = "%Y%m%dT%H%M%SZ"


class SignedFiles:
    def __init__(self, config: SandboxConfig) -> None:
        self._config = config
        self._lock = threading.Lock()
        self._key = secrets.token_bytes(32)
        self._files: dict[str, bytes] = {}

    def clear(self) -> None:
        with self._lock:
            self._files.clear()
            self._key = secrets.token_bytes(32)  # URLs from before a reset stop working

    def put(self, base_url: str, name: str, body: bytes) -> str:
        """Keep the file; return its presigned URL."""
        path = PREFIX + name
        with self._lock:
            self._files[path] = body
        query = {
            "X-Amz-Algorithm": ALGORITHM,
            "X-Amz-Date": dt.datetime.now(dt.UTC).strftime(_AMZ_DATE),
            "X-Amz-Expires": str(int(self._config.bulk_export_url_ttl_seconds)),
        }
        query["X-Amz-Signature"] = self._signature(path, query)
        return f"{base_url}{path}?{urllib.parse.urlencode(query)}"

    def serve(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return _denied(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        if request.header("authorization"):
            return _denied(
                403, "AccessDenied", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                "Signature query string parameter or the Authorization header should be specified",
            )  # fmt: skip
        query = dict(request.query)
        signature = query.pop("X-Amz-Signature", "")
        if set(query) != set(_SIGNED_KEYS) or not hmac.compare_digest(signature, self._signature(request.path, query)):
            return _denied(403, "SignatureDoesNotMatch", "The request signature we calculated does not match.")
        try:
            signed_at = dt.datetime.strptime(query["X-Amz-Date"], _AMZ_DATE).replace(tzinfo=dt.UTC).timestamp()
            expires = int(query["X-Amz-Expires"])
        except ValueError:
            return _denied(403, "AccessDenied", "Invalid date or expiry.")
        if time.time() >= signed_at + expires:
            return _denied(403, "AccessDenied", "Request has expired")
        with self._lock:
            body = self._files.get(request.path)
        if body is None:
            return _denied(404, "NoSuchKey", "The specified key does not exist.")
        return Response(200, body, {"Content-Type": "application/json"})

    def _signature(self, path: str, query: dict[str, str]) -> str:
        canonical = path + "\n" + "&".join(f"{key}={query.get(key, '')}" for key in _SIGNED_KEYS)
        return hmac.new(self._key, canonical.encode(), hashlib.sha256).hexdigest()


def _denied(status: int, code: str, message: str) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return Response(status, body.encode(), {"Content-Type": "application/xml"})
