"""Starting the sandbox: shared by `python -m integrations.roller.sandbox` and the
`roller_sandbox` management command."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from integrations.sandbox_process import parent_watch, ready_file_write

from .app import Sandbox
from .config import SIZES, SandboxConfig
from .persistence import StateKeeper
from .server import make_server


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--size", choices=SIZES, default="default")
    parser.add_argument("--anchor-date", help="yyyy-MM-dd the seeded history ends at (default today)")
    parser.add_argument("--delivery-delay", type=float, default=2.0, help="webhook delay in seconds")
    parser.add_argument("--time-factor", type=float, default=1.0, help="multiplies the retry schedule")
    parser.add_argument("--live-rate", type=float, default=0.0, help="live-venue events per second")
    parser.add_argument("--token-ttl", type=int, default=86400)
    parser.add_argument("--no-rate-limit", action="store_true")
    parser.add_argument("--ready-file", help="write {url, pid} as JSON here once listening")
    parser.add_argument("--exit-with-parent", action="store_true", help="stop when the parent process dies")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument(
        "--state-file", help="keep the venue here across restarts (loaded at start, saved meanwhile and at stop)"
    )


def config_from_options(options: dict[str, Any]) -> SandboxConfig:
    config = SandboxConfig(
        seed=options["seed"],
        size=options["size"],
        delivery_delay_seconds=options["delivery_delay"],
        time_factor=options["time_factor"],
        live_rate=options["live_rate"],
        token_ttl_seconds=options["token_ttl"],
        rate_limit_enabled=not options["no_rate_limit"],
    )
    if options.get("anchor_date"):
        config.anchor_date = options["anchor_date"]
    return config


def run(options: dict[str, Any], out: Any = sys.stdout) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = config_from_options(options)
    started = time.monotonic()
    state_file = Path(options["state_file"]) if options.get("state_file") else None
    app = Sandbox(config, state_file=state_file)
    server = make_server(app, options["host"], options["port"], log_requests=options["verbose"])
    app.start()
    keeper = StateKeeper(app, state_file) if state_file else None
    if keeper:
        keeper.start()
    counts = app.store.counts()
    print(f"ROLLER sandbox listening on {server.base_url}", file=out)
    print(f"  venue:         {app.store.venue['name']} ({config.size}, seed {config.seed})", file=out)
    how = f"restored from {state_file}" if app.restored else "seeded"
    print(f"  {how} in {time.monotonic() - started:.1f}s: {counts}", file=out)
    print(f"  client id:     {config.client_id}", file=out)
    print(f"  client secret: {config.client_secret}", file=out)
    print(f"  no-access id:  {config.noaccess_client_id} / {config.noaccess_client_secret}", file=out)
    print(f"  control API:   {server.base_url}/_sim/ (stats, config, faults, activity)", file=out)
    out.flush()
    if options.get("ready_file"):
        ready_file_write(Path(options["ready_file"]), server.base_url)
    if options.get("exit_with_parent"):
        parent_watch()
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        app.stop()
        if keeper:
            keeper.stop()
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m integrations.roller.sandbox", description="Run the ROLLER API sandbox."
    )
    add_arguments(parser)
    run(vars(parser.parse_args(argv)))
