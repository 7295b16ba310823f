"""The sandbox application: the venue, its switches, and the path every call takes.

A call to the ROLLER API goes: injected fault? -> bearer token (401) -> API access add-on
(403) -> rate limit (429) -> handler. `/token` and the `/_sim/` control API skip the
token and rate-limit steps.
"""

from __future__ import annotations

import copy
import dataclasses
import random
import time
from pathlib import Path

from . import api_bookings, api_reporting, api_rest, control, files
from .auth import RateLimiter, Tokens, bearer_token, read_credentials, token_endpoint
from .bulk import BulkExports
from .config import SandboxConfig
from .dispatcher import Dispatcher
from .faults import Fault, Faults, Stats
from .live import LiveVenue
from .persistence import state_load
from .routing import EMPTY, Request, Response, Router, empty, json_response
from .seed import build_store
from .state import Store
from .webhooks import Event

NO_API_ACCESS = "API access is not enabled for this venue. Ask ROLLER to add the 'API access' add-on."


def family_of(path: str) -> str:
    lowered = path.lower()
    if lowered.startswith("/_sim/") or lowered == "/_sim":
        return "control"
    if lowered.rstrip("/") == "/token":
        return "token"
    if lowered.startswith(files.PREFIX):
        return "files"  # the presigned bulk export files: S3, not ROLLER's API
    if lowered.startswith(("/data/", "/reporting/")):
        return "reporting"
    return "rest"


class Sandbox:
    def __init__(self, config: SandboxConfig, *, state_file: Path | None = None) -> None:
        """With `state_file`, the venue saved there (same seed and size) instead of a fresh
        seed; see integrations.roller.sandbox.persistence."""
        saved = state_load(state_file, seed=config.seed, size=config.size) if state_file else None
        if saved is not None:
            config.anchor_date = saved[1]  # the saved history ends where it was seeded
        self.config = config
        self._startup_config = copy.deepcopy(config)
        self.restored = saved is not None
        self.store: Store = saved[0] if saved else self._fresh_store()
        self.rng = random.Random(config.seed)
        if saved:
            self.rng.setstate(saved[2])
        self.tokens = Tokens()
        if saved:
            self.tokens.restore(saved[3])
        self.limiter = RateLimiter(config)
        self.faults = Faults()
        self.stats = Stats()
        self.dispatcher = Dispatcher(config, lambda: self.store)
        self.live = LiveVenue(self)
        self.bulk = BulkExports(self)
        self.router = Router()
        for module in (api_rest, api_bookings, api_reporting, control):
            module.register(self.router, self)
        self.router.add("POST", "/reporting/bulk", self.bulk.request)

    def _fresh_store(self) -> Store:
        c = self.config
        return build_store(seed=c.seed, size=c.size, anchor_date=c.anchor_date)

    def start(self) -> None:
        self.dispatcher.start()
        if self.config.live_rate > 0:
            self.live.start(self.config.live_rate)

    def stop(self) -> None:
        self.live.stop()
        self.dispatcher.stop()

    def publish(self, event: Event) -> None:
        self.dispatcher.publish(event)

    def restore_startup_config(self) -> None:
        # In place: the limiter and the dispatcher hold this very object.
        for field in dataclasses.fields(self.config):
            setattr(self.config, field.name, copy.deepcopy(getattr(self._startup_config, field.name)))

    def reset(self) -> None:
        """Fresh venue from the seed; tokens, limits, faults, webhooks and logs cleared."""
        self.live.stop()
        self.store = self._fresh_store()
        self.rng = random.Random(self.config.seed)
        self.tokens.expire_all()
        self.limiter.reset()
        self.faults.clear()
        self.stats.reset()
        self.dispatcher.reset()
        self.bulk.reset()

    # --- the request pipeline ---------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        family = family_of(request.path)
        if family == "control":
            return self._route(request)
        if family == "files":
            response = self.bulk.files.serve(request)
            self.stats.record(family, request.path, response.status)
            return response
        if family == "token" and request.method == "POST":
            self.stats.record_token_request(read_credentials(request)[0])
        response = self._handle_api(request, family)
        self.stats.record(family, request.path, response.status)
        if family == "reporting" and response.status == 200 and request.path.lower().startswith("/data/"):
            self.stats.record_usage(1)
        return response

    def _handle_api(self, request: Request, family: str) -> Response:
        fault = self.faults.take(request.method, request.path)
        if fault is not None:
            self.stats.record_fault()
            faulted = self._apply_fault(fault)
            if faulted is not None:
                return faulted
        if family == "token":
            if request.method != "POST":
                return empty(405, Allow="POST")
            return token_endpoint(request, self.config, self.tokens, self.limiter)
        token = bearer_token(request)
        client_id = self.tokens.client_for(token) if token else None
        if client_id is None:
            return empty(401, **{"WWW-Authenticate": "Bearer"})
        if client_id == self.config.noaccess_client_id:
            return json_response(403, {"message": NO_API_ACCESS})
        request.client_id = client_id
        retry_after = self.limiter.check(client_id, family)
        if retry_after is not None:
            return empty(429, **{"Retry-After": str(retry_after)})
        return self._route(request)

    @staticmethod
    def _apply_fault(fault: Fault) -> Response | None:
        if fault.hang_seconds:
            time.sleep(fault.hang_seconds)
        if fault.status is None:
            return None
        headers = {}
        if fault.status == 429:
            headers["Retry-After"] = str(fault.retry_after if fault.retry_after is not None else 60)
        return Response(fault.status, fault.body if fault.body is not None else EMPTY, headers)

    def _route(self, request: Request) -> Response:
        handler, params, path_known = self.router.resolve(request.method, request.path)
        if handler is None:
            return empty(405 if path_known else 404)
        request.params = params
        return handler(request)
