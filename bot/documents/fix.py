"""`riskbot check --fix`: rewrite declared scores and bands that disagree with the levels.

Like ruff's ``--fix``, it touches only what it names: the value of each wrong ``score:`` or
``band:`` line, in the style it was written, every other byte of the file as it was (a byte
order mark and CRLF line endings included). What it cannot fix is left for ``check`` to report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import MappingNode, ScalarNode

from bot.documents.output import write_files
from bot.documents.yamledit import Edit, EditableText, apply, key_of, scalar_like
from bot.errors import RiskbotError
from bot.register.codes import DERIVED
from bot.register.load import Register, build_register
from bot.register.scoring import Assessment
from bot.register.yamlfile import load_yaml
from bot.repo.worktree import discover

"""The fields riskbot computes; a declared one must agree with the levels."""


class FixError(RiskbotError):
    """A file that needs fixing could not be written (the files fixed before it stay fixed)."""


@dataclass(frozen=True)
class Fixed:
    """One value rewritten: ``risks/R-004-….yaml:17: score 9 → 16``."""

    file: str
    line: int
    key: str
    old: str
    new: str

    def as_text(self) -> str:
        return f"{self.file}:{self.line}: {self.key} {self.old} → {self.new}"


def _fix_text(text: str, assessment: Assessment, name: str) -> tuple[str, list[Fixed]]:
    file = EditableText.of(text)
    loaded = load_yaml(name, file.body.encode("utf-8"))
    if not loaded.ok or not isinstance(loaded.node, MappingNode):
        return text, []
    right = {"score": str(assessment.score), "band": assessment.band.name}
    edits: list[Edit] = []
    fixed: list[Fixed] = []
    for key in DERIVED:
        found = key_of(loaded.node, key)
        if found is None or not isinstance(found[1], ScalarNode):
            continue
        value = found[1]
        if value.value == right[key]:
            continue
        start, end = file.span(value)
        edits.append(Edit(start, end, scalar_like(value, right[key])))
        fixed.append(Fixed(name, value.start_mark.line + 1, key, value.value, right[key]))
    return file.with_body(apply(file.body, edits)), fixed


def fix_register(root: Path) -> list[Fixed]:
    """Rewrite every wrong declared score and band under ``root``; what was changed, in order."""
    policy_source, sources = discover(root)
    checked = {s.name: s.raw for s in sources}  # fixed from the bytes checked, read once
    loaded = build_register(policy_source, sources)
    if not isinstance(loaded, Register):
        return []  # no policy, no bands: nothing can be computed
    wrong = {f.file for f in loaded.findings if f.code in DERIVED}
    changes: list[Fixed] = []
    for assessment in sorted(loaded.assessments, key=lambda a: a.risk.file):
        name = assessment.risk.file
        path = root / name
        if name not in wrong or path.is_symlink():
            continue  # a link is never written through; check still reports it
        try:
            text = checked[name].decode("utf-8")
            new_text, fixed = _fix_text(text, assessment, name)
            if fixed and new_text != text:
                write_files(root, [(path, new_text)], refused=FixError)
                changes += fixed
        except OSError as exc:
            raise FixError(f"cannot fix {name}: {exc.strerror}") from None
    return changes


def summary(fixed: list[Fixed]) -> str:
    """``Fixed 3 values in 2 files.``"""
    files = len({f.file for f in fixed})
    values = len(fixed)
    return (
        f"Fixed {values} value{'s' * (values != 1)} in {files} file{'s' * (files != 1)}."
        if fixed
        else "Nothing to fix."
    )
