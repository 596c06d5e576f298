"""JSON documents as riskbot prints them: one top-level key, and one item of a list, per line."""

from __future__ import annotations

import json
from collections.abc import Mapping

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def dumps(document: Mapping[str, object]) -> str:
    """The document, readable line by line and written by json's C encoder.

    ``indent`` would make json use its pure-Python encoder, several times slower on a big
    register; this layout keeps each risk or finding on its own line instead.
    """
    parts = []
    for key, value in document.items():
        if isinstance(value, list) and value:
            items = ",\n".join(f"    {_ENCODE(item)}" for item in value)
            parts.append(f"  {_ENCODE(key)}: [\n{items}\n  ]")
        else:
            parts.append(f"  {_ENCODE(key)}: {_ENCODE(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"
