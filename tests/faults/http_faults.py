"""Fault handlers for ``tests.support.bns_server.BnsServer``: each answers a request the way a broken
or hostile server would. A handler returns True when it answered (False: the server answers normally).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

Fault = Callable[[BaseHTTPRequestHandler], bool]


def _quietly(write: Callable[[], None]) -> None:
    """Write to a client that may already have given up (a timeout test): a broken pipe is expected."""
    with contextlib.suppress(OSError):
        write()


def respond(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Fault:
    """A complete response: ``status``, ``headers`` (Content-Length added unless given) and ``body``."""

    def fault(h: BaseHTTPRequestHandler) -> bool:
        h.send_response(status)
        sent = dict(headers or {})
        if "Transfer-Encoding" not in sent:
            sent.setdefault("Content-Length", str(len(body)))
        for name, value in sent.items():
            h.send_header(name, value)
        h.end_headers()
        _quietly(lambda: h.wfile.write(body))
        return True

    return fault


def redirect(location: str, status: int = 302) -> Fault:
    return respond(status, headers={"Location": location})


def chunked(body: bytes, content_type: str, chunk: int = 8192) -> Fault:
    """A 200 with ``Transfer-Encoding: chunked`` and no Content-Length (the size is not announced)."""

    def fault(h: BaseHTTPRequestHandler) -> bool:
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for start in range(0, len(body), chunk):
            piece = body[start : start + chunk]
            _quietly(lambda piece=piece: h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece)))
        _quietly(lambda: h.wfile.write(b"0\r\n\r\n"))
        return True

    return fault


def stall(release: threading.Event, seconds: float = 5.0) -> Fault:
    """Accept the request, then send nothing (until the test ends): the client's read times out."""

    def fault(h: BaseHTTPRequestHandler) -> bool:
        release.wait(seconds)
        h.close_connection = True
        return True

    return fault


def stall_mid_body(body: bytes, content_type: str, release: threading.Event, seconds: float = 5.0) -> Fault:
    """Headers and the first half of the body, then silence: a timeout in the middle of the transfer."""

    def fault(h: BaseHTTPRequestHandler) -> bool:
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        _quietly(lambda: (h.wfile.write(body[: len(body) // 2]), h.wfile.flush()))
        release.wait(seconds)
        h.close_connection = True
        return True

    return fault


def reset() -> Fault:
    """Read the request, then drop the connection with a TCP RST (SO_LINGER 0), answering nothing."""

    def fault(h: BaseHTTPRequestHandler) -> bool:
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.close_connection = True
        h.connection.close()
        return True

    return fault


def truncated(body: bytes, content_type: str, keep: int) -> Fault:
    """Announce the full Content-Length, send ``keep`` bytes, close: a cut transfer."""

    def fault(h: BaseHTTPRequestHandler) -> bool:
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        _quietly(lambda: h.wfile.write(body[:keep]))
        h.close_connection = True
        _quietly(lambda: h.connection.shutdown(socket.SHUT_RDWR))
        return True

    return fault


def first(times: int, fault: Fault) -> Fault:
    """``fault`` for the first ``times`` requests, then the normal answer (a transient outage)."""
    seen = {"n": 0}

    def transient(h: BaseHTTPRequestHandler) -> bool:
        seen["n"] += 1
        return fault(h) if seen["n"] <= times else False

    return transient
