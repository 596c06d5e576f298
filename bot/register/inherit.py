"""A policy that extends a base policy kept in another repository (an organisation's ``.github``).

The repository's policy names its base and pins it to a commit and a hash::

    extends:
      repo: acme/.github
      path: riskbot/base.yml
      ref: 0123…   # the base repository's commit, 40 hex digits
      sha256: 89ab…  # the SHA-256 of the file at that commit

``riskbot policy pull`` copies the base at that commit, byte for byte, to
:data:`BASE_POLICY_PATH`. Checking reads that copy and never the network: a copy whose hash is
not the pin's is an error on the pin's line. The two files resolve into one policy:

- mappings merge key by key; a list of named items (roles by ``id``; categories, phases,
  releases, bands and cadences by ``name``; scale levels by ``level``) merges by name: the
  repository's item replaces the base's item of that name whole, and an item of a new name comes
  after the base's; any other list, and every plain value, the repository's replaces the base's;
- the base says what a repository may override (``overridable``: dotted keys, ``*`` for any one
  key; :data:`DEFAULT_OVERRIDABLE` when it says nothing): a value the repository gives that
  differs from the base's under no such key is an error on the repository's line.

Every value of the resolved policy keeps its origin (which file, and its path there), so its
findings, its changes in a pull request and ``check``'s summary name the file it came from.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from bot.register.defaults import BASE_POLICY_PATH
from bot.register.findings import Finding, JsonPath, error
from bot.register.policy import Policy, policy_from_data
from bot.register.policydiff import ITEM_KEYS
from bot.register.schemas import POLICY_SCHEMA, load_schema, validate
from bot.register.suggest import did_you_mean
from bot.register.yamlfile import LoadedYaml, column_for, line_for, load_yaml

DEFAULT_OVERRIDABLE = (
    "program",
    "plan",
    "planning_date",
    "quarterly_review",
    "categories",
    "phases",
    "releases",
    "roles",
    "escalation.path",
    "escalation.*.notify",
    "bot",
)
"""What a repository may override when its base does not say: who it is, its releases, phases,
categories and people, whom escalations notify, and the bot's settings. Never the method, the
scales, the bands, the cadences or the escalation thresholds."""
NOT_OVERRIDES = ("version", "extends")
"""Keys of the repository's policy that override nothing of the base."""
BASE_ONLY = ("overridable",)
"""Keys only a base policy has."""
PIN_CODE = "base-pin"
OVERRIDE_CODE = "base-override"
BASE_CODE = "base-policy"
EXTENDS: JsonPath = ("extends",)


class VendoredFile(Protocol):
    """The vendored base as the register readers give it (a ``SourceFile``)."""

    @property
    def name(self) -> str: ...

    @property
    def raw(self) -> bytes: ...

    @property
    def refused(self) -> str | None: ...


@dataclass(frozen=True)
class Extends:
    """The base a policy extends: its repository, its path there, and the pin."""

    repo: str
    path: str
    ref: str | None = None
    """The commit of ``repo`` the vendored copy was taken from."""
    sha256: str | None = None
    """The SHA-256 of the file at that commit, in hex."""

    @property
    def source(self) -> str:
        """``acme/.github:riskbot/base.yml``."""
        return f"{self.repo}:{self.path}"

    def as_json(self) -> dict[str, object]:
        return {"repo": self.repo, "path": self.path, "ref": self.ref, "sha256": self.sha256}


def extends_of(data: Mapping[str, Any]) -> Extends:
    """The ``extends`` of a policy mapping whose pin is schema-valid."""
    pin = data["extends"]
    return Extends(str(pin["repo"]), str(pin["path"]), pin.get("ref"), pin.get("sha256"))


