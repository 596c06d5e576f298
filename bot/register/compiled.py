"""The schemas compiled to Python by fastjsonschema: validators without jsonschema's cost.

The code is generated here and run as a function; where it is kept between runs is the caller's
business (:class:`CodeCache`; :mod:`bot.repo.schemas` keeps it in the user's cache, trusted no
further than Python trusts ``__pycache__``).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from typing import Any, Protocol

GENERATOR = b"riskbot-validator 1"
"""How :func:`generate_source` makes the code: change it when that changes (a cache keys on it)."""

# The one line of generated code that would import all of fastjsonschema at run time; the names
# it imports are provided instead (see :class:`Invalid`).
_IMPORT_LINE = "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException\n"

Check = Callable[..., Any]


class Invalid(ValueError):
    """A compiled validator's rejection: what fastjsonschema raises, without importing it."""

    def __init__(
        self,
        message: str = "",
        value: Any = None,
        name: str | None = None,
        definition: Any = None,
        rule: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.value = value
        self.name = name
        self.rule = rule


class InvalidAll(ValueError):
    """The same, for the validators that collect every error (not used with fast-fail)."""

    def __init__(self, errors: Any = (), *args: Any) -> None:
        super().__init__("invalid")
        self.errors = errors


def generate_source(schema: Mapping[str, Any]) -> tuple[str, str]:
    """fastjsonschema's code for a schema, as run here, and the name of its entry function."""
    import fastjsonschema
    from fastjsonschema.ref_resolver import RefResolver

    name = RefResolver.from_schema(dict(schema), store={}).get_scope_name()
    source = fastjsonschema.compile_to_code(dict(schema), formats={"date": _never_called})
    # Without the import line the code needs only `re` and `decimal`; if fastjsonschema ever
    # writes it differently, the line stays and the code imports it (slower, still right).
    return source.replace(_IMPORT_LINE, "", 1), name


def _never_called(value: Any) -> bool:  # pragma: no cover - formats are passed at call time
    raise AssertionError("custom formats are passed to the compiled function when it is called")


def _function(name: str, code: types.CodeType, formats: Mapping[str, Check]) -> Check:
    namespace: dict[str, Any] = {
        "__name__": f"bot.register.compiled.{name}",
        "JsonSchemaValueException": Invalid,
        "JsonSchemaValuesException": InvalidAll,
    }
    exec(code, namespace)  # noqa: S102 - code compiled here from the shipped schema
    entry = namespace[name]
    custom = dict(formats)

    def check(data: Any) -> Any:
        return entry(data, custom)

    check.__name__ = name
    return check


class CodeCache(Protocol):
    """Where compiled validators are kept between runs, by the schema they were compiled from."""

    def load(self, schema: bytes) -> tuple[str, types.CodeType] | None:
        """The code compiled from ``schema`` and its entry function's name, if kept."""

    def store(self, schema: bytes, name: str, code: types.CodeType) -> None:
        """Keep the code compiled from ``schema``."""


def compile_schema(
    schema_bytes: bytes,
    formats: Mapping[str, Check],
    *,
    cache: CodeCache | None,
    parse: Callable[[bytes], Mapping[str, Any]],
) -> Check:
    """The validator of one schema, from ``cache`` when it holds the schema's code.

    Otherwise the schema is parsed (``parse``), compiled and, with a cache, kept for the next
    run. The function raises :class:`Invalid` (a ValueError).
    """
    found = cache.load(schema_bytes) if cache is not None else None
    if found is None:
        source, name = generate_source(parse(schema_bytes))
        code = compile(source, f"<validator {name}>", "exec")
        if cache is not None:
            cache.store(schema_bytes, name, code)
        found = (name, code)
    return _function(*found, formats)
