"""`riskbot policy pull`: the base policy vendored beside the repository's own, and its pin.

The base is written byte for byte as its repository holds it at the pinned commit, so its hash
is the hash of that file, which anyone can check against the base repository
(``git show REF:PATH | sha256sum``). The policy's ``extends`` gets the commit and the hash,
edited in place: every other byte of the file is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from yaml.nodes import MappingNode

from bot.documents.output import write_files
from bot.documents.yamledit import Edit, EditableText, apply, key_of, quoted
from bot.errors import RiskbotError, UsageError
from bot.register.defaults import BASE_POLICY_PATH
from bot.register.findings import Finding
from bot.register.inherit import Extends, read_extends, sha256_of
from bot.register.load import POLICY_PATH, SourceFile, load_policy
from bot.register.yamlfile import load_yaml
from bot.repo.files import linked_part

NO_EXTENDS = (
    f"the policy extends no base: add `extends: {{repo: OWNER/NAME, path: FILE}}` to "
    f"{POLICY_PATH} (e.g. repo: acme/.github, path: riskbot/base.yml), then run "
    "`riskbot policy pull`"
)


class PullError(RiskbotError):
    """The base cannot be vendored (the message says why); nothing was written."""


def _policy_text(root: Path) -> str:
    path = root / POLICY_PATH
    if (link := linked_part(root, path)) is not None:
        raise PullError(f"{link} is a symbolic link; riskbot reads and writes no links")
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PullError(f"cannot read {path}: {exc}") from None


def read_pin(root: Path) -> Extends:
    """The base the register's policy extends, as its ``extends`` names and pins it."""
    body = EditableText.of(_policy_text(root)).body
    loaded = load_yaml(POLICY_PATH, body.encode("utf-8"))
    if not loaded.ok:
        raise UsageError("; ".join(f.as_text() for f in loaded.findings))
    pin, found = read_extends(loaded)
    if found:
        raise UsageError("; ".join(f.as_text() for f in found))
    if pin is None:
        raise UsageError(NO_EXTENDS)
    return pin


def set_pin(text: str, ref: str, sha256: str) -> str:
    """The policy's text with ``extends.ref`` and ``extends.sha256`` set (added when missing),
    in the style of the ``extends`` mapping (block or flow), every other byte kept."""
    file = EditableText.of(text)
    loaded = load_yaml(POLICY_PATH, file.body.encode("utf-8"))
    found = key_of(loaded.node, "extends") if isinstance(loaded.node, MappingNode) else None
    if found is None or not isinstance(found[1], MappingNode) or not found[1].value:
        raise UsageError(NO_EXTENDS)
    pin = found[1]
    edits: list[Edit] = []
    missing: list[str] = []
    for name, value in (("ref", ref), ("sha256", sha256)):
        # Quoted: a commit of digits alone would read as a number.
        hit = key_of(pin, name)
        if hit is None:
            missing.append(f"{name}: {quoted(value)}")
        else:
            start, end = file.span(hit[1])
            edits.append(Edit(start, end, quoted(value)))
    if missing:
        after = file.offset(pin.value[-1][1].end_mark)
        if pin.flow_style:
            edits.append(Edit(after, after, "".join(f", {m}" for m in missing)))
        else:
            indent = " " * pin.value[0][0].start_mark.column
            at = file.line_end(after)
            lead = file.newline if at == len(file.body) and not file.body.endswith("\n") else ""
            edits.append(Edit(at, at, lead + file.lines(*(indent + m for m in missing))))
    return file.with_body(apply(file.body, edits))


@dataclass
class Pulled:
    """What `riskbot policy pull` did: the pin before and after, the files it wrote, and the
    findings of the policy resolved with the new copy."""

    before: Extends
    after: Extends
    written: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def summary(self) -> list[str]:
        """Lines for the person who ran it."""
        ref = (self.after.ref or "")[:12]
        where = f"{self.after.repo} {self.after.path} at {ref}"
        if not self.written:
            return [f"{BASE_POLICY_PATH} is {where} already (sha256 as pinned); nothing changed"]
        lines = [
            f"vendored {where} as {BASE_POLICY_PATH} (sha256 {self.after.sha256})",
        ]
        if self.before.ref != self.after.ref:
            was = self.before.ref[:12] if self.before.ref else "no pin"
            lines.append(f"pin in {POLICY_PATH}: ref {was} → {ref}")
        if not self.ok:
            lines.append(
                "the policy resolved with this base has errors (above): `riskbot check` shows "
                "them; fix them in this pull request"
            )
        return lines


def vendor_base(root: Path, pin: Extends, commit: str, raw: bytes) -> Pulled:
    """Write the base's bytes at ``commit`` beside the policy and pin the policy to them."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PullError(
            f"{pin.source} at {commit[:12]} is not UTF-8 text, so not a policy; nothing written"
        ) from None
    after = replace(pin, ref=commit, sha256=sha256_of(raw))
    text = _policy_text(root)
    pinned = set_pin(text, commit, after.sha256 or "")
    copy = root / BASE_POLICY_PATH
    held = copy.read_bytes() if copy.is_file() and not copy.is_symlink() else None
    changes: list[tuple[Path, str | bytes]] = [(copy, raw)] if held != raw else []
    changes += [(root / POLICY_PATH, pinned)] if pinned != text else []
    written = write_files(root, changes)
    vendored = SourceFile(BASE_POLICY_PATH, raw)
    _, findings = load_policy(SourceFile(POLICY_PATH, pinned.encode("utf-8"), base=vendored))
    return Pulled(pin, after, written, findings)