def sha256_of(raw: bytes) -> str:
    """The hash a pin holds: SHA-256 of the file's bytes, in hex."""
    import hashlib  # only a policy that extends a base pays for OpenSSL's start-up

    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class Inheritance:
    """How a policy was resolved from its base: the pin, what the repository set, and where
    each value of the resolved policy came from."""

    extends: Extends
    policy_file: str
    base_file: str
    overridable: tuple[str, ...]
    overrides: tuple[str, ...]
    """The keys whose values the repository's policy gives (``roles.team-lead``), dotted."""
    keys: Mapping[str, str]
    """Each top-level key of the resolved policy: ``base``, ``repository`` or ``both``."""
    origins: Mapping[JsonPath, tuple[str, JsonPath]] = field(repr=False, compare=False)
    """Resolved path → (file, path in that file), for the root of every value taken whole."""

    def origin(self, path: JsonPath) -> tuple[str, JsonPath]:
        """The file a JSON path of the resolved policy came from, and its path in that file."""
        cut = len(path)
        while path[:cut] not in self.origins:  # the document itself, (), is always there
            cut -= 1
        file, source = self.origins[path[:cut]]
        return file, source + path[cut:]

    def file_of(self, path: JsonPath) -> str | None:
        """The base's file for a value the policy inherits; None for the policy's own."""
        file = self.origin(path)[0]
        return None if file == self.policy_file else file

    def as_json(self) -> dict[str, object]:
        return {
            "policy": self.policy_file,
            "base": {**self.extends.as_json(), "file": self.base_file},
            "overridable": list(self.overridable),
            "keys": dict(self.keys),
            "overrides": list(self.overrides),
        }

    def describe(self, most: int = 12) -> str:
        """One line for ``check``: the base, its pin, and what this repository sets."""
        ref = (self.extends.ref or "")[:12]
        head = (
            f"Policy: extends {self.extends.repo} {self.extends.path} at {ref} "
            f"({self.base_file}, sha256 as pinned)"
        )
        if not self.overrides:
            return f"{head}; every value is the base's"
        shown = ", ".join(self.overrides[:most])
        more = len(self.overrides) - most
        shown += f" and {more} more" if more > 0 else ""
        return f"{head}; {self.policy_file} sets {shown}; the rest is the base's"


def _item_field(base: Any, over: Any) -> str | None:
    """The key that names the items of two lists of mappings, when every item has one."""
    if not (isinstance(base, list) and isinstance(over, list) and base and over):
        return None
    items = [*base, *over]
    if not all(isinstance(item, Mapping) for item in items):
        return None
    for key in ITEM_KEYS:
        if all(isinstance(item.get(key), str | int) for item in items):
            return key
    return None


class _Merge:
    """The resolved policy, built value by value, noting where each came from."""

    def __init__(self, base_file: str, policy_file: str) -> None:
        self.base_file = base_file
        self.policy_file = policy_file
        self.origins: dict[JsonPath, tuple[str, JsonPath]] = {}

    def take(self, value: Any, at: JsonPath, file: str, source: JsonPath) -> Any:
        self.origins[at] = (file, source)
        return value

    def merge(
        self, base: Any, over: Any, at: JsonPath, from_base: JsonPath, from_over: JsonPath
    ) -> Any:
        """``over`` (the repository's) laid over ``base`` at path ``at`` of the result."""
        if isinstance(base, Mapping) and isinstance(over, Mapping):
            self.origins[at] = (self.policy_file, from_over)
            out: dict[str, Any] = {}
            for key, value in base.items():
                here = (*at, key)
                if key in over:
                    out[key] = self.merge(
                        value, over[key], here, (*from_base, key), (*from_over, key)
                    )
                else:
                    out[key] = self.take(value, here, self.base_file, (*from_base, key))
            for key, value in over.items():
                if key not in base:
                    out[key] = self.take(value, (*at, key), self.policy_file, (*from_over, key))
            return out
        named = _item_field(base, over)
        if named is None:
            return self.take(over, at, self.policy_file, from_over)
        self.origins[at] = (self.policy_file, from_over)
        position = {item[named]: j for j, item in enumerate(over)}
        merged: list[Any] = []
        used: set[int] = set()
        for i, item in enumerate(base):
            j = position.get(item[named])
            if j is None:
                merged.append(self.take(item, (*at, len(merged)), self.base_file, (*from_base, i)))
            else:
                used.add(j)
                merged.append(
                    self.take(over[j], (*at, len(merged)), self.policy_file, (*from_over, j))
                )
        for j, item in enumerate(over):
            if j not in used:
                merged.append(
                    self.take(item, (*at, len(merged)), self.policy_file, (*from_over, j))
                )
        return merged


def _differences(
    base: Any, over: Any, keys: tuple[str, ...], at: JsonPath
) -> Iterator[tuple[tuple[str, ...], JsonPath]]:
    """Each value of the repository's policy that the base lacks or holds otherwise: its dotted
    key (list items by name, as a policy diff names them) and its path in the repository's file."""
    if isinstance(base, Mapping) and isinstance(over, Mapping):
        for key, value in over.items():
            here = (*keys, str(key)), (*at, key)
            if key in base:
                yield from _differences(base[key], value, *here)
            else:
                yield here
        return
    named = _item_field(base, over)
    if named is None:
        if base != over:
            yield keys, at
        return
    by_name = {item[named]: item for item in base}
    for j, item in enumerate(over):
        here = (*keys, str(item[named])), (*at, j)
        if item[named] in by_name:
            yield from _differences(by_name[item[named]], item, *here)
        else:
            yield here


