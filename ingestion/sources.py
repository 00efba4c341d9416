"""Where release bytes come from: the embedded snapshot or BNS over HTTP, behind one interface.

The HTTP source is written for an unattended job against a government site that goes down, redirects
and sometimes answers with an HTML error page: bounded retries with backoff, redirects followed by
hand so that every hop is checked against the allowed hosts, conditional requests, and a size cap
enforced while streaming.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import requests

from ingestion.catalog import (
    TALDAU_REGIONS_DIC,
    TALDAU_SLICES,
    TALDAU_TREE,
    Dataset,
    Route,
    taldau_tree_form,
)
from ingestion.errors import FetchError
from ingestion.settings import Settings
from ingestion.taldau_release import TreeAnswer, release_document

USER_AGENT = "kz-inequality-warehouse/0.1 (+regional statistics ETL)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
MAX_RETRY_AFTER_S = 60.0
#: Taldau tree answers one release may take (levels x period kinds): a tree deeper than this is wrong
MAX_TREE_REQUESTS = 64
#: What a data payload may be sent as; an HTML page is never a data release.
DATA_CONTENT_TYPES = {
    "xlsx": (
        "application/vnd.openxmlformats",
        "application/octet-stream",
        "application/zip",
        "application/vnd.ms-excel",
        "binary/octet-stream",
    ),
    "xls": ("application/vnd.ms-excel", "application/octet-stream", "binary/octet-stream"),
    "csv": (
        "text/csv",
        "text/plain",
        "application/csv",
        "application/octet-stream",
        "text/tab-separated-values",
    ),
    "json": ("application/json", "text/json", "text/plain"),
}


@dataclass(frozen=True)
class Conditional:
    """Validators of the release already loaded, for a conditional request."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Payload:
    """One fetch outcome. ``content`` is empty when ``not_modified`` is true."""

    dataset_id: str
    content: bytes
    url: str
    source: str  # "snapshot" | "http" | "taldau"
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    not_modified: bool = False
    #: the live route that served it (None: the snapshot or an operator-mapped URL in the dataset's layout)
    route: Route | None = None
    #: the routes tried before this one, each failed (``RoutedSource``): recorded before this payload
    earlier: tuple[FetchError, ...] = ()


class Source(Protocol):
    def fetch(self, dataset: Dataset, conditional: Conditional | None = None) -> Payload: ...


