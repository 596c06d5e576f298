"""JSON documents as riskbot prints them: one top-level key, and one item of a list, per line."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def dumps(document: Mapping[str, object]) -> str:
    """The document, readable line by line and written by json's C encoder.

    ``indent`` would make json use its pure-Python encoder, several times slower on a big
    register; this layout keeps each risk or finding on its own line instead. A list may also
    be given as an iterator of its items, each then encoded as it comes (a big document need
    not hold all its items as objects at once).
    """
    parts = []
    for key, value in document.items():
        if isinstance(value, list | Iterator):
            items = [f"    {_ENCODE(item)}" for item in value]
            body = "[\n" + ",\n".join(items) + "\n  ]" if items else "[]"
            parts.append(f"  {_ENCODE(key)}: {body}")
        else:
            parts.append(f"  {_ENCODE(key)}: {_ENCODE(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"