def _fits(pattern: Sequence[str], keys: Sequence[str]) -> bool:
    """Whether each key matches the pattern's key at its place (``*`` matches any)."""
    return all(p in ("*", k) for p, k in zip(pattern, keys, strict=False))


class _Overridable:
    """The keys a base lets repositories override, as patterns of dotted keys."""

    def __init__(self, keys: Sequence[str]) -> None:
        self.patterns = [tuple(key.split(".")) for key in keys]

    def allows(self, keys: tuple[str, ...]) -> bool:
        return any(len(p) <= len(keys) and _fits(p, keys) for p in self.patterns)

    def fixed_at(self, keys: tuple[str, ...]) -> int:
        """How many leading keys name the first value no pattern reaches into."""
        for cut in range(1, len(keys) + 1):
            if not any(len(p) > cut and _fits(p, keys[:cut]) for p in self.patterns):
                return cut
        return len(keys)


def _known_keys() -> list[str]:
    properties = load_schema(POLICY_SCHEMA)["properties"]
    return [k for k in properties if k not in (*NOT_OVERRIDES, *BASE_ONLY)]


def _overridable_findings(file: str, data: Mapping[str, Any], node: Any) -> list[Finding]:
    """Each ``overridable`` key that names no key of a policy."""
    known = _known_keys()
    found = []
    for i, key in enumerate(data.get("overridable", ())):
        first = str(key).split(".", 1)[0]
        if first not in known:
            path: JsonPath = ("overridable", i)
            found.append(
                error(
                    file,
                    line_for(node, path),
                    f"overridable: '{key}' names no key of a policy{did_you_mean(first, known)} "
                    f"(keys: {', '.join(known)})",
                    path=path,
                    code=BASE_CODE,
                    col=column_for(node, path),
                )
            )
    return found


def _pin_findings(policy: LoadedYaml, pin: Extends, base: VendoredFile | None) -> list[Finding]:
    """The vendored copy is there, read, and hashes to the pin."""
    file, node = policy.file, policy.node
    line = line_for(node, EXTENDS)
    pull = f"run `riskbot policy pull` to vendor {pin.source}"
    if pin.ref is None or pin.sha256 is None:
        missing = " and ".join(k for k in ("ref", "sha256") if getattr(pin, k) is None)
        message = f"the base policy {pin.source} is not pinned (no {missing}): {pull} at a commit"
        return [error(file, line, message, path=EXTENDS, code=PIN_CODE)]
    if base is None:
        message = f"the base policy is not vendored: {BASE_POLICY_PATH} is missing; {pull}"
        return [error(file, line, message, path=EXTENDS, code=PIN_CODE)]
    if base.refused is not None:
        return [error(base.name, 1, base.refused, code="symlink")]
    digest = sha256_of(base.raw)
    if digest != pin.sha256:
        path = ("extends", "sha256")
        return [
            error(
                file,
                line_for(node, path),
                f"{base.name} does not match its pin: its sha256 is {digest}, the pin says "
                f"{pin.sha256}; {pull} at {pin.ref[:12]} again, or move the pin with "
                "`riskbot policy pull --ref REF`",
                path=path,
                code=PIN_CODE,
                col=column_for(node, path),
            )
        ]
    return []


def read_extends(policy: LoadedYaml) -> tuple[Extends | None, list[Finding]]:
    """The base a loaded policy file extends (None: it extends none, or its pin is malformed,
    which the findings say on their lines)."""
    data, node = policy.data, policy.node
    if not is_extending(data):
        return None, []
    probe = {k: data[k] for k in NOT_OVERRIDES if k in data}
    found = validate(policy.file, probe, node, POLICY_SCHEMA)
    return (None if found else extends_of(data)), found


