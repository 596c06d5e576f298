"""Editing a YAML file in place: only the spans that change are rewritten, every other byte kept.

A file keeps its UTF-8 byte order mark and its line endings (LF or CRLF). Positions come from
PyYAML's node marks as line and column, which its pure-Python and C loaders agree on (the C
loader's character index does not count a byte order mark).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode

from bot.errors import RiskbotError
from bot.register.yamlfile import LoadedYaml, load_yaml

BOM = "\ufeff"


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` with ``replacement``."""

    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class EditableText:
    """A file's text without its byte order mark, and how to write it back the way it was."""

    body: str
    bom: bool
    newline: str

    @classmethod
    def of(cls, text: str) -> EditableText:
        """Split off the byte order mark and note the line ending the file uses."""
        bom = text.startswith(BOM)
        body = text[1:] if bom else text
        return cls(body, bom, "\r\n" if "\r\n" in body else "\n")

    @classmethod
    def decode(cls, raw: bytes) -> EditableText:
        """From the file's bytes (UTF-8; raises UnicodeDecodeError otherwise)."""
        return cls.of(raw.decode("utf-8"))

    def with_body(self, body: str) -> str:
        """A new body, with the byte order mark put back."""
        return (BOM if self.bom else "") + body

    def lines(self, *lines: str) -> str:
        """Lines joined and ended with the file's own line ending."""
        return "".join(line + self.newline for line in lines)

    def offset(self, mark: Mark) -> int:
        """The index in ``body`` of a node mark (by its line and column)."""
        start = 0
        for _ in range(mark.line):
            found = self.body.find("\n", start)
            if found < 0:
                return len(self.body)
            start = found + 1
        return start + mark.column

    def line_end(self, index: int) -> int:
        """Index just past the line ending of the line holding ``index``."""
        end = self.body.find("\n", index)
        return len(self.body) if end < 0 else end + 1

    def span(self, node: Node) -> tuple[int, int]:
        """Where a node's text is in ``body``."""
        return self.offset(node.start_mark), self.offset(node.end_mark)


def apply(body: str, edits: Iterable[Edit]) -> str:
    """Apply edits that do not overlap, from the back so that earlier offsets stay right."""
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        body = body[: edit.start] + edit.replacement + body[edit.end :]
    return body


def key_of(mapping: MappingNode, name: str) -> tuple[ScalarNode, Node] | None:
    """The key and value nodes of ``name`` in a mapping node."""
    for k, v in mapping.value:
        if isinstance(k, ScalarNode) and k.value == name:
            return k, v
    return None


def scalar_like(node: ScalarNode, value: str) -> str:
    """``value`` written in the style the person used for ``node`` (plain, '…' or "…")."""
    if node.style == "'":
        return "'" + value.replace("'", "''") + "'"
    if node.style == '"' or node.style in ("|", ">"):
        return quoted(value)
    return value


def quoted(value: str) -> str:
    """A double-quoted YAML scalar (JSON string syntax is valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def mapping_file(
    text: str, error: type[RiskbotError]
) -> tuple[EditableText, LoadedYaml, MappingNode]:
    """A risk file's text ready to edit: the text, what it loads to and its top-level mapping
    (``error`` when it does not load to one)."""
    file = EditableText.of(text)
    loaded = load_yaml("risk", file.body.encode("utf-8"))
    if not loaded.ok or not isinstance(loaded.node, MappingNode):
        raise error(loaded.findings[0].as_text() if loaded.findings else "not a mapping")
    return file, loaded, loaded.node


def with_section(
    file: EditableText, root: MappingNode, lines: list[str], error: type[RiskbotError]
) -> str:
    """The body with a new top-level block (``lines``, its key first) added at its end; a file
    that is one flow mapping is left to a person (``error``)."""
    if root.flow_style:
        key = lines[0].rstrip(":")
        raise error(f"the file is one flow mapping {{…}}; add `{key}:` to it by hand")
    body = file.body
    if body and not body.endswith("\n"):
        body += file.newline
    return body + file.lines(*lines)
