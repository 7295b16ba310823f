"""The HTTP side: a stdlib threading server turning sockets into Request/Response."""

from __future__ import annotations

import json
import logging
import urllib.parse
from http.server import BaseHTTPRequestHandler
from typing import Any

from integrations.sandbox_process import StandInServer

from .app import Request, Response, Sandbox, errors

log = logging.getLogger("activate_sandbox")


class SandboxServer(StandInServer):
    def __init__(self, address: tuple[str, int], app: Sandbox, *, log_requests: bool) -> None:
        super().__init__(address, SandboxRequestHandler, app, log_requests=log_requests)


class SandboxRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's session expects
    server: SandboxServer
    server_version = "ActivateSandbox/1.0"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

    def _dispatch(self) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        peer = f"{self.client_address[0]}:{self.client_address[1]}"
        try:
            body = json.loads(raw) if raw else None
        except (ValueError, UnicodeDecodeError):
            response = errors(400, "The body is not valid JSON")
        else:
            try:
                response = self.server.app.handle(Request(self.command, parsed.path or "/", query, headers, body, peer))
            except Exception:  # answer 500 like a real server instead of dropping the socket
                log.exception("Unhandled error for %s %s", self.command, parsed.path)
                response = errors(500, "Internal server error")
        self._write(response)

    def _write(self, response: Response) -> None:
        if response.html is not None:
            payload, content_type = response.html.encode(), "text/html; charset=utf-8"
        else:
            payload, content_type = json.dumps(response.body).encode(), "application/json"
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its time-out during a slow fault)

    do_GET = do_POST = do_PUT = do_DELETE = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log_requests:  # the request line only: never the X-AUTH headers
            log.info("%s %s", self.address_string(), format % args)


def make_server(app: Sandbox, host: str, port: int, *, log_requests: bool = False) -> SandboxServer:
    return SandboxServer((host, port), app, log_requests=log_requests)