def load_inherited(
    policy: LoadedYaml, base: VendoredFile | None
) -> tuple[Policy | None, list[Finding]]:
    """Resolve a policy that extends a base (its ``extends`` present) with the vendored copy.

    Every problem is a finding on the line of the file it is in; the policy is None when any is
    an error (a pin that does not hold, a forbidden override, a resolved policy that fails).
    """
    file, data, node = policy.file, policy.data, policy.node
    pin, found = read_extends(policy)
    if pin is None:
        return None, found
    found = _pin_findings(policy, pin, base)
    if found or base is None:
        return None, found
    loaded = load_yaml(base.name, base.raw)
    if not loaded.ok:
        return None, loaded.findings
    base_data, base_node = loaded.data, loaded.node  # a mapping: load_yaml sees to it
    if "extends" in base_data:
        message = (
            "a base policy cannot extend another (riskbot resolves one base): put what it "
            "would inherit into this file"
        )
        return None, [error(base.name, line_for(base_node, EXTENDS), message, code=BASE_CODE)]
    # Only the base's own keys here: the rest is checked once resolved, wherever it came from.
    probe = {k: base_data[k] for k in ("version",) if k in base_data}
    probe["overridable"] = base_data.get("overridable", [])
    found = validate(base.name, probe, base_node, POLICY_SCHEMA)
    found += _overridable_findings(base.name, base_data, base_node)
    if found:
        return None, found

    build = _Merge(base.name, file)
    resolved = build.merge(base_data, data, (), (), ())
    nodes = {file: node, base.name: base_node}
    inherited = _inheritance(pin, file, base.name, base_data, data, build.origins)

    def at(path: JsonPath) -> tuple[str, JsonPath]:
        where, inner = inherited.origin(path)
        # The document itself (a key neither file has) is the repository's pin.
        return (where, EXTENDS) if (where, inner) == (file, ()) else (where, inner)

    def relocated(findings: list[Finding], missing: str = "") -> list[Finding]:
        out = []
        for f in findings:
            where, inner = at(f.path)
            message = f.message + (missing if f.path == () else "")
            line, col = line_for(nodes[where], inner), column_for(nodes[where], inner)
            out.append(replace(f, file=where, line=line, col=col, message=message))
        return out

    strict = {k: v for k, v in resolved.items() if k not in ("extends", *BASE_ONLY)}
    missing = " (neither the base policy nor this file gives it)"
    found = relocated(validate(file, strict, None, POLICY_SCHEMA), missing)
    if found:
        return None, found
    found = _override_findings(file, node, data, base_data, inherited)
    if found:
        return None, found

    def origin_line(path: JsonPath) -> int:
        where, inner = at(path)
        return line_for(nodes[where], inner)

    def own_line(path: JsonPath) -> int:
        """The line of the repository's policy where the value is, or would be, set."""
        for cut in range(len(path), -1, -1):
            where, inner = inherited.origin(path[:cut])
            if where == file and inner != ():
                return line_for(node, inner)
        return line_for(node, EXTENDS)

    resolved_policy, found = policy_from_data(resolved, file, own_line)
    found = relocated(found)
    if resolved_policy is None:
        return None, found
    return replace(resolved_policy, where=origin_line, inherited=inherited), found


def _inheritance(
    pin: Extends,
    file: str,
    base_file: str,
    base: Mapping[str, Any],
    over: Mapping[str, Any],
    origins: Mapping[JsonPath, tuple[str, JsonPath]],
) -> Inheritance:
    overridable = tuple(str(k) for k in base.get("overridable", DEFAULT_OVERRIDABLE))
    rules = _Overridable(overridable)
    overrides = tuple(
        ".".join(keys) for keys, _ in _own_differences(base, over) if rules.allows(keys)
    )
    touched = {key.split(".", 1)[0] for key in overrides}
    keys: dict[str, str] = {}
    for key in (*base, *over):
        if key in (*NOT_OVERRIDES, *BASE_ONLY) or key in keys:
            continue
        if key not in base:
            keys[key] = "repository"
        else:
            keys[key] = "both" if key in over and key in touched else "base"
    return Inheritance(pin, file, base_file, overridable, overrides, keys, origins)


def _own_differences(
    base: Mapping[str, Any], over: Mapping[str, Any]
) -> Iterator[tuple[tuple[str, ...], JsonPath]]:
    """The repository's values that differ from the base's, top-level key by key."""
    for key, value in over.items():
        if key in NOT_OVERRIDES:
            continue
        if key in base:
            yield from _differences(base[key], value, (str(key),), (key,))
        else:
            yield (str(key),), (key,)


def _override_findings(
    file: str,
    node: Any,
    over: Mapping[str, Any],
    base: Mapping[str, Any],
    inherited: Inheritance,
) -> list[Finding]:
    """One error per value the repository sets where the base does not let it."""
    rules = _Overridable(inherited.overridable)
    allowed = ", ".join(inherited.overridable) or "nothing"
    seen: set[JsonPath] = set()
    found: list[Finding] = []
    for keys, steps in _own_differences(base, over):
        if rules.allows(keys):
            continue
        cut = rules.fixed_at(keys)
        if steps[:cut] in seen:
            continue
        seen.add(steps[:cut])
        path = steps[:cut]
        found.append(
            error(
                file,
                line_for(node, path),
                f"`{'.'.join(keys[:cut])}` is fixed by the base policy "
                f"({inherited.extends.source}): this repository may not override it "
                f"(overridable: {allowed}); remove it here, or change it in the base",
                path=path,
                code=OVERRIDE_CODE,
                col=column_for(node, path),
            )
        )
    return found


def is_extending(data: Any) -> bool:
    """Whether a policy file extends a base (it has ``extends``)."""
    return isinstance(data, Mapping) and "extends" in data
