"""A real HTTP server on 127.0.0.1 that serves release files in the shapes of the live BNS file API.

``GET /api/iblock/element/{id}/{fmt}/file/{lang}/`` answers ``302`` to ``/upload/{sha256}.{ext}``,
which answers the bytes with an ``ETag`` and ``Last-Modified`` and honours ``If-None-Match`` with
``304`` — the behaviour the pipeline relies on to tell a new release from the one already loaded.
Tests can swap a route's content (a new release) or install a fault handler for any path.

Taldau: ``POST /ru/NewIndex/GetIndexTreeData`` with the form of the real request answers the JSON
set for ``(p_index_id, p_period_id, p_parent_id)`` (one level of the tree: ``""`` the top, a node's
id its children) with no ETag (as Taldau), and 500 for any other form (as Taldau does for wrong
parameters). ``GET /ru/Api/GetIndexData/{id}?period=..&dics=..`` answers the JSON list of slices set
for that exact path and query (``set_taldau_slices``), with no ETag, and 500 for any other query.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

TALDAU_TREE_PATH = "/ru/NewIndex/GetIndexTreeData"
TALDAU_SLICES_PREFIX = "/ru/Api/GetIndexData/"

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}

Fault = Callable[[BaseHTTPRequestHandler], bool]


@dataclass
class Route:
    content: bytes
    ext: str
    last_modified: float = 1_700_000_000.0

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.content).hexdigest()[:32] + '"'


@dataclass
class BnsServer:
    routes: dict[str, Route] = field(default_factory=dict)
    faults: dict[str, Fault] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    taldau: dict[tuple[str, str, str], bytes] = field(default_factory=dict)
    forms: list[dict[str, str]] = field(default_factory=list)
    slices: dict[str, bytes] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def set(self, path: str, content: bytes, ext: str, last_modified: float | None = None) -> None:
        self.routes[path] = Route(content, ext, last_modified or 1_700_000_000.0)

    def set_taldau(self, index_id: int, period_id: int, body: bytes, parent: str = "") -> None:
        self.taldau[(str(index_id), str(period_id), parent)] = body

    def set_taldau_slices(self, path: str, body: bytes) -> None:
        """Answer ``GET path`` (``/ru/Api/GetIndexData/{id}?period=7&dics=67``) with ``body``."""
        self.slices[path] = body

    def clear_taldau(self, index_id: int) -> None:
        """Forget every answer of the index (before serving a new release of it)."""
        for key in [k for k in self.taldau if k[0] == str(index_id)]:
            del self.taldau[key]

    def start(self) -> BnsServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.hits.append(self.path)
                fault = server.faults.get(self.path)
                if fault is not None and fault(self):
                    return
                if self.path.startswith(TALDAU_SLICES_PREFIX):
                    self._send_json(server.slices.get(self.path))
                    return
                if self.path in server.routes:
                    route = server.routes[self.path]
                    self.send_response(302)
                    self.send_header("Location", f"/upload/{route.etag.strip(chr(34))}.{route.ext}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                for route in server.routes.values():
                    if self.path == f"/upload/{route.etag.strip(chr(34))}.{route.ext}":
                        self._serve(route)
                        return
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                server.hits.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                form = {
                    k: v[0]
                    for k, v in parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()
                }
                server.forms.append(form)
                fault = server.faults.get(self.path)
                if fault is not None and fault(self):
                    return
                body = server.taldau.get(
                    (form.get("p_index_id", ""), form.get("p_period_id", ""), form.get("p_parent_id", ""))
                )
                if self.path != TALDAU_TREE_PATH:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self._send_json(body)

            def _send_json(self, body: bytes | None) -> None:
                """Taldau's answer, or its 500 for parameters it has no answer to."""
                if body is None:
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _serve(self, route: Route) -> None:
                if self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", CONTENT_TYPES.get(route.ext, "application/octet-stream"))
                self.send_header("Content-Length", str(len(route.content)))
                self.send_header("ETag", route.etag)
                self.send_header("Last-Modified", formatdate(route.last_modified, usegmt=True))
                self.end_headers()
                self.wfile.write(route.content)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