class SnapshotSource:
    """Reads the embedded, real BNS files. The default: no network needed."""

    def __init__(self, snapshot_dir: Path) -> None:
        self.snapshot_dir = snapshot_dir

    def fetch(self, dataset: Dataset, conditional: Conditional | None = None) -> Payload:
        path = self.snapshot_dir / dataset.snapshot_file
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise FetchError(dataset.id, path.as_uri(), f"snapshot file unreadable: {exc}") from exc
        return Payload(dataset_id=dataset.id, content=content, url=path.as_uri(), source="snapshot")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class HttpSource:
    """Fetches a dataset's release from its live URL with every safeguard an unattended job needs."""

    def __init__(
        self,
        settings: Settings,
        session: requests.Session | None = None,
        url_overrides: dict[str, str] | None = None,
        sleep=time.sleep,
    ) -> None:
        self.settings = settings
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.trust_env = False  # no proxies or netrc picked up from the environment
        self.url_overrides = url_overrides if url_overrides is not None else load_url_overrides()
        self._sleep = sleep

    def url_for(self, dataset: Dataset) -> str | None:
        override = self.url_overrides.get(dataset.id)
        path = override or dataset.url_path
        if path is None:
            return None
        return urljoin(self.settings.base_url + "/", path.lstrip("/")) if "://" not in path else path

    def _check_url(self, dataset: Dataset, url: str) -> None:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host not in {h.lower() for h in self.settings.allowed_hosts}:
            raise FetchError(
                dataset.id,
                url,
                f"host {host!r} is not in the allowed hosts {list(self.settings.allowed_hosts)}",
            )
        if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(host)):
            raise FetchError(
                dataset.id,
                url,
                f"scheme {parts.scheme!r} refused: only https (plain http only on loopback, for tests)",
            )

    def fetch(self, dataset: Dataset, conditional: Conditional | None = None) -> Payload:
        url = self.url_for(dataset)
        if url is None:
            raise FetchError(dataset.id, "(none)", "no live URL is known for this dataset")
        mapped = dataset.id in self.url_overrides  # an operator's URL, read in the dataset's own layout
        route = None if mapped or dataset.bns_element is None else dataset.routes[0]
        payload = self.fetch_url(dataset, url, conditional)
        return replace(payload, route=route)

    def fetch_url(
        self,
        dataset: Dataset,
        url: str,
        conditional: Conditional | None = None,
        form: dict[str, str] | None = None,
        fmt: str | None = None,
    ) -> Payload:
        """GET ``url`` (or POST ``form`` to it) with retries, checked hops, the size cap and the content
        checks for ``fmt`` (default: the dataset's own format)."""
        last_error = "no attempt made"
        for attempt in range(self.settings.max_retries + 1):
            try:
                return self._fetch_once(dataset, url, conditional, form, fmt or dataset.format)
            except _Retryable as exc:
                last_error = exc.reason
                if attempt == self.settings.max_retries:
                    break
                delay = self.settings.backoff_s * (2**attempt)
                if exc.retry_after is not None:
                    delay = min(max(delay, exc.retry_after), MAX_RETRY_AFTER_S)
                self._sleep(delay)
        raise FetchError(
            dataset.id,
            url,
            f"{last_error} (gave up after {self.settings.max_retries + 1} attempts)",
        )

    def _fetch_once(
        self,
        dataset: Dataset,
        url: str,
        conditional: Conditional | None,
        form: dict[str, str] | None,
        fmt: str,
    ) -> Payload:
        headers = {}
        if conditional and conditional.etag:
            headers["If-None-Match"] = conditional.etag
        if conditional and conditional.last_modified:
            headers["If-Modified-Since"] = conditional.last_modified
        current = url
        seen: set[str] = set()
        for _hop in range(MAX_REDIRECTS + 1):
            self._check_url(dataset, current)
            if current in seen:
                raise FetchError(dataset.id, url, f"redirect loop at {current}")
            seen.add(current)
            try:
                response = self.session.request(
                    "POST" if form is not None else "GET",
                    current,
                    data=form,
                    headers=headers,
                    allow_redirects=False,
                    stream=True,
                    verify=True,
                    timeout=(self.settings.connect_timeout_s, self.settings.read_timeout_s),
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                raise _Retryable(f"{type(exc).__name__}: {exc}") from exc
            with response:
                if response.is_redirect or response.status_code in (301, 302, 303, 307, 308):
                    location = response.headers.get("Location")
                    if not location:
                        raise FetchError(
                            dataset.id,
                            current,
                            f"HTTP {response.status_code} redirect without a Location header",
                        )
                    current = urljoin(current, location)
                    form = None  # a redirected POST is fetched with GET, as browsers do
                    continue
                if response.status_code == 304:
                    return Payload(
                        dataset.id,
                        b"",
                        current,
                        "http",
                        etag=conditional.etag if conditional else None,
                        last_modified=conditional.last_modified if conditional else None,
                        not_modified=True,
                    )
                if response.status_code in RETRY_STATUSES:
                    raise _Retryable(
                        f"HTTP {response.status_code}",
                        _retry_after_seconds(response.headers.get("Retry-After")),
                    )
                if response.status_code != 200:
                    raise FetchError(dataset.id, current, f"HTTP {response.status_code}")
                content = self._read_capped(dataset, current, response)
                content_type = response.headers.get("Content-Type")
                self._check_content(dataset, current, content, content_type, fmt)
                return Payload(
                    dataset.id,
                    content,
                    current,
                    "http",
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                    content_type=content_type,
                )
        raise FetchError(dataset.id, url, f"more than {MAX_REDIRECTS} redirects")

    def _read_capped(self, dataset: Dataset, url: str, response: requests.Response) -> bytes:
        cap = self.settings.max_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise FetchError(dataset.id, url, f"body of {declared} bytes exceeds the cap of {cap}")
        chunks: list[bytes] = []
        total = 0
        try:
            for chunk in response.iter_content(chunk_size=64 * 1024):
                total += len(chunk)
                if total > cap:
                    raise FetchError(dataset.id, url, f"body exceeds the cap of {cap} bytes")
                chunks.append(chunk)
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.ConnectionError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            raise _Retryable(f"body interrupted after {total} bytes: {type(exc).__name__}") from exc
        except requests.Timeout as exc:
            raise _Retryable(f"read timeout after {total} bytes") from exc
        if declared and declared.isdigit() and total != int(declared):
            raise _Retryable(f"truncated body: {total} of {declared} bytes")
        return b"".join(chunks)

    def _check_content(
        self, dataset: Dataset, url: str, content: bytes, content_type: str | None, fmt: str
    ) -> None:
        if not content:
            raise FetchError(dataset.id, url, "empty body")
        head = content[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:200]:
            raise FetchError(dataset.id, url, "HTML page instead of data (an error page?)", content=content)
        kind = {"bns_csv": "csv", "long_csv": "csv", "bns_json": "json", "taldau_tree": "json"}.get(fmt, fmt)
        allowed = DATA_CONTENT_TYPES.get(kind)
        if content_type and allowed:
            mime = content_type.split(";")[0].strip().lower()
            if not mime.startswith(allowed):
                raise FetchError(
                    dataset.id,
                    url,
                    f"unexpected content type {mime!r} for a {fmt} release",
                    content=content,
                )


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def load_url_overrides() -> dict[str, str]:
    """Per-dataset URL mapping from the JSON file named by ``KZW_SOURCE_URLS`` (if any)."""
    import os

    path = os.environ.get("KZW_SOURCE_URLS")
    if not path:
        return {}
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError(f"{path}: expected a JSON object of dataset id -> URL")
    return dict(data)


class TaldauSource:
    """Taldau's ``NewIndex/GetIndexTreeData`` (POST form) over the same guarded transport.

    One release is every answer of the index's tree: per period kind of the route (year, and quarter
    for a mixed table), the top of the tree and then the children of each node that is not a leaf (the
    country node's regions), as the site loads them when a node is expanded. The answers are kept as
    they arrived in one document (``ingestion.taldau_release``), landed as ``.json``.

    Taldau sends no ETag: the release is told apart by the document's sha256 (the landing step does
    that). A 500 after the retries, an empty list or anything but a JSON list of nodes is a
    ``FetchError`` naming the dataset, the index, the form's period and parent, and the URL; the caller
    records it and lands a refused body.
    """

    def __init__(self, http: HttpSource, base_url: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")

    def url_for(self, dataset: Dataset) -> str | None:
        if dataset.taldau_index is None or not dataset.taldau_complete:
            return None
        return self.base_url + TALDAU_TREE.format(lang="ru")

    def fetch(self, dataset: Dataset, conditional: Conditional | None = None) -> Payload:
        url = self.url_for(dataset)
        if url is None:
            raise FetchError(dataset.id, "(none)", "no Taldau index is known for this dataset")
        route = dataset.taldau_route
        answers: list[TreeAnswer] = []
        for period in route.periods:
            pending = [""]
            while pending:
                parent = pending.pop(0)
                if len(answers) >= MAX_TREE_REQUESTS:
                    cause = f"Taldau index {route.ref}: more than {MAX_TREE_REQUESTS} tree answers"
                    raise FetchError(dataset.id, url, cause)
                body, nodes = self._answer(dataset, route, url, period, parent)
                answers.append(TreeAnswer(period, parent, body))
                pending.extend(_folders(dataset, route, url, nodes, body))
        content = release_document(route.ref, answers)
        return Payload(dataset.id, content, url, "taldau", content_type="application/json", route=route)

    def _answer(
        self, dataset: Dataset, route: Route, url: str, period: int, parent: str
    ) -> tuple[bytes, list]:
        """One POST of the form; its body and nodes, or a FetchError saying which form failed."""
        asked = f"p_period_id={period}, p_parent_id={parent!r}"
        form = taldau_tree_form(route.ref, period, parent=parent)
        try:
            payload = self.http.fetch_url(dataset, url, None, form=form, fmt=route.format)
            return payload.content, _check_list(dataset, route, url, payload.content, "nodes")
        except FetchError as exc:
            raise _naming_index(dataset, route, exc, f" ({asked})") from exc

    def slices_url(self, dataset: Dataset) -> str | None:
        route = next((r for r in dataset.routes if r.kind == "taldau_slices"), None)
        if route is None:
            return None
        path = TALDAU_SLICES.format(
            lang="ru", index=route.ref, period=route.periods[0], dics=TALDAU_REGIONS_DIC
        )
        return self.base_url + path

    def fetch_slices(self, dataset: Dataset, conditional: Conditional | None = None) -> Payload:
        """``Api/GetIndexData`` (GET): one answer, a JSON list of slices, landed as it came. The same
        guards and errors as the tree (500, empty list, HTML page, not a list name the index and URL);
        the slices themselves are read by the file API's JSON parser at parse time."""
        url = self.slices_url(dataset)
        if url is None:
            raise FetchError(dataset.id, "(none)", "no Taldau slices route is declared for this dataset")
        route = dataset.taldau_slices_route
        try:
            payload = self.http.fetch_url(dataset, url, None, fmt=route.format)
            _check_list(dataset, route, url, payload.content, "slices")
        except FetchError as exc:
            raise _naming_index(dataset, route, exc) from exc
        return Payload(
            dataset.id, payload.content, url, "taldau", content_type=payload.content_type, route=route
        )


def _naming_index(dataset: Dataset, route: Route, exc: FetchError, asked: str = "") -> FetchError:
    """The error again, its cause led by the Taldau index (once) and followed by the form asked."""
    prefix = f"Taldau index {route.ref}: "
    return FetchError(
        dataset.id,
        exc.url,
        f"{prefix}{exc.cause.removeprefix(prefix)}{asked}",
        content=exc.content,
        extension=route.extension,
    )


def _folders(dataset: Dataset, route: Route, url: str, nodes: list, body: bytes) -> list[str]:
    """Ids of the nodes whose children are still to be asked for (not leaves, no children inline)."""
    out = []
    for i, node in enumerate(nodes):
        if not isinstance(node, dict) or str(node.get("leaf", "true")).lower() != "false":
            continue
        if node.get("children"):
            continue
        node_id = node.get("id")
        if not isinstance(node_id, str | int) or str(node_id) == "":
            raise FetchError(
                dataset.id,
                url,
                f"Taldau index {route.ref}: node {i} is not a leaf but has no id to expand it by",
                content=body,
                extension=route.extension,
            )
        out.append(str(node_id))
    return out


def _check_list(dataset: Dataset, route: Route, url: str, content: bytes, what: str) -> list:
    """An answer that is not a non-empty JSON list (of tree nodes or slices) is what Taldau sends
    for wrong parameters."""
    try:
        items = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FetchError(
            dataset.id, url, f"Taldau index {route.ref}: answer is not JSON ({exc})", content=content
        ) from exc
    if not isinstance(items, list):
        raise FetchError(
            dataset.id,
            url,
            f"Taldau index {route.ref}: answer is a JSON {type(items).__name__}, not a list of {what}",
            content=content,
        )
    if not items:
        raise FetchError(
            dataset.id,
            url,
            f"Taldau index {route.ref}: empty answer (wrong period or dictionary for this index?)",
            content=content,
        )
    return items


class RoutedSource:
    """Each dataset from its live routes in order: an operator-mapped URL or the file API element,
    then Taldau's tree, then Taldau's slices; the snapshot only for a dataset with none.

    A route that fails (HTTP error after the retries, refused payload) hands over to the next one; the
    failures ride along (``Payload.earlier``, or ``FetchError.earlier`` when every route failed) so
    that each attempt is landed and recorded with its source. The payload says which route served.
    A payload that arrives but does not parse is not retried elsewhere: it is a release to inspect.
    """

    def __init__(
        self, http: HttpSource, snapshot: SnapshotSource, taldau: TaldauSource | None = None
    ) -> None:
        self.http = http
        self.snapshot = snapshot
        self.taldau = taldau or TaldauSource(http, http.settings.taldau_base_url)

    def url_for(self, dataset: Dataset) -> str | None:
        return self.http.url_for(dataset) or self.taldau.url_for(dataset)

    def _attempts(self, dataset: Dataset) -> list[tuple[str, Callable[..., Payload]]]:
        out: list[tuple[str, Callable[..., Payload]]] = []
        if self.http.url_for(dataset) is not None:
            out.append(("http", self.http.fetch))
        if self.taldau.url_for(dataset) is not None:
            out.append(("taldau", self.taldau.fetch))
        if self.taldau.slices_url(dataset) is not None:
            out.append(("taldau", self.taldau.fetch_slices))
        return out

    def fetch(self, dataset: Dataset, conditional: Conditional | None = None) -> Payload:
        attempts = self._attempts(dataset)
        if not attempts:
            return self.snapshot.fetch(dataset, conditional)
        failed: list[FetchError] = []
        for source, attempt in attempts:
            try:
                payload = attempt(dataset, conditional)
            except FetchError as exc:
                exc.source = source
                failed.append(exc)
                continue
            return replace(payload, earlier=tuple(failed))
        last = failed[-1]
        last.earlier = tuple(failed[:-1])
        raise last


def source_for(settings: Settings) -> Source:
    """The source ``KZW_SOURCE`` asks for: ``snapshot`` (default, offline) or ``http``."""
    snapshot = SnapshotSource(settings.snapshot_dir)
    if settings.source == "snapshot":
        return snapshot
    if settings.source == "http":
        return RoutedSource(HttpSource(settings), snapshot)
    raise ValueError(f"KZW_SOURCE must be 'snapshot' or 'http', not {settings.source!r}")
