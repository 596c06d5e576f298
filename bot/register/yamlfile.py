"""Safe, bounded YAML loading that turns every problem into a finding with a line number.

PyYAML's C loader is used where present. Dates stay strings (the schema checks their format),
duplicate keys are findings rather than silently overwritten, and alias expansion is bounded so
that a "billion laughs" file is refused in microseconds instead of exhausting memory later.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml
import yaml.reader
from yaml.constructor import ConstructorError
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.register.findings import Finding, JsonPath, error

MAX_FILE_BYTES = 1024 * 1024
MAX_EXPANDED_NODES = 10_000
MAX_NODES = MAX_EXPANDED_NODES
"""Keys, values and items one file may hold, as for aliases: a risk file has a few hundred.
Parsing and validating cost microseconds a node, so this bounds the time any 1 MiB file takes."""

if TYPE_CHECKING:
    from yaml import SafeLoader as _BaseLoader
else:  # the C loader where PyYAML was built with libyaml
    _BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int, first_line: int, col: int) -> None:
        super().__init__(key)
        self.key = key
        self.line = line
        self.first_line = first_line
        self.col = col


_RESOLVED: dict[str, str] = {}
"""Plain scalar → its tag, as :meth:`RiskLoader.resolve` found it (bounded)."""
_RESOLVED_MAX_LENGTH = 40
_RESOLVED_MAX_ENTRIES = 20_000


class RiskLoader(_BaseLoader):
    """Safe loader: no timestamps (dates stay strings), duplicate keys refused."""

    # Copy so that removing the timestamp resolver does not touch PyYAML's global loaders.
    yaml_implicit_resolvers = {  # noqa: RUF012 - PyYAML declares it per class
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        """PyYAML's resolution of a node's tag, remembered for short plain scalars.

        The C parser asks once per node; the answer for a plain scalar depends on its text
        alone (this loader has no path resolvers), and keys and levels repeat in every file.
        """
        if kind is ScalarNode and implicit[0] and len(value) <= _RESOLVED_MAX_LENGTH:
            tag = _RESOLVED.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
                if len(_RESOLVED) < _RESOLVED_MAX_ENTRIES:
                    _RESOLVED[value] = tag
            return tag
        resolved: str = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return resolved

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            if isinstance(key_node, ScalarNode):
                key = (key_node.tag, key_node.value)
                line = key_node.start_mark.line + 1
                if key in seen:
                    col = key_node.start_mark.column + 1
                    raise _DuplicateKey(str(key_node.value), line, seen[key], col)
                seen[key] = line
        mapping: dict[Hashable, Any] = super().construct_mapping(node, deep=deep)
        return mapping


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_SCALARS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null")
)


class _NotPlain(Exception):
    """Not a plain tree (aliases, merge keys, other tags, duplicate keys): PyYAML builds it."""


def _plain(loader: RiskLoader, node: Node) -> Any:
    """The data of a tree of core-schema nodes, built in one pass; PyYAML converts the scalars.

    The same data as ``construct_document``, several times faster, because it skips the
    machinery a tree without aliases, merge keys or other tags does not need.
    """
    tag = node.tag
    if tag == _STR and isinstance(node, ScalarNode):
        return node.value
    if tag == _MAP and isinstance(node, MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag not in _SCALARS or not isinstance(key_node, ScalarNode):
                raise _NotPlain
            key = _plain(loader, key_node)
            if key in out:  # a duplicate key, or two spellings of one (e.g. yes and true)
                raise _NotPlain
            out[key] = _plain(loader, value_node)
        return out
    if tag == _SEQ and isinstance(node, SequenceNode):
        return [_plain(loader, item) for item in node.value]
    if tag in _SCALARS and isinstance(node, ScalarNode):
        return loader.yaml_constructors[tag](loader, node)
    raise _NotPlain


def _construct(loader: RiskLoader, node: Node, *, aliases: bool) -> Any:
    """The document's data: built directly when it is a plain tree, else by PyYAML in full."""
    if not aliases:  # an alias shares a node: PyYAML's constructor shares the object too
        try:
            return _plain(loader, node)
        except (_NotPlain, RecursionError):
            pass
    return loader.construct_document(node)


@dataclass
class LoadedYaml:
    """The outcome of loading one file: data and its node tree, or the findings that stopped it."""

    file: str
    data: Any = None
    node: Node | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def _expanded_size(node: Node, limit: int) -> int:
    """Count nodes as if every alias were expanded, stopping early once past the limit."""
    memo: dict[int, int] = {}
    active: set[int] = set()

    def size(current: Node) -> int:
        key = id(current)
        if key in memo:
            return memo[key]
        if key in active:  # a recursive structure expands forever
            return limit + 1
        active.add(key)
        total = 1
        if isinstance(current, MappingNode):
            for k, v in current.value:
                total += size(k) + size(v)
                if total > limit:
                    break
        elif isinstance(current, SequenceNode):
            for item in current.value:
                total += size(item)
                if total > limit:
                    break
        active.discard(key)
        memo[key] = total
        return total

    return size(node)


