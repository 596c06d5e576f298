"""The JSON Schemas for risk and policy files, and validation that explains itself with lines.

Valid files take the fast path: the schema compiled to Python by fastjsonschema, about forty
times faster than jsonschema on these files, and compiled once (see :mod:`bot.register.compiled`).
Only a file it rejects is walked by jsonschema, error by error, each error located on its line
through the YAML node tree, so every finding is jsonschema's own; jsonschema is imported only
then, since importing it costs more than checking a small register.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from yaml.nodes import Node

from bot.register import compiled
from bot.register.findings import Finding, JsonPath, error, path_text
from bot.register.suggest import closest
from bot.register.yamlfile import column_for, line_for, written

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

RISK_SCHEMA = "risk.schema.json"
POLICY_SCHEMA = "policy.schema.json"
MAX_KEY_HINTS = 20
"""Unknown keys of one mapping that get a "did you mean" hint (the rest list what is allowed)."""


class SchemaFiles(Protocol):
    """The shipped schemas, and where their compiled validators are kept: the register reads no
    files, so the layer that does hands them in (:func:`use`; :mod:`bot.repo.schemas`)."""

    @property
    def cache(self) -> compiled.CodeCache | None:
        """Where compiled validators are kept (None: nowhere, every run compiles)."""

    def read(self, name: str) -> bytes:
        """The bytes of one shipped schema."""


_files: list[SchemaFiles] = []


def use(files: SchemaFiles) -> None:
    """Validate with these schemas (and their cache) from now on."""
    _files[:] = [files]
    for cached in (schema_bytes, load_schema, validator, fast_validator):
        cached.cache_clear()


def _shipped() -> SchemaFiles:
    if not _files:
        raise RuntimeError("no schemas to validate with: import bot.repo, which reads them")
    return _files[0]


@cache
def schema_bytes(name: str) -> bytes:
    """One of the shipped schemas, as shipped."""
    return _shipped().read(name)


@cache
def load_schema(name: str) -> dict[str, Any]:
    """Read one of the shipped schemas."""
    schema: dict[str, Any] = json.loads(schema_bytes(name))
    return schema


@cache
def validator(name: str) -> Draft202012Validator:
    """A compiled validator for one of the shipped schemas, with format checking."""
    from jsonschema import Draft202012Validator

    schema = load_schema(name)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def best_match(errors: Iterable[ValidationError]) -> ValidationError:
    """jsonschema's pick of the most relevant error among several."""
    from jsonschema.exceptions import best_match as pick

    best: ValidationError = pick(errors)
    return best


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


@cache
def fast_validator(name: str) -> Callable[[Any], Any]:
    """The schema compiled to a Python function that raises ValueError on the first problem."""
    return compiled.compile_schema(
        schema_bytes(name), {"date": _is_date}, cache=_shipped().cache, parse=json.loads
    )


def json_path(parts: Iterable[str | int]) -> JsonPath:
    """A path deque from jsonschema as a path value (keys as text, indices as numbers)."""
    return tuple(p if isinstance(p, int) else str(p) for p in parts)


def _unknown_keys(err: ValidationError) -> Iterator[str]:
    schema = err.schema if isinstance(err.schema, Mapping) else {}
    if isinstance(err.instance, dict):
        allowed = set(schema.get("properties", {}))
        patterns = schema.get("patternProperties", {})
        for key in err.instance:
            if key not in allowed and not patterns:
                yield str(key)


