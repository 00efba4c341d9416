"""One Taldau release: every answer of one index's tree, for every period kind, in one JSON document.

Taldau answers ``NewIndex/GetIndexTreeData`` one tree level at a time (the country node, then its
regions when the node is expanded) and one period kind at a time (7 = year, 5 = quarter). A release
is therefore several answers. They are kept together, each answer's text exactly as it arrived (with
its sha256, so the bytes can be checked and recovered), in the order they were asked for; the
document is what is landed (``<sha256>.json``), hashed to tell a new release from the one loaded,
and parsed. The same answers give the same document byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

FORMAT = "kzw-taldau-release/1"


@dataclass(frozen=True)
class TreeAnswer:
    """One answer: the form's period kind and parent node, and the body as it arrived."""

    period_id: int
    parent: str
    body: bytes


def release_document(index_id: int, answers: list[TreeAnswer]) -> bytes:
    """The landed release: the index and its answers (bodies as text, which keeps their bytes)."""
    doc = {
        "format": FORMAT,
        "index": index_id,
        "answers": [
            {
                "p_period_id": str(a.period_id),
                "p_parent_id": a.parent,
                "sha256": hashlib.sha256(a.body).hexdigest(),
                "body": a.body.decode("utf-8"),
            }
            for a in answers
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def read_release(data: object) -> list[TreeAnswer] | None:
    """The answers of a parsed release document, or ``None`` when ``data`` is not one (a single raw
    answer, a list of nodes). A body whose sha256 does not match is a ``ValueError`` naming it."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    answers = data.get("answers")
    if not isinstance(answers, list):
        raise ValueError("'answers' is not a list")
    out = []
    for i, item in enumerate(answers):
        if not isinstance(item, dict) or not isinstance(item.get("body"), str):
            raise ValueError(f"answer {i} has no text body")
        body = item["body"].encode("utf-8")
        if hashlib.sha256(body).hexdigest() != item.get("sha256"):
            raise ValueError(f"answer {i}: body does not match its sha256")
        try:
            period_id = int(item.get("p_period_id", ""))
        except ValueError:
            raise ValueError(f"answer {i}: p_period_id {item.get('p_period_id')!r} is not a number") from None
        out.append(TreeAnswer(period_id, str(item.get("p_parent_id", "")), body))
    return out
