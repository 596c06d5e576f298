"""JSON documents as riskbot prints them: one top-level key, and one item of a list, per line."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode

# What json leaves raw with ensure_ascii=False and the Actions runner or a terminal would act on:
# the `[` of `##[` (a workflow command anywhere in a line), DEL and the C1 controls (the 8-bit
# CSI of terminal escapes), the Unicode line separators. Outside strings JSON has none of these,
# so each is written as a \u escape of the same character: the document parses to the same values.
_UNSAFE = re.compile(r"(?<=##)\[|[\x7f-\x9f\u2028\u2029]")


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
    return safe("{\n" + ",\n".join(parts) + "\n}\n")


def safe(text: str) -> str:
    """JSON text with ``##[``, DEL, the C1 controls and the line separators written as ``\\u``
    escapes: the same values, and no line the Actions runner or a terminal acts on."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