def _resolve(schema: Any, root: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a ``$ref`` to one of the schema's own ``$defs``."""
    # fastjsonschema makes the references of the cached schema absolute (…schema.json#/$defs/x).
    while isinstance(schema, Mapping) and "#/$defs/" in str(schema.get("$ref", "")):
        schema = root.get("$defs", {}).get(str(schema["$ref"]).rsplit("/", 1)[-1], {})
    return schema if isinstance(schema, Mapping) else {}


def _missing_members(err: ValidationError, root: Mapping[str, Any]) -> list[str]:
    """For a list that must hold each of a fixed set once (bands red/yellow/green, levels 1-5):
    the members it lacks, read from the schema of its items."""
    if not isinstance(err.instance, list) or not isinstance(err.schema, Mapping):
        return []
    items = _resolve(err.schema.get("items"), root)
    for key, prop in items.get("properties", {}).items():
        prop = _resolve(prop, root)
        if "enum" in prop:
            members: list[object] = list(prop["enum"])
        elif prop.get("type") == "integer" and {"minimum", "maximum"} <= set(prop):
            members = list(range(int(prop["minimum"]), int(prop["maximum"]) + 1))
        else:
            continue
        if len(members) != err.schema.get("minItems"):
            continue
        have = {x.get(key) for x in err.instance if isinstance(x, dict)}
        return [f"{key} {m}" if isinstance(m, int) else str(m) for m in members if m not in have]
    return []


_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _is_date_schema(err: ValidationError) -> bool:
    return isinstance(err.schema, Mapping) and err.schema.get("format") == "date"


def _describe(err: ValidationError, root: Mapping[str, Any] | None = None) -> str:
    if err.validator in ("anyOf", "oneOf") and err.context:
        inner = best_match(err.context)
        return str(inner.message)
    if _is_date_schema(err):
        # The pattern, the format and the type each fail on a bad date: one message says it.
        if isinstance(err.instance, str) and _DATE_SHAPE.fullmatch(err.instance):
            return f"{err.instance!r} is not a calendar date"
        return f"{err.instance!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-11-20"
    if err.validator == "enum" and isinstance(err.validator_value, list):
        allowed = [str(v) for v in err.validator_value]
        message = f"{err.instance!r} is not one of {', '.join(allowed)}"
        hint = closest(str(err.instance), allowed) if isinstance(err.instance, str) else None
        return message + (f" (did you mean '{hint}'?)" if hint else "")
    if (
        err.validator in ("minItems", "maxItems")
        and isinstance(err.instance, list)
        and err.instance
    ):
        count = len(err.instance)
        if err.validator == "minItems":
            missing = _missing_members(err, root or {})
            if missing:
                verb = "is" if len(missing) == 1 else "are"
                return f"{', '.join(missing)} {verb} missing"
            return f"has {count} item{'s' * (count != 1)}; at least {err.validator_value} needed"
        return f"has {count} items; at most {err.validator_value} allowed"
    if err.validator == "type":
        return f"{err.message.split(' is not of type ')[0]} is not of type {err.validator_value!r}"
    if err.validator == "pattern" and isinstance(err.schema, Mapping) and err.schema.get("title"):
        # The schema says in words what the regular expression says in symbols.
        noun, words = _noun(err.schema["title"]), err.schema.get("description", "")
        return f"{err.instance!r} is not a {noun}: {words}"
    return err.message


def _noun(title: str) -> str:
    """A schema title inside a sentence: ``Risk id`` → ``risk id``, ``GitHub login`` kept."""
    first = title.split(" ", 1)[0]
    return title[:1].lower() + title[1:] if first[1:].islower() else title


def _leaf_errors(err: ValidationError) -> Iterator[tuple[ValidationError, str | None]]:
    """An error, or for a failed anyOf/oneOf, the errors of the branch whose type fits."""
    if err.validator not in ("anyOf", "oneOf") or not err.context:
        yield err, None
        return
    branches: dict[object, list[ValidationError]] = {}
    for sub in err.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)

    def wrong_type(errors: list[ValidationError]) -> list[ValidationError]:
        return [e for e in errors if e.validator == "type" and not e.relative_path]

    fitting = [errors for errors in branches.values() if not wrong_type(errors)]
    if len(fitting) == 1:
        for sub in fitting[0]:
            yield from _leaf_errors(sub)
        return
    if not fitting:
        types = [e.validator_value for errors in branches.values() for e in wrong_type(errors)]
        yield err, f"{err.instance!r} is not of type {types!r}"
        return
    yield best_match(err.context), None


