"""gunicorn for the connector: the Procfile's web process and deploy/systemd/connector-web.service.

Slow clients (issue 13): with 2 sync workers, a few senders that stalled half-way through a
request held both workers, and good deliveries waited up to 24 s while ROLLER gives up after
10 s. So the workers are threaded (gthread): a connection that has sent nothing yet waits in
the worker's poller without a thread, a stalled one holds one thread of many, and no thread
waits longer than READ_TIMEOUT_SECONDS for a client's next bytes. bench/bench_slow_clients.py
shows good deliveries under 1 s with 20 slow clients connected.

Every value can be overridden on the command line or in GUNICORN_CMD_ARGS (CI adds its TLS
certificate that way: --certfile, --keyfile).
https://docs.gunicorn.org/en/stable/settings.html
"""

import os
import socket
import struct

bind = [f"{os.environ.get('WEB_BIND_HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"]  # noqa: S104 - behind a firewall or load balancer
# Two processes per host (of 2 cores); threads share a process's database connection pool of
# one connection each (CONN_MAX_AGE), so PostgreSQL sees workers × threads connections at most.
workers = int(os.environ.get("WEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "16"))
# The webhook view is a short insert: a request still running after this is stuck.
timeout = 30
graceful_timeout = 10
keepalive = 5
# A request line or header larger than these is not ROLLER (and is refused before Django).
limit_request_line = 8190
limit_request_field_size = 8190
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'

# The longest a worker thread waits for a client's next bytes (headers or body). Set on the
# listening sockets, which every accepted connection inherits (Linux), so it holds even where
# gunicorn makes a socket blocking again. A good sender never pauses this long mid-request.
READ_TIMEOUT_SECONDS = float(os.environ.get("WEB_READ_TIMEOUT_SECONDS", "5"))


def when_ready(server):
    timeval = struct.pack("ll", int(READ_TIMEOUT_SECONDS), int(READ_TIMEOUT_SECONDS % 1 * 1_000_000))
    for listener in server.LISTENERS:
        listener.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
