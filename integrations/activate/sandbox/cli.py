"""Starting the stand-in: shared by `python -m integrations.activate.sandbox` and the
`activate_sandbox` management command."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from integrations.sandbox_process import parent_watch, ready_file_write

from .app import Sandbox
from .config import REPEATED_ORDERID_MODES, SandboxConfig
from .server import make_server


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8200, help="0 picks a free port")
    parser.add_argument(
        "--repeated-orderid", choices=REPEATED_ORDERID_MODES, default="merge",
        help="a second Purchase with the same orderid updates the first (merge) or counts again (append)",
    )  # fmt: skip
    parser.add_argument("--naive-time-zone", default="Europe/Amsterdam", help="the zone an offset-less time is read in")
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every API answer")
    parser.add_argument("--ready-file", help="write {url, pid} as JSON here once listening")
    parser.add_argument("--exit-with-parent", action="store_true", help="stop when the parent process dies")
    parser.add_argument("--verbose", action="store_true", help="log every request line")


def config_from_options(options: dict[str, Any]) -> SandboxConfig:
    return SandboxConfig(
        repeated_orderid=options["repeated_orderid"],
        naive_time_zone=options["naive_time_zone"],
        latency_ms=options["latency_ms"],
    )


def run(options: dict[str, Any], out: Any = sys.stdout) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = config_from_options(options)
    app = Sandbox(config)
    server = make_server(app, options["host"], options["port"], log_requests=options["verbose"])
    print(f"Spotler Activate stand-in listening on {server.base_url}", file=out)
    print(f"  account id:       {config.account_id}", file=out)
    print(f"  API key:          {config.api_key} (a demo value, for the stand-in only)", file=out)
    print(f"  repeated orderid: {config.repeated_orderid}", file=out)
    print(f"  what it holds:    {server.base_url}/ (JSON: /_sim/state; switches: /_sim/config, /_sim/faults)", file=out)
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
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m integrations.activate.sandbox", description="Run the Spotler Activate stand-in."
    )
    add_arguments(parser)
    run(vars(parser.parse_args(argv)))
