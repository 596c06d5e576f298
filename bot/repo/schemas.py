"""The shipped schemas read from the installation, and their compiled validators cached on disk.

The pure register validates with what this module hands it (:func:`install`, done when
:mod:`bot.repo` is imported): the schemas' bytes, and a cache of the code fastjsonschema
generates for them (:mod:`bot.register.compiled`).

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
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.register import schemas as register_schemas
from bot.register.compiled import GENERATOR
from bot.register.schemas import RISK_SCHEMA

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
"""The entry format; change it when it changes (how the code is generated is in the key too)."""
MAX_ENTRY_BYTES = 8 * 1024 * 1024
CACHE_ENV = "RISKBOT_CACHE"
"""Set to ``0`` to neither read nor write the cache (every run then compiles)."""

_NAME_RE = re.compile(r"validate_[A-Za-z0-9_]*")


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


def cache_key(schema: bytes) -> str:
    """The name of a schema's entry: a hash of everything its compiled code depends on."""
    digest = sha256()
    for part in (FORMAT, GENERATOR, importlib.util.MAGIC_NUMBER, _generator_version(), schema):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


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
        # Not through a link, and without waiting on a pipe put where an entry should be.
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(folder / key, flags)
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


class FolderCache:
    """The compiled code of each schema, one trusted file per schema in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self, schema: bytes) -> tuple[str, types.CodeType] | None:
        """The cached code of a schema and the name of its entry function, if trusted."""
        return _load(self.folder, cache_key(schema))

    def store(self, schema: bytes, name: str, code: types.CodeType) -> None:
        """Keep a schema's code for the next run (nothing happens where that is not safe)."""
        key = cache_key(schema)
        _store(self.folder, key, _entry(key, name, code))


class ShippedSchemas:
    """The schemas of this installation, with the cache of their validators (when there is one)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    @property
    def cache(self) -> FolderCache | None:
        """The cache the environment names now (None: switched off)."""
        folder = cache_dir(self.env)
        return FolderCache(folder) if folder is not None else None

    def read(self, name: str) -> bytes:
        """The bytes of one shipped schema."""
        return schema_bytes(name)


def install(env: Mapping[str, str] | None = None) -> None:
    """Give the register the shipped schemas and the cache named by ``env`` (default: this
    process's environment)."""
    register_schemas.use(ShippedSchemas(os.environ if env is None else env))