_NODE_EVENTS = (
    yaml.ScalarEvent,
    yaml.AliasEvent,
    yaml.MappingStartEvent,
    yaml.SequenceStartEvent,
)


def _past_node_limit(text: str, limit: int) -> int | None:
    """The line where the document passes ``limit`` nodes, or None; stops reading there.

    Small texts cannot hold that many nodes and are not counted; a syntax error is left to the
    full load, which reports it.
    """
    if len(text) <= limit:
        return None
    loader = RiskLoader(text)
    count = 0
    try:
        while loader.check_event():
            event = loader.get_event()  # type: ignore[no-untyped-call]
            if isinstance(event, _NODE_EVENTS):
                count += 1
                if count > limit:
                    mark = event.start_mark
                    return int(mark.line) + 1 if mark is not None else 1
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return None


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def load_yaml(file: str, raw: bytes, *, max_bytes: int = MAX_FILE_BYTES) -> LoadedYaml:
    """Load one YAML document from bytes; problems become findings, never exceptions."""
    result = LoadedYaml(file)
    if len(raw) > max_bytes:
        result.findings.append(
            error(
                file,
                1,
                f"file is {len(raw):,} bytes, over the {max_bytes:,}-byte limit",
                code="too-large",
            )
        )
        return result
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_of_offset(raw, exc.start)
        result.findings.append(
            error(
                file,
                line,
                f"not valid UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start}",
                code="encoding",
            )
        )
        return result
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        result.findings.append(error(file, 1, "file is empty", code="empty"))
        return result

    past = _past_node_limit(text, MAX_NODES)
    if past is not None:
        result.findings.append(
            error(
                file,
                past,
                f"more than {MAX_NODES:,} keys, values and items (the limit is passed on this "
                "line); a risk file needs a few hundred: not checked further",
                code="too-many-nodes",
            )
        )
        return result
    loader = RiskLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            result.findings.append(error(file, 1, "file is empty", code="empty"))
            return result
        aliases = "*" in text
        if aliases and _expanded_size(node, MAX_EXPANDED_NODES) > MAX_EXPANDED_NODES:
            result.findings.append(
                error(
                    file,
                    node.start_mark.line + 1,
                    f"aliases expand past {MAX_EXPANDED_NODES:,} nodes; refusing to expand",
                    code="alias-bomb",
                )
            )
            return result
        data = _construct(loader, node, aliases=aliases)
    except _DuplicateKey as dup:
        result.findings.append(
            error(
                file,
                dup.line,
                f"duplicate key '{dup.key}' (first defined on line {dup.first_line})",
                code="duplicate-key",
                col=dup.col,
            )
        )
        return result
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        col = mark.column + 1 if mark is not None else None
        problem = syntax_problem(exc, text)
        if isinstance(exc, ConstructorError):
            problem = f"unsupported YAML: {problem}"
        result.findings.append(
            error(file, line, f"YAML syntax error: {problem}", code="yaml", col=col)
        )
        return result
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        result.findings.append(
            error(
                file,
                line,
                f"YAML syntax error: {character_name(chr(exc.character))} is not allowed in YAML",
                code="yaml",
                col=col,
            )
        )
        return result
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        result.findings.append(error(file, 1, f"YAML error: {exc}", code="yaml"))
        return result
    finally:
        loader.dispose()

    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        result.findings.append(
            error(
                file,
                node.start_mark.line + 1,
                f"the document is {kind}, expected a mapping",
                code="not-mapping",
            )
        )
        return result
    result.data = data
    result.node = node
    return result


# What to do about a character YAML refuses, by character; the default is to quote the value.
_CHARACTER_HINTS = {
    "\t": "indent with spaces, not tabs",
    "@": "'@' is reserved in YAML: put the value in quotes",
    "`": "'`' is reserved in YAML: put the value in quotes",
    "%": "'%' starts a directive in YAML: put the value in quotes",
}
_CHARACTER_NAMES = {
    "\t": "a tab character",
    " ": "a space",
    "\u00a0": "a non-breaking space (U+00A0)",
    "\ufeff": "a byte order mark (U+FEFF)",
}
_CANNOT_START = re.compile(r"found character (?:'.*?' )?that cannot start any token")


def character_name(ch: str) -> str:
    """How a message names a character: ``a tab character``, ``'@'``, ``control character …``."""
    if ch in _CHARACTER_NAMES:
        return _CHARACTER_NAMES[ch]
    if unicodedata.category(ch).startswith("C"):
        return f"control character U+{ord(ch):04X}"
    return f"'{ch}'"


def _character_at(text: str, mark: Mark | None) -> str:
    if mark is None:
        return ""
    lines = text.lstrip("\ufeff").splitlines()
    if mark.line >= len(lines) or mark.column >= len(lines[mark.line]):
        return ""
    return lines[mark.line][mark.column]


