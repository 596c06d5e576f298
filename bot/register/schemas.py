"""The JSON Schemas for risk and policy files, and validation that explains itself with lines.

Valid files take the fast path: the schema compiled to Python by fastjsonschema, about forty
times faster than jsonschema on these files, and compiled once (see :mod:`bot.register.compiled`).
Only a file it rejects is walked by jsonschema, error by error, each error located on its line
through the YAML node tree, so every finding is jsonschema's own; jsonschema is imported only
then, since importing it costs more than checking a small register.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yaml.nodes import Node

from bot.register import compiled
from bot.register.findings import Finding, error
from bot.register.yamlfile import line_for

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

RISK_SCHEMA = "risk.schema.json"
POLICY_SCHEMA = "policy.schema.json"


def schema_dir() -> Path:
    """Where the schemas are: inside the installed package, else the source tree's ``schema/``."""
    packaged = Path(__file__).resolve().parents[1] / "schema"
    if (packaged / RISK_SCHEMA).is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "schema"


@cache
def schema_bytes(name: str) -> bytes:
    """One of the shipped schemas, as shipped."""
    return (schema_dir() / name).read_bytes()


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
        schema_bytes(name),
        {"date": _is_date},
        folder=compiled.cache_dir(os.environ),
        parse=json.loads,
    )


def json_path(parts: Iterable[str | int]) -> str:
    """Render a path deque from jsonschema as ``$.a.b[2]``."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _unknown_keys(err: ValidationError) -> Iterator[str]:
    schema = err.schema if isinstance(err.schema, Mapping) else {}
    if isinstance(err.instance, dict):
        allowed = set(schema.get("properties", {}))
        patterns = schema.get("patternProperties", {})
        for key in err.instance:
            if key not in allowed and not patterns:
                yield str(key)


def _describe(err: ValidationError) -> str:
    if err.validator in ("anyOf", "oneOf") and err.context:
        inner = best_match(err.context)
        return str(inner.message)
    if err.validator == "required" and isinstance(err.validator_value, list):
        missing = [
            k
            for k in err.validator_value
            if isinstance(err.instance, dict) and k not in err.instance
        ]
        if missing:
            return f"missing required key '{missing[0]}'"
    if err.validator == "type":
        return f"{err.message.split(' is not of type ')[0]} is not of type {err.validator_value!r}"
    return err.message


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


def _finding(
    file: str, node: Node | None, err: ValidationError, text: str | None
) -> Iterator[Finding]:
    path = json_path(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.schema, Mapping):
        known = sorted(err.schema.get("properties", {}))
        for key in _unknown_keys(err):
            hint = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            message = f"unknown key '{key}'"
            message += (
                f" (did you mean '{hint[0]}'?)" if hint else f" (allowed: {', '.join(known)})"
            )
            yield error(
                file, line_for(node, path, key=key), message, path=f"{path}.{key}", code="schema"
            )
        return
    message = text or _describe(err)
    yield error(file, line_for(node, path), f"{path}: {message}", path=path, code="schema")


def explain(file: str, data: Any, node: Node | None, schema_name: str) -> list[Finding]:
    """One finding per schema violation, each with its line, JSON path and a helpful message."""
    return [
        finding
        for err in validator(schema_name).iter_errors(data)
        for leaf, text in _leaf_errors(err)
        for finding in _finding(file, node, leaf, text)
    ]


def validate(file: str, data: Any, node: Node | None, schema_name: str) -> list[Finding]:
    """Validate fast; explain slowly (with jsonschema) only when something is wrong."""
    try:
        fast_validator(schema_name)(data)
    except ValueError:  # compiled.Invalid, or fastjsonschema's own (also a ValueError)
        return explain(file, data, node, schema_name)
    return []
