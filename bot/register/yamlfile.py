"""Safe, bounded YAML loading that turns every problem into a finding with a line number.

PyYAML's C loader is used where present. Dates stay strings (the schema checks their format),
duplicate keys are findings rather than silently overwritten, and alias expansion is bounded so
that a "billion laughs" file is refused in microseconds instead of exhausting memory later.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.register.findings import Finding, error

MAX_FILE_BYTES = 1024 * 1024
MAX_EXPANDED_NODES = 10_000

if TYPE_CHECKING:
    from yaml import SafeLoader as _BaseLoader
else:  # the C loader where PyYAML was built with libyaml
    _BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int, first_line: int) -> None:
        super().__init__(key)
        self.key = key
        self.line = line
        self.first_line = first_line


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
                    raise _DuplicateKey(str(key_node.value), line, seen[key])
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
            )
        )
        return result
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or str(exc)
        if exc.context:
            problem = f"{exc.context}; {problem}"
        if isinstance(exc, ConstructorError):
            problem = f"unsupported YAML: {problem}"
        result.findings.append(error(file, line, f"YAML syntax error: {problem}", code="yaml"))
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


def _path_steps(path: str) -> Iterator[str | int]:
    """Split a JSON path like ``$.a.b[2].c`` into its steps."""
    token = ""
    i = 1 if path.startswith("$") else 0
    while i < len(path):
        ch = path[i]
        if ch == ".":
            if token:
                yield token
            token = ""
        elif ch == "[":
            if token:
                yield token
            token = ""
            end = path.index("]", i)
            inner = path[i + 1 : end]
            yield int(inner) if inner.isdigit() else inner.strip("'\"")
            i = end
        else:
            token += ch
        i += 1
    if token:
        yield token


def line_for(node: Node | None, path: str, *, key: str | None = None) -> int:
    """The 1-based line of the value at a JSON path (or of ``key`` inside it), best effort."""
    if node is None:
        return 1
    line = node.start_mark.line + 1
    current: Node = node
    for step in _path_steps(path):
        found: Node | None = None
        if isinstance(current, MappingNode) and isinstance(step, str):
            for k, v in current.value:
                if isinstance(k, ScalarNode) and k.value == step:
                    line = k.start_mark.line + 1
                    found = v
                    break
        elif (
            isinstance(current, SequenceNode)
            and isinstance(step, int)
            and (0 <= step < len(current.value))
        ):
            found = current.value[step]
            line = found.start_mark.line + 1
        if found is None:
            return line
        current = found
    if key is not None and isinstance(current, MappingNode):
        for k, _ in current.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return k.start_mark.line + 1
    if isinstance(current, ScalarNode):
        return current.start_mark.line + 1
    return line


def top_level_lines(node: Node | None) -> dict[str, int]:
    """Map each top-level key of a mapping document to its 1-based line."""
    if not isinstance(node, MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value if isinstance(k, ScalarNode)}
