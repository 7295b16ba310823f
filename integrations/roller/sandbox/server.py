"""The HTTP side: a stdlib threading server that turns sockets into Request/Response."""

from __future__ import annotations

import json
import logging
import urllib.parse
from http.server import BaseHTTPRequestHandler
from typing import Any

from integrations.sandbox_process import StandInServer

from .app import Sandbox
from .routing import EMPTY, Request, Response, validation_error

log = logging.getLogger("roller_sandbox")


class SandboxServer(StandInServer):
    def __init__(self, address: tuple[str, int], app: Sandbox, *, log_requests: bool) -> None:
        super().__init__(address, SandboxRequestHandler, app, log_requests=log_requests)


class SandboxRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxServer
    server_version = "RollerSandbox/1.0"
    # The headers and the body go out in two writes: with Nagle's algorithm on, a keep-alive
    # client's delayed ACK held every answer back by 40 ms (TCP_NODELAY, as servers set it).
    disable_nagle_algorithm = True

    def _dispatch(self) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        body, bad_json = _parse_body(raw, headers.get("content-type", ""))
        path = urllib.parse.unquote(parsed.path) or "/"
        if bad_json:
            response = validation_error({"$": ["The JSON value could not be converted."]})
        else:
            request = Request(self.command, path, query, body, headers)
            try:
                response = self.server.app.handle(request)
            except Exception:  # answer 500 like a real server instead of dropping the socket
                log.exception("Unhandled error for %s %s", self.command, self.path)
                response = Response(500, {"title": "An error occurred while processing your request."})
        self._write(response)

    def _write(self, response: Response) -> None:
        # bytes go out as they are (bulk export files, S3-style XML errors), anything else as JSON
        raw = isinstance(response.body, bytes)
        payload = b"" if response.body is EMPTY else response.body if raw else json.dumps(response.body).encode()
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if payload and not raw:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if payload and self.command != "HEAD":
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. its time-out during a hang fault)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log_requests:
            log.info("%s %s", self.address_string(), format % args)


def _parse_body(raw: bytes, content_type: str) -> tuple[Any, bool]:
    """JSON bodies are parsed; a form body is passed on as text (the token endpoint
    tolerates it); an empty body is None. Returns (body, was_bad_json)."""
    if not raw:
        return None, False
    if "application/x-www-form-urlencoded" in content_type:
        return raw.decode("utf-8", "replace"), False
    try:
        return json.loads(raw), False
    except (ValueError, UnicodeDecodeError):
        return None, True


def make_server(app: Sandbox, host: str, port: int, *, log_requests: bool = False) -> SandboxServer:
    return SandboxServer((host, port), app, log_requests=log_requests)
