"""Land every fetched payload byte-for-byte, content-addressed, before anything reads it.

The file name is ``<sha256>.<ext>`` under the dataset's folder: never a name taken from the network,
so a hostile ``Content-Disposition`` or URL cannot choose where bytes are written.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ingestion.catalog import Dataset


def fingerprint(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def land(
    landing_dir: Path, dataset: Dataset, content: bytes, extension: str | None = None
) -> tuple[str, Path]:
    """Write ``content`` once under its sha256 and return (release_id, path). Idempotent.

    ``extension``: the route's own when it is not the dataset's (a Taldau release is ``.json``)."""
    release_id = fingerprint(content)
    folder = landing_dir / dataset.id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{release_id}.{extension or dataset.extension}"
    if path.exists() and path.stat().st_size == len(content):
        return release_id, path
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".landing-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return release_id, path