def syntax_problem(exc: yaml.MarkedYAMLError, text: str) -> str:
    """PyYAML's complaint in plain words, naming the character it stopped at."""
    problem = exc.problem or str(exc)
    ch = _character_at(text, exc.problem_mark)
    if _CANNOT_START.search(problem) and ch:
        problem = f"{character_name(ch)} cannot start a value here"
    if ch in _CHARACTER_HINTS and ("cannot start" in problem or "tab" in problem):
        problem = f"{problem} ({_CHARACTER_HINTS[ch]})"
    else:
        context, at = exc.context, exc.context_mark
        # "while parsing a flow sequence" says where the unfinished thing began; "while
        # scanning for the next token" says nothing a person can use.
        if context and at is not None and "next token" not in context:
            problem = f"{problem} ({context} that starts at {at.line + 1}:{at.column + 1})"
    return problem


# Each mapping's keys indexed once, the first time a line inside it is asked for: finding the
# lines of every unknown key of a file is then linear in its size, not quadratic (one scan of
# all keys per key took 38 s for 30,000 keys). Weak keys: an index goes with its node tree.
_KEY_INDEX: weakref.WeakKeyDictionary[MappingNode, dict[str, tuple[ScalarNode, Node]]] = (
    weakref.WeakKeyDictionary()
)


def _keys_of(mapping: MappingNode) -> dict[str, tuple[ScalarNode, Node]]:
    """A mapping's scalar keys (the first of duplicates), each with its key and value nodes."""
    index = _KEY_INDEX.get(mapping)
    if index is None:
        index = {}
        for k, v in mapping.value:
            if isinstance(k, ScalarNode):
                index.setdefault(str(k.value), (k, v))
        _KEY_INDEX[mapping] = index
    return index


def written(node: Node | None, path: JsonPath) -> str | None:
    """The text of the scalar at a JSON path as the file writes it (``no`` for a value YAML
    reads as false), or None where there is no scalar."""
    current = node
    for step in path:
        if isinstance(current, MappingNode) and isinstance(step, str):
            hit = _keys_of(current).get(step)
            current = hit[1] if hit is not None else None
        elif isinstance(current, SequenceNode) and isinstance(step, int):
            current = current.value[step] if 0 <= step < len(current.value) else None
        else:
            return None
    return str(current.value) if isinstance(current, ScalarNode) else None


def _mark_for(node: Node, path: JsonPath, key: str | None) -> Mark:
    """Where a JSON path (or ``key`` inside it) points: the value's mark, or the mark of the
    deepest key found on the way. Each mapping's keys are looked up in an index built once, so
    finding every key of a file is linear in its size."""
    mark = node.start_mark
    current: Node = node
    for step in path:
        found: Node | None = None
        if isinstance(current, MappingNode) and isinstance(step, str):
            hit = _keys_of(current).get(step)
            if hit is not None:
                mark, found = hit[0].start_mark, hit[1]
        elif (
            isinstance(current, SequenceNode)
            and isinstance(step, int)
            and (0 <= step < len(current.value))
        ):
            found = current.value[step]
            mark = found.start_mark
        if found is None:
            return mark
        current = found
    if key is not None and isinstance(current, MappingNode):
        hit = _keys_of(current).get(key)
        if hit is not None:
            return hit[0].start_mark
    if isinstance(current, ScalarNode):
        # The value itself: where a person would put the cursor to fix it.
        return current.start_mark
    return mark


def line_for(node: Node | None, path: JsonPath, *, key: str | None = None) -> int:
    """The 1-based line of the value at a JSON path (or of ``key`` inside it), best effort."""
    return 1 if node is None else int(_mark_for(node, path, key).line) + 1


def top_level_lines(node: Node | None) -> dict[str, int]:
    """Map each top-level key of a mapping document to its 1-based line."""
    if not isinstance(node, MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value if isinstance(k, ScalarNode)}


def child_lines(node: Node | None, keys: frozenset[str], child: str) -> dict[str, int]:
    """The 1-based line of ``child`` inside each top-level mapping under ``keys``, by
    ``key.child`` (``impact.level``): one pass over the top level, no path lookups."""
    out: dict[str, int] = {}
    if not isinstance(node, MappingNode):
        return out
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value in keys and isinstance(v, MappingNode):
            for kk, vv in v.value:
                if isinstance(kk, ScalarNode) and kk.value == child:
                    out[f"{k.value}.{child}"] = vv.start_mark.line + 1
    return out


def column_for(node: Node | None, path: JsonPath, *, key: str | None = None) -> int | None:
    """The 1-based column where :func:`line_for` points (the value, or ``key`` inside it)."""
    return None if node is None else int(_mark_for(node, path, key).column) + 1


def top_level_columns(node: Node | None) -> dict[str, int]:
    """Map each top-level key of a mapping document to the 1-based column of its value."""
    if not isinstance(node, MappingNode):
        return {}
    return {
        str(k.value): v.start_mark.column + 1 for k, v in node.value if isinstance(k, ScalarNode)
    }
