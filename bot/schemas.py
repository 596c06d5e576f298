"""The JSON Schemas for risk and policy files, and validation that explains itself with lines.

Valid files take the fast path (one ``is_valid`` call); only a file with problems is walked
error by error, each error located on its line through the YAML node tree.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from yaml.nodes import Node

from bot.findings import Finding, error
from bot.yamlfile import line_for

RISK_SCHEMA = "risk.schema.json"
POLICY_SCHEMA = "policy.schema.json"


def schema_dir() -> Path:
    """Where the schemas are: inside the installed package, else the source tree's ``schema/``."""
    packaged = Path(str(resources.files("bot"))) / "schema"
    if (packaged / RISK_SCHEMA).is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "schema"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """Read one of the shipped schemas."""
    with (schema_dir() / name).open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema


@cache
def validator(name: str) -> Draft202012Validator:
    """A compiled validator for one of the shipped schemas, with format checking."""
    schema = load_schema(name)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def json_path(parts: Iterable[str | int]) -> str:
    """Render a path deque from jsonschema as ``$.a.b[2]``."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _subschema_at(schema: Mapping[str, Any], parts: Iterable[str | int]) -> Mapping[str, Any]:
    current = schema
    for part in parts:
        if isinstance(part, int):
            current = current.get("items", {})
        else:
            current = current.get("properties", {}).get(part, {})
        if "$ref" in current:
            ref = current["$ref"]
            if ref.startswith("#/$defs/"):
                current = schema.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {})
    return current


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


def explain(file: str, data: Any, node: Node | None, schema_name: str) -> list[Finding]:
    """One finding per schema violation, each with its line, JSON path and a helpful message."""
    schema = load_schema(schema_name)
    findings: list[Finding] = []
    for err in validator(schema_name).iter_errors(data):
        path = json_path(err.absolute_path)
        if err.validator == "additionalProperties":
            known = sorted(_subschema_at(schema, err.absolute_path).get("properties", {}))
            for key in _unknown_keys(err):
                hint = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                message = f"unknown key '{key}'"
                message += (
                    f" (did you mean '{hint[0]}'?)" if hint else f" (allowed: {', '.join(known)})"
                )
                findings.append(
                    error(
                        file,
                        line_for(node, path, key=key),
                        message,
                        path=f"{path}.{key}",
                        code="schema",
                    )
                )
            continue
        findings.append(
            error(file, line_for(node, path), f"{path}: {_describe(err)}", path=path, code="schema")
        )
    return findings


def validate(file: str, data: Any, node: Node | None, schema_name: str) -> list[Finding]:
    """Validate fast; explain slowly only when something is wrong."""
    if validator(schema_name).is_valid(data):
        return []
    return explain(file, data, node, schema_name)
