"""The schemas compiled to Python by fastjsonschema, once, and kept in the user's cache.

Generating and compiling the validators costs more than checking a small register, and importing
fastjsonschema costs about as much as the checking too. So the compiled code is cached under
``$XDG_CACHE_HOME/riskbot`` (default ``~/.cache/riskbot``), one file per schema, named by the
SHA-256 of everything the code depends on: the schema's bytes, fastjsonschema's version, how it
was generated here and the interpreter's bytecode format. A warm start reads one small file per
schema and imports nothing else.

A cache is trusted no further than Python trusts ``__pycache__``: the directory and the file must
belong to the user and be writable by nobody else, the file is opened without following links,
its header must name the expected key and carry the SHA-256 of its payload, and the payload must
be a code object. Anything else is ignored and the schema compiled afresh; entries are written
to a temporary file and renamed into place, so a reader never sees half an entry.
"""

from __future__ import annotations

import importlib.util
import marshal
import os
import re
import stat
import types
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hashlib import sha256
else:  # the built-in SHA-256: hashlib would first load OpenSSL, which costs more than a check
    try:
        from _sha2 import sha256  # Python 3.12 and later
    except ImportError:
        try:
            from _sha256 import sha256  # Python 3.11
        except ImportError:  # pragma: no cover - an interpreter built without it
            from hashlib import sha256

FORMAT = b"riskbot-validator 1"
"""The entry format, and how the code is generated below; change it when either changes."""
MAX_ENTRY_BYTES = 8 * 1024 * 1024
CACHE_ENV = "RISKBOT_CACHE"
"""Set to ``0`` to neither read nor write the cache (every run then compiles)."""

# The one line of generated code that would import all of fastjsonschema at run time; the names
# it imports are provided instead (see :class:`Invalid`).
_IMPORT_LINE = "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException\n"
_NAME_RE = re.compile(r"validate_[A-Za-z0-9_]*")

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


def cache_dir(env: Mapping[str, str]) -> Path | None:
    """Where entries live (XDG base directories), or None when the cache is switched off."""
    if env.get(CACHE_ENV) == "0":
        return None
    base = env.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the spec: a relative value is to be ignored
        home = env.get("HOME") or os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "riskbot"


def _generator_version() -> bytes:
    """fastjsonschema's version, read without importing it (that is what the cache saves)."""
    spec = importlib.util.find_spec("fastjsonschema")
    if spec is None or not spec.submodule_search_locations:
        return b"missing"
    try:
        return Path(spec.submodule_search_locations[0], "version.py").read_bytes()
    except OSError:
        return b"unknown"


def cache_key(schema_bytes: bytes) -> str:
    """The name of a schema's entry: a hash of everything its compiled code depends on."""
    digest = sha256()
    for part in (FORMAT, importlib.util.MAGIC_NUMBER, _generator_version(), schema_bytes):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


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


def _entry(key: str, name: str, code: types.CodeType) -> bytes:
    payload = marshal.dumps(code)
    digest = sha256(payload).hexdigest()
    return b"\n".join([FORMAT, key.encode(), name.encode(), digest.encode(), payload])


def _read_entry(data: bytes, key: str) -> tuple[str, types.CodeType] | None:
    parts = data.split(b"\n", 4)
    if len(parts) != 5:
        return None
    fmt, found_key, raw_name, digest, payload = parts
    name = raw_name.decode("ascii", "replace")
    if fmt != FORMAT or found_key != key.encode() or not _NAME_RE.fullmatch(name):
        return None
    if sha256(payload).hexdigest().encode() != digest:
        return None
    try:
        code = marshal.loads(payload)  # noqa: S302 - this user's own entry, its hash checked
    except (EOFError, ValueError, TypeError):
        return None
    return (name, code) if isinstance(code, types.CodeType) else None


def _trusted(st: os.stat_result, *, directory: bool) -> bool:
    """Owned by this user and writable by nobody else (where the platform has owners)."""
    if directory != stat.S_ISDIR(st.st_mode) or (not directory and not stat.S_ISREG(st.st_mode)):
        return False
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None:
        return True
    return st.st_uid == geteuid() and not st.st_mode & 0o022


def _load(folder: Path, key: str) -> tuple[str, types.CodeType] | None:
    try:
        if not _trusted(os.lstat(folder), directory=True):
            return None
        fd = os.open(folder / key, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not _trusted(st, directory=False) or st.st_size > MAX_ENTRY_BYTES:
            return None
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            data = fh.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    finally:
        if fd >= 0:
            os.close(fd)
    return _read_entry(data, key)


def _store(folder: Path, key: str, entry: bytes) -> None:
    """Write an entry atomically; a cache that cannot be written (or trusted) is left alone."""
    import tempfile

    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _trusted(os.lstat(folder), directory=True):
            return
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(entry)
            os.replace(tmp, folder / key)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        return


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


def compile_schema(
    schema_bytes: bytes,
    formats: Mapping[str, Check],
    *,
    folder: Path | None,
    parse: Callable[[bytes], Mapping[str, Any]],
) -> Check:
    """The validator of one schema, from the cache in ``folder`` when it holds a good entry.

    Without a usable entry the schema is parsed (``parse``), compiled and, when ``folder`` is
    given, stored for the next run. The function raises :class:`Invalid` (a ValueError).
    """
    key = cache_key(schema_bytes)
    found = _load(folder, key) if folder is not None else None
    if found is None:
        source, name = generate_source(parse(schema_bytes))
        code = compile(source, f"<validator {name}>", "exec")
        if folder is not None:
            _store(folder, key, _entry(key, name, code))
        found = (name, code)
    return _function(*found, formats)
