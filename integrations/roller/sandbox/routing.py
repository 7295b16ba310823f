"""A tiny request/response layer: plain objects the handlers take and return.

Handlers never touch the socket, so they stay easy to read and to call in a test.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

EMPTY = object()  # a response without a body (ROLLER's 401, 404 and 429)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]  # lower-case names
    params: dict[str, str] = field(default_factory=dict)  # from the path pattern
    client_id: str | None = None

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def arg(self, name: str) -> str | None:
        """A query parameter, matched case-insensitively as ASP.NET binds them."""
        wanted = name.lower()
        for key, value in self.query.items():
            if key.lower() == wanted:
                return value
        return None


@dataclass
class Response:
    status: int
    body: Any = EMPTY
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Response]


def json_response(status: int, body: Any) -> Response:
    return Response(status, body)


def empty(status: int, **headers: str) -> Response:
    return Response(status, EMPTY, dict(headers))


def validation_error(errors: dict[str, list[str]]) -> Response:
    """ROLLER runs on ASP.NET; its 400s are assumed to look like ASP.NET's (docs/roller-facts.md, Payload shapes)."""
    return Response(
        400,
        {
            "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
            "title": "One or more validation errors occurred.",
            "status": 400,
            "traceId": f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-00",
            "errors": errors,
        },
    )


def conflict(name: str, message: str) -> Response:
    return Response(409, {"errors": [{"name": name, "message": message}]})


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, path: str, handler: Handler) -> None:
        """`path` may hold `{name}` placeholders, matched as one path segment each."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path.rstrip("/") or "/")
        self.routes.append(Route(method, re.compile(f"^{regex}/?$", re.IGNORECASE), handler))

    def resolve(self, method: str, path: str) -> tuple[Handler | None, dict[str, str], bool]:
        """Return (handler, path params, path_known). path_known without a handler -> 405."""
        path_known = False
        for route in self.routes:
            match = route.pattern.match(path)
            if match is None:
                continue
            path_known = True
            if route.method == method:
                return route.handler, match.groupdict(), True
        return None, {}, path_known
