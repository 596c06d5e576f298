"""What a change of the policy file changes, key by key: bands, scales, cadences, roles, rules.

The policy is compared as data, so no part of it can change unseen: every leaf of the file is a
key such as ``bands.red.min_score`` or ``roles.team-lead.logins`` (list items that carry a
``name``, ``id`` or ``level`` are keyed by it, so reordering a list changes nothing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.register.findings import JsonPath

ITEM_KEYS = ("id", "name", "level")
"""The keys that name an item of a policy list (roles by id, bands by name, levels by level)."""

SPONSOR_SECTIONS = ("impact_scale", "probability_scale", "detection_scale", "method")
"""Sections whose every change needs the program sponsor: what the numbers mean, and how they
become a score and a band (but see :data:`INFORMATIONAL`)."""
METHOD_SECTIONS = ("method", "detection_scale")
"""Sections only a change of the scoring method touches."""
INFORMATIONAL = ("method.name", "method.factor_labels")
"""Keys of the method that change no score and no band: a name, display words."""
BAND_KEYS = (".min_score", ".name", ".opens_issue")
"""Keys of a band that decide which risks fall in it, and which get an issue."""
ACCEPTANCE_INFORMATIONAL = ("acceptance.mark",)
"""Keys of the acceptance terms that change nobody's duties: how an accepted risk shows."""

Leaf = str | tuple[str, ...]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    return str(value)


def value_at(data: Any, path: JsonPath) -> Any:
    """The value at a JSON path of a document (None where there is none)."""
    for step in path:
        if isinstance(data, Mapping):
            data = data.get(step)
        elif isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
            data = data[step]
        else:
            return None
    return data


def as_number(raw: Any, text: object) -> object:
    """A number as a JSON number (the YAML said ``15``); anything else as its text."""
    return raw if isinstance(raw, int | float) and not isinstance(raw, bool) else text


def _item_key(item: Mapping[str, Any], keys: Sequence[str]) -> str | None:
    for key in keys:
        if key in item and isinstance(item[key], str | int) and not isinstance(item[key], bool):
            return str(item[key])
    return None


def flatten(
    data: Any, key: str = "", path: JsonPath = (), *, item_keys: Sequence[str] = ITEM_KEYS
) -> dict[str, tuple[Leaf, JsonPath]]:
    """Every leaf of a file: key → (value as text, or a tuple for a list of plain values; its
    JSON path, for its line). List items are keyed by the first of ``item_keys`` they carry."""
    out: dict[str, tuple[Leaf, JsonPath]] = {}
    if isinstance(data, Mapping):
        for name, value in data.items():
            sub = f"{key}.{name}" if key else str(name)
            out.update(flatten(value, sub, (*path, str(name)), item_keys=item_keys))
        return out
    if isinstance(data, list):
        if all(isinstance(x, Mapping) for x in data) and data:
            names = [_item_key(item, item_keys) for item in data]
            for i, item in enumerate(data):
                name = names[i]
                unique = name is not None and names.count(name) == 1
                sub = f"{key}.{name}" if unique else f"{key}[{i}]"
                out.update(flatten(item, sub, (*path, i), item_keys=item_keys))
            return out
        out[key] = (tuple(_text(x) for x in data), path)
        return out
    out[key] = (_text(data), path)
    return out


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """One key of the policy that differs between two revisions."""

    key: str
    old: Leaf | None
    new: Leaf | None
    line: int = 1
    file: str = ""
    """The file the new value is in, when not the policy file (a base the policy extends)."""
    old_value: Any = None
    """The old value as the file holds it (a number stays one in the JSON report)."""
    new_value: Any = None

    @property
    def section(self) -> str:
        return self.key.split(".", 1)[0].split("[", 1)[0]

    @property
    def needs_sponsor(self) -> bool:
        """The method: scales, formula, band thresholds, which bands there are and which open
        issues. What a score means, so the sponsor's to approve."""
        if self.key.startswith(INFORMATIONAL):
            return False
        if self.section in SPONSOR_SECTIONS or self.changes_acceptance:
            return True
        return self.section == "bands" and self.key.endswith(BAND_KEYS)

    @property
    def changes_acceptance(self) -> bool:
        """The acceptance terms: who approves accepting a risk, for how long, how an accepted
        risk is reviewed (all but its mark)."""
        if self.key.startswith(ACCEPTANCE_INFORMATIONAL):
            return False
        return self.section == "acceptance" or (
            self.section == "bands" and ".acceptance." in self.key
        )

    @property
    def changes_method(self) -> bool:
        """A change beyond the plan's thresholds and scales: the formula, detection, the bands
        themselves."""
        return (
            self.needs_sponsor
            and not self.changes_acceptance
            and (
                self.section in METHOD_SECTIONS
                or (self.section == "bands" and not self.key.endswith(".min_score"))
            )
        )

    def describe(self) -> str:
        """``bands.red.min_score: 15 → 21``; lists say what was added and removed."""
        if isinstance(self.old, tuple) or isinstance(self.new, tuple):
            was = self.old if isinstance(self.old, tuple) else ()
            now = self.new if isinstance(self.new, tuple) else ()
            parts = [f"+{x}" for x in now if x not in was] + [f"−{x}" for x in was if x not in now]
            if not parts:
                parts = [f"[{', '.join(was)}] → [{', '.join(now)}]"]
            return f"{self.key}: {' '.join(parts)}"
        if self.old is None:
            return f"{self.key}: added ({self.new})"
        if self.new is None:
            return f"{self.key}: removed (was {self.old})"
        return f"{self.key}: {self.old} → {self.new}"

    def as_json(self) -> dict[str, object]:
        def plain(v: Leaf | None) -> object:
            return list(v) if isinstance(v, tuple) else v

        found: dict[str, object] = {
            "key": self.key,
            "old": as_number(self.old_value, plain(self.old)),
            "new": as_number(self.new_value, plain(self.new)),
            "line": self.line,
            "needs_sponsor": self.needs_sponsor,
            "text": self.describe(),
        }
        if self.file:  # a value of the extended base, not of the policy file
            found["file"] = self.file
        return found


def policy_changes(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    lines: Mapping[JsonPath, int] | None = None,
    files: Mapping[JsonPath, str] | None = None,
) -> list[PolicyChange]:
    """Every key whose value differs, in the new file's order (removed keys last).

    ``lines`` maps JSON paths of the new file to lines (see :attr:`Policy.lines`), ``files``
    those of values that are in another file (:attr:`Policy.files`: an extended base).
    """
    before, after = flatten(old), flatten(new)
    lines, files = lines or {}, files or {}
    out: list[PolicyChange] = []
    for key, (value, path) in after.items():
        was = before.get(key)
        if was is None or was[0] != value:
            out.append(
                PolicyChange(
                    key,
                    None if was is None else was[0],
                    value,
                    lines.get(path, 1),
                    files.get(path, ""),
                    old_value=None if was is None else value_at(old, was[1]),
                    new_value=value_at(new, path),
                )
            )
    for key, (value, path) in before.items():
        if key not in after:
            section: JsonPath = (key.split(".", 1)[0].split("[", 1)[0],)
            out.append(
                PolicyChange(
                    key,
                    value,
                    None,
                    lines.get(section, 1),
                    files.get(section, ""),
                    old_value=value_at(old, path),
                )
            )
    return out
