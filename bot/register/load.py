"""Load the whole register — policy and every risk file — into checked, scored data.

Every file is checked whatever happens to the others; each problem is one finding. The inputs
are plain (name, bytes) pairs so the same code reads a working tree or a git revision.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from bot.register.findings import Finding, FindingsHolder, error, sort_key, warning
from bot.register.policy import Policy, policy_from_data
from bot.register.risk import LOGIN_RE, Risk, risk_from_data
from bot.register.schemas import POLICY_SCHEMA, RISK_SCHEMA, validate
from bot.register.scoring import Assessment, assess, score_of
from bot.register.yamlfile import line_for, load_yaml, top_level_lines

POLICY_PATH = ".github/riskbot.yml"
RISKS_DIR = "risks"
RISK_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class SourceFile:
    """A file of the register: its path relative to the repository root, and its bytes."""

    name: str
    raw: bytes


@dataclass
class Register(FindingsHolder):
    """The checked register: the policy, the valid risks with their assessments, the findings."""

    policy: Policy
    assessments: list[Assessment] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files_checked: int = 0
    today: dt.date = field(default_factory=dt.date.today)

    @property
    def risks(self) -> list[Risk]:
        return [a.risk for a in self.assessments]

    def get(self, risk_id: str) -> Assessment | None:
        for a in self.assessments:
            if a.risk.id == risk_id:
                return a
        return None


@dataclass
class Unloaded(FindingsHolder):
    """A register whose policy did not load: nothing could be scored; the findings say why.

    Every risk file was still checked against the schema, so its findings are here too.
    """

    findings: list[Finding] = field(default_factory=list)
    files_checked: int = 0
    today: dt.date = field(default_factory=dt.date.today)

    @property
    def policy(self) -> None:
        """There is none: it did not load (a :class:`Register` always has one)."""
        return None

    @property
    def assessments(self) -> list[Assessment]:
        return []


Loaded = Register | Unloaded
"""What loading gives: a register, or the findings that stopped its policy."""


def load_policy(source: SourceFile | None) -> tuple[Policy | None, list[Finding]]:
    """Load and check the policy file."""
    if source is None:
        return None, [
            error(
                POLICY_PATH,
                1,
                "policy file not found; run `riskbot init` to create one",
                code="policy-missing",
            )
        ]
    loaded = load_yaml(source.name, source.raw)
    if not loaded.ok:
        return None, loaded.findings
    findings = validate(source.name, loaded.data, loaded.node, POLICY_SCHEMA)
    if findings:
        return None, findings
    node = loaded.node
    return policy_from_data(loaded.data, source.name, lambda p: line_for(node, p))


def _suggest(value: str, choices: Iterable[str]) -> str:
    hint = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{hint[0]}'?)" if hint else ""


def check_against_policy(risk: Risk, policy: Policy) -> list[Finding]:
    """What the schema cannot know: categories, phases, owners, declared score and band, cadence."""
    found: list[Finding] = []
    f = risk.file
    if risk.category not in policy.categories:
        found.append(
            error(
                f,
                risk.line("category"),
                f"unknown category '{risk.category}'{_suggest(risk.category, policy.categories)}"
                f"; the policy has: {', '.join(policy.categories)}",
                path="$.category",
                code="category",
            )
        )
    if risk.phase not in policy.phases:
        found.append(
            error(
                f,
                risk.line("phase"),
                f"unknown phase '{risk.phase}'{_suggest(risk.phase, policy.phases)}"
                f"; the policy has: {', '.join(policy.phases)}",
                path="$.phase",
                code="phase",
            )
        )
    for i, owner in enumerate(risk.owners):
        if LOGIN_RE.match(owner) or policy.role(owner) is not None:
            continue
        names = [r.name for r in policy.roles] + [r.short for r in policy.roles]
        path = "$.owner" if len(risk.owners) == 1 else f"$.owner[{i}]"
        found.append(
            error(
                f,
                risk.line("owner"),
                f"owner '{owner}' is neither a policy role nor an @login{_suggest(owner, names)}",
                path=path,
                code="owner",
            )
        )
    score = score_of(risk.impact, risk.probability)
    band = policy.band_for(score)
    if risk.declared_score is not None and risk.declared_score != score:
        found.append(
            error(
                f,
                risk.line("score"),
                f"declared score {risk.declared_score} is wrong: impact {risk.impact} × "
                f"probability {risk.probability} = {score}",
                path="$.score",
                code="score",
            )
        )
    if risk.declared_band is not None and risk.declared_band != band.name:
        found.append(
            error(
                f,
                risk.line("band"),
                f"declared band '{risk.declared_band}' is wrong: score {score} is "
                f"{band.label} ({band.name})",
                path="$.band",
                code="band",
            )
        )
    if risk.cadence is not None and risk.cadence in policy.cadences:
        own = policy.cadences[risk.cadence]
        needed = policy.cadences.get(band.monitoring, own)
        if own > needed:
            found.append(
                warning(
                    f,
                    risk.lines.get("review.cadence", risk.line("review")),
                    f"review cadence '{risk.cadence}' is looser than the {band.label} "
                    f"band's '{band.monitoring}'; reviews are due {band.monitoring}",
                    path="$.review.cadence",
                    code="cadence",
                )
            )
    return found


def _id_matches_name(risk_id: str, name: str) -> bool:
    stem = name.rsplit("/", 1)[-1]
    return stem == risk_id or stem.startswith((f"{risk_id}-", f"{risk_id}."))


@dataclass(frozen=True)
class CheckedFile:
    """One risk file checked on its own: its risk when the file is valid, and its findings.

    It depends on the file's name and bytes only, so it can be made in another process, or
    reused for a file that two revisions share.
    """

    name: str
    risk: Risk | None
    findings: tuple[Finding, ...] = ()


def check_file(source: SourceFile) -> CheckedFile:
    """Load, validate and read one risk file: everything that needs no other file."""
    loaded = load_yaml(source.name, source.raw)
    if not loaded.ok:
        return CheckedFile(source.name, None, tuple(loaded.findings))
    schema_findings = validate(source.name, loaded.data, loaded.node, RISK_SCHEMA)
    if schema_findings:
        return CheckedFile(source.name, None, tuple(schema_findings))
    lines = top_level_lines(loaded.node)
    if "review" in loaded.data:
        lines["review.cadence"] = line_for(loaded.node, "$.review.cadence")
    risk = risk_from_data(source.name, loaded.data, lines)
    if _id_matches_name(risk.id, source.name):
        return CheckedFile(source.name, risk)
    wrong_name = error(
        source.name,
        risk.line("id"),
        f"file name must start with its id '{risk.id}' (e.g. {risk.id}-short-title.yaml)",
        path="$.id",
        code="file-name",
    )
    return CheckedFile(source.name, risk, (wrong_name,))


def check_files(sources: Sequence[SourceFile]) -> list[CheckedFile]:
    """Check each file on its own, here, in order."""
    return [check_file(source) for source in sources]


FileChecker = Callable[[Sequence[SourceFile]], Sequence[CheckedFile]]
"""Checks files one by one and answers in their order: :func:`check_files`, or a faster one."""


def build_register(
    policy_source: SourceFile | None,
    risk_sources: Sequence[SourceFile],
    today: dt.date | None = None,
    check: FileChecker = check_files,
) -> Loaded:
    """Check the policy and every risk file; score and assess the valid risks."""
    today = today or dt.date.today()
    policy, found = load_policy(policy_source)
    findings = list(found)
    assessments: list[Assessment] = []
    first_file: dict[str, str] = {}
    for checked in check(sorted(risk_sources, key=lambda s: s.name)):
        findings.extend(checked.findings)
        risk = checked.risk
        if risk is None:
            continue
        if risk.id in first_file:
            findings.append(
                error(
                    risk.file,
                    risk.line("id"),
                    f"duplicate id '{risk.id}': already used by {first_file[risk.id]}",
                    path="$.id",
                    code="duplicate-id",
                )
            )
            continue
        first_file[risk.id] = risk.file
        if policy is None:
            continue
        findings.extend(check_against_policy(risk, policy))
        assessments.append(assess(risk, policy, today))
    findings.sort(key=sort_key)
    files = len(risk_sources) + (1 if policy_source else 0)
    if policy is None:
        return Unloaded(findings, files, today)
    assessments.sort(key=lambda a: (-a.score, a.risk.id))
    return Register(policy, assessments, findings, files, today)
