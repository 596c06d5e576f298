"""JSON documents as riskbot prints them: one top-level key, and one item of a list, per line."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
_ENCODE_ASCII = json.JSONEncoder(ensure_ascii=True, separators=(", ", ": ")).encode

# What json leaves raw with ensure_ascii=False and the Actions runner or a terminal would act on:
# the `[` of `##[` (a workflow command anywhere in a line), DEL and the C1 controls (the 8-bit
# CSI of terminal escapes), the Unicode line separators. Outside strings JSON has none of these,
# so each is written as a \u escape of the same character: the document parses to the same values.
_UNSAFE = re.compile(r"(?<=##)\[|[\x7f-\x9f\u2028\u2029]")


def dumps(document: Mapping[str, object], *, ascii: bool = False) -> str:
    """The document, readable line by line and written by json's C encoder.

    ``indent`` would make json use its pure-Python encoder, several times slower on a big
    register; this layout keeps each risk or finding on its own line instead. A list may also
    be given as an iterator of its items, each then encoded as it comes (a big document need
    not hold all its items as objects at once). ``ascii``: other characters as ``\\u`` escapes,
    for a big document: Python keeps a text with one emoji in it at four bytes a character.
    """
    encode = _ENCODE_ASCII if ascii else _ENCODE
    out = ["{\n"]  # fragments joined once: the text is built one time, not copied per level
    for n, (key, value) in enumerate(document.items()):
        out.append(",\n  " if n else "  ")
        out.append(f"{encode(key)}: ")
        if isinstance(value, list | Iterator):
            count = 0
            for item in value:
                out.append("[\n    " if count == 0 else ",\n    ")
                out.append(encode(item))
                count += 1
            out.append("\n  ]" if count else "[]")
        else:
            out.append(encode(value))
    out.append("\n}\n")
    return safe("".join(out))


def safe(text: str) -> str:
    """JSON text with ``##[``, DEL, the C1 controls and the line separators written as ``\\u``
    escapes: the same values, and no line the Actions runner or a terminal acts on."""
    if text.isascii() and "##[" not in text and "\x7f" not in text:
        return text  # the common case, decided by scans in C instead of a regular expression
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
