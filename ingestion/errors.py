"""Errors that say which dataset, which file and which place went wrong."""

from __future__ import annotations


class IngestionError(Exception):
    """Base class: every ingestion failure names the dataset it concerns."""

    def __init__(self, dataset_id: str, message: str) -> None:
        self.dataset_id = dataset_id
        super().__init__(f"[{dataset_id}] {message}")


class FetchError(IngestionError):
    """The source did not deliver a usable payload (HTTP status, timeout, size cap, host...)."""

    def __init__(
        self,
        dataset_id: str,
        url: str,
        cause: str,
        content: bytes | None = None,
        extension: str | None = None,
    ) -> None:
        self.url = url
        self.cause = cause
        #: a complete body that arrived but was refused (an HTML page, a wrong content type): the
        #: caller lands it, so the bytes the source sent are kept for inspection
        self.content = content
        #: the landed file's extension when it is not the dataset's own (a Taldau answer is JSON)
        self.extension = extension
        #: set by the routed source: the source of the route that failed ("http", "taldau")
        self.source: str | None = None
        #: set by the routed source when every route failed: the routes that failed before this one
        self.earlier: tuple[FetchError, ...] = ()
        super().__init__(dataset_id, f"fetch of {url} failed: {cause}")


class ParseError(IngestionError):
    """A payload whose layout or content the parser does not understand.

    ``location`` is as precise as the format allows: ``sheet 'Все население' cell B7`` for
    spreadsheets, ``line 17`` for CSV, ``slice 3 period 2`` for JSON.
    """

    def __init__(self, dataset_id: str, file_name: str, location: str, message: str) -> None:
        self.file_name = file_name
        self.location = location
        self.reason = message
        super().__init__(dataset_id, f"{file_name}, {location}: {message}")


class UnknownRegionLabel(ParseError):
    """A region label that the alias table does not know. Never silently dropped."""