def _is_number_text(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return value.strip() == value and value != ""


def _type_hint(
    err: ValidationError, node: Node | None, path: JsonPath, root: Mapping[str, Any] | None
) -> str | None:
    """A wrong type said the way it is fixed in YAML: the quotes to remove, the word to quote,
    the mapping to write; None where jsonschema's own words will do."""
    if err.validator != "type" or _is_date_schema(err):
        return None
    wanted = err.validator_value
    value = err.instance
    key = next((str(step) for step in reversed(path) if isinstance(step, str)), "value")

    def fixed(text: str) -> str:  # the line as it should read: a list item, or a key
        return f"- {text}" if path and isinstance(path[-1], int) else f"{key}: {text}"

    if wanted in ("integer", "number") and isinstance(value, str) and _is_number_text(value):
        return (
            f"{value!r} is a number in quotes, which YAML reads as text: remove the quotes "
            f"({fixed(value)})"
        )
    if wanted == "string" and isinstance(value, bool):
        raw = written(node, path) or str(value).lower()
        return (
            f"`{raw}` reads as {str(value).lower()} in YAML, not as text: quote it "
            f"({fixed(repr(raw))})"
        )
    if wanted == "string" and isinstance(value, int | float):
        raw = written(node, path) or str(value)
        return f"{raw} reads as a number in YAML, not as text: quote it ({fixed(repr(raw))})"
    if wanted == "boolean" and isinstance(value, str):
        return f"{value!r} is text: write true or false, without quotes ({fixed('true')})"
    if wanted == "object" and not isinstance(value, dict | list):
        schema = _resolve(err.schema, root or {})
        if "level" in schema.get("properties", {}):
            return f"{key} is a mapping with a level: write `{key}: {{level: {value}}}`"
        return f"{value!r} is one value, where {key} needs keys and values (a mapping)"
    if wanted == "array" and isinstance(value, str | int | float) and not isinstance(value, bool):
        return f"{key} is a list: write each item on its own line after `{key}:`, as `- {value}`"
    return None


def _prefix(path: JsonPath) -> str:
    # The document itself needs no path: "missing required key 'title'".
    return f"{path_text(path)}: " if path else ""


def _finding(
    file: str,
    node: Node | None,
    err: ValidationError,
    text: str | None,
    root: Mapping[str, Any] | None = None,
) -> Iterator[Finding]:
    path = json_path(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.schema, Mapping):
        known = sorted(err.schema.get("properties", {}))
        for index, key in enumerate(_unknown_keys(err)):
            # A "did you mean" costs a millisecond a key: worth it for typos, not for a file
            # of thousands of unknown keys, which gets the plain message past the first few.
            hint = closest(key, known) if index < MAX_KEY_HINTS else None
            message = f"unknown key '{key}'"
            message += f" (did you mean '{hint}'?)" if hint else f" (allowed: {', '.join(known)})"
            yield error(
                file,
                line_for(node, path, key=key),
                message,
                path=(*path, key),
                code="unknown-key",
                col=column_for(node, path, key=key),
            )
        return
    if err.validator == "required" and isinstance(err.validator_value, list) and text is None:
        # One finding per missing key, each naming it, on the line of the mapping that lacks it.
        present = err.instance if isinstance(err.instance, dict) else {}
        for key in err.validator_value:
            if key not in present:
                yield error(
                    file,
                    line_for(node, path),
                    f"{_prefix(path)}missing required key '{key}'",
                    path=path,
                    code="missing-key",
                    col=column_for(node, path),
                )
        return
    message = text or _type_hint(err, node, path, root) or _describe(err, root)
    yield error(
        file,
        line_for(node, path),
        f"{_prefix(path)}{message}",
        path=path,
        code="schema",
        col=column_for(node, path),
    )


def explain(file: str, data: Any, node: Node | None, schema_name: str) -> list[Finding]:
    """One finding per mistake, each with its line, column, JSON path and a helpful message."""
    root = load_schema(schema_name)
    found = [
        finding
        for err in validator(schema_name).iter_errors(data)
        for leaf, text in _leaf_errors(err)
        for finding in _finding(file, node, leaf, text, root)
    ]
    # Several keywords can fail on one value (a bad date: pattern and format): say it once.
    return list(dict.fromkeys(found))


def validate(file: str, data: Any, node: Node | None, schema_name: str) -> list[Finding]:
    """Validate fast; explain slowly (with jsonschema) only when something is wrong."""
    try:
        fast_validator(schema_name)(data)
    except ValueError as refused:  # compiled.Invalid, or fastjsonschema's own (a ValueError)
        # Where the two validators read a keyword differently, the file is still refused: a
        # file either one rejects never passes unexplained.
        return explain(file, data, node, schema_name) or [
            error(file, 1, f"the file does not satisfy {schema_name}: {refused}", code="schema")
        ]
    return []
