"""Load the whole register — policy and every risk file — into checked, scored data.

Every file is checked whatever happens to the others; each problem is one finding. The inputs
are plain (name, bytes) pairs so the same code reads a working tree or a git revision.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.register import clock
from bot.register.acceptance import acceptance_findings
from bot.register.dates import date_paths, future_date_findings, line_key
from bot.register.findings import Finding, FindingsHolder, JsonPath, error, sort_key, warning
from bot.register.ids import IdHistory, reused_id_findings
from bot.register.method import FACTORS
from bot.register.policy import Policy, policy_from_data
from bot.register.residual import check_residual
from bot.register.risk import ID_RE, LOGIN_RE, Risk, risk_from_data
from bot.register.schemas import POLICY_SCHEMA, RISK_SCHEMA, validate
from bot.register.scoring import Assessment, assess
from bot.register.suggest import did_you_mean
from bot.register.yamlfile import (
    child_lines,
    line_for,
    load_yaml,
    top_level_columns,
    top_level_lines,
)

POLICY_PATH = ".github/riskbot.yml"
RISKS_DIR = "risks"
RISK_SUFFIXES = (".yaml", ".yml")
_ID_IN_NAME = re.compile(r"^(R-[0-9]{3,})(?:[-.]|\Z)")
_FACTOR_KEYS = frozenset(FACTORS)
LEVEL_CODE = "level"
"""The code of a level outside the policy's scales: such a risk cannot be scored."""


MAX_FOLDER_DEPTH = 16
"""How many folders deep below ``risks/`` riskbot reads (``risks/archive/2024/…``); a folder
deeper is refused with one finding, by the same rule in a working tree and in git."""
TOO_DEEP = (
    f"is a folder more than {MAX_FOLDER_DEPTH} levels below {RISKS_DIR}/; riskbot reads nothing "
    "in it: move its risk files up"
)
NOT_A_FILE = "is not a regular file (a pipe, a socket or a device); riskbot does not read it"


class SourceFile(NamedTuple):
    """A file of the register: its path relative to the repository root, and its bytes.

    ``refused`` says why a file was not read (a symbolic link, a folder too deep, a pipe): it is
    an error on its line 1, with the code ``refused_code``. ``base``, for the policy file only:
    the vendored base policy beside it, when there is one.
    """

    name: str
    raw: bytes
    refused: str | None = None
    refused_code: str = "symlink"
    base: SourceFile | None = None


def too_deep(name: str) -> str | None:
    """The folder at which a path under ``risks/`` goes past :data:`MAX_FOLDER_DEPTH`, or None."""
    parts = name.split("/")
    if len(parts) - 2 <= MAX_FOLDER_DEPTH:
        return None
    return "/".join(parts[: MAX_FOLDER_DEPTH + 2])


def deep_folder(name: str) -> SourceFile:
    """A folder below ``risks/`` past the depth riskbot reads: refused, never walked."""
    return SourceFile(name, b"", refused=TOO_DEEP, refused_code="too-deep")


def not_a_file(name: str) -> SourceFile:
    """A risk file's name on something that is no regular file: refused, never opened to read."""
    return SourceFile(name, b"", refused=NOT_A_FILE, refused_code="not-a-file")


def refused_finding(source: SourceFile) -> Finding:
    """The error of a file that was not read."""
    return error(source.name, 1, source.refused or "not read", code=source.refused_code)


class _FailedFiles:
    """What a loaded register remembers of the risk files that failed."""

    failed_files: Mapping[str, str | None]
    """Each risk file with an error (or that could not be checked): the id it most likely holds,
    from its ``id:`` when readable, else from its name (``R-002-….yaml``); None if neither."""

    @property
    def failed_ids(self) -> frozenset[str]:
        """The risks whose files failed: nothing may act on them until the files are fixed."""
        return frozenset(i for i in self.failed_files.values() if i is not None)


@dataclass
class Register(_FailedFiles, FindingsHolder):
    """The checked register: the policy, the valid risks with their assessments, the findings."""

    policy: Policy
    assessments: list[Assessment] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files_checked: int = 0
    today: dt.date = field(default_factory=clock.today)
    failed_files: Mapping[str, str | None] = field(default_factory=dict)

    @property
    def risks(self) -> list[Risk]:
        return [a.risk for a in self.assessments]

    @property
    def sound(self) -> list[Assessment]:
        """The assessments of risk files without errors: the ones the bot may act on."""
        return [a for a in self.assessments if a.risk.file not in self.failed_files]

    def get(self, risk_id: str) -> Assessment | None:
        for a in self.assessments:
            if a.risk.id == risk_id:
                return a
        return None


@dataclass
class Unloaded(_FailedFiles, FindingsHolder):
    """A register whose policy did not load: nothing could be scored; the findings say why.

    Every risk file was still checked against the schema, so its findings are here too; every
    risk file counts as failed (none could be checked against a policy).
    """

    findings: list[Finding] = field(default_factory=list)
    files_checked: int = 0
    today: dt.date = field(default_factory=clock.today)
    failed_files: Mapping[str, str | None] = field(default_factory=dict)

    @property
    def policy(self) -> None:
        """There is none: it did not load (a :class:`Register` always has one)."""
        return None

    @property
    def assessments(self) -> list[Assessment]:
        return []

    @property
    def sound(self) -> list[Assessment]:
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
    if source.refused is not None:
        return None, [refused_finding(source)]
    loaded = load_yaml(source.name, source.raw)
    if not loaded.ok:
        return None, loaded.findings
    if isinstance(loaded.data, Mapping) and "extends" in loaded.data:
        # Imported here: a policy that extends no base (most) never loads the merge rules.
        from bot.register.inherit import load_inherited

        return load_inherited(loaded, source.base)
    findings = validate(source.name, loaded.data, loaded.node, POLICY_SCHEMA)
    if findings:
        return None, findings
    node = loaded.node
    return policy_from_data(loaded.data, source.name, lambda p: line_for(node, p))


def _suggest(value: str, choices: Iterable[str]) -> str:
    return did_you_mean(value, choices)


def owner_hint(owner: str, policy: Policy) -> str:
    """``alice`` for a policy login means ``@alice``; else the closest role name."""
    logins = {login.casefold(): login for role in policy.roles for login in role.logins}
    bare = owner.strip().lstrip("@").casefold()
    if bare in logins:
        return f" (did you mean '@{logins[bare]}'?)"
    names = [r.name for r in policy.roles] + [r.short for r in policy.roles]
    return _suggest(owner, names + [r.id for r in policy.roles])


def scale_text(policy: Policy, factor: str) -> str:
    """``impact scale, 1–5 (1 Negligible … 5 Critical)``: a scale as findings name it."""
    method = policy.method
    scale = method.scale(factor)
    low, high = scale[min(scale)], scale[max(scale)]
    return (
        f"{method.factor_label(factor).lower()} scale, {low.level}–{high.level} "
        f"({low.level} {low.label} … {high.level} {high.label})"
    )


def level_findings(risk: Risk, policy: Policy) -> list[Finding]:
    """Each level of a risk that is not on the policy's scale: one error naming the scale, on
    the level's line. A risk with one cannot be scored."""
    method = policy.method
    found: list[Finding] = []
    given = {"impact": risk.impact, "probability": risk.probability, "detection": risk.detection}
    for factor in FACTORS:
        level = given[factor]
        line = risk.lines.get(f"{factor}.level", risk.line(factor))
        if level is None:  # only detection can be absent (the schema requires the others)
            if factor in method.factors:
                found.append(
                    error(
                        risk.file,
                        risk.line("probability"),
                        f"missing detection level: the policy's method scores "
                        f"{method.formula_text()}; add `detection: {{level: N}}` on its "
                        f"{scale_text(policy, factor)}",
                        path=("detection",),
                        code=LEVEL_CODE,
                    )
                )
            continue
        if factor not in method.factors:
            found.append(
                error(
                    risk.file,
                    line,
                    f"detection level {level}: the policy's method has no detection scale (it "
                    f"scores {method.formula_text()}); remove `detection`",
                    path=("detection",),
                    code=LEVEL_CODE,
                )
            )
        elif level not in method.scale(factor):
            found.append(
                error(
                    risk.file,
                    line,
                    f"{factor} level {level} is outside the policy's {scale_text(policy, factor)}",
                    path=(factor, "level"),
                    code=LEVEL_CODE,
                )
            )
    residual = {
        "impact": risk.residual_impact,
        "probability": risk.residual_probability,
        "detection": risk.residual_detection,
    }
    for factor in method.factors:
        level = residual[factor]
        if level is not None and level not in method.scale(factor):
            found.append(
                error(
                    risk.file,
                    risk.lines.get(f"residual.{factor}", risk.line("residual")),
                    f"residual {factor} level {level} is outside the policy's "
                    f"{scale_text(policy, factor)}",
                    path=("residual", factor),
                    code=LEVEL_CODE,
                )
            )
    return found


def check_against_policy(risk: Risk, policy: Policy, today: dt.date | None = None) -> list[Finding]:
    """What the schema cannot know: levels on the scales, categories, phases, owners, declared
    score and band, cadence (against the acceptance cadence while the risk is accepted on
    ``today``)."""
    found: list[Finding] = level_findings(risk, policy)
    f = risk.file
    if risk.category not in policy.categories:
        found.append(
            error(
                f,
                risk.line("category"),
                f"unknown category '{risk.category}'{_suggest(risk.category, policy.categories)}"
                f"; the policy has: {', '.join(policy.categories)}",
                path=("category",),
                code="category",
                col=risk.col("category"),
            )
        )
    if risk.phase not in policy.phases:
        found.append(
            error(
                f,
                risk.line("phase"),
                f"unknown phase '{risk.phase}'{_suggest(risk.phase, policy.phases)}"
                f"; the policy has: {', '.join(policy.phases)}",
                path=("phase",),
                code="phase",
                col=risk.col("phase"),
            )
        )
    for i, owner in enumerate(risk.owners):
        if LOGIN_RE.match(owner) or policy.role(owner) is not None:
            continue
        path: JsonPath = ("owner",) if len(risk.owners) == 1 else ("owner", i)
        found.append(
            error(
                f,
                risk.line("owner"),
                f"owner '{owner}' is neither a policy role nor an @login"
                f"{owner_hint(owner, policy)}",
                path=path,
                code="owner",
                col=risk.col("owner"),
            )
        )
    if found and any(x.code == LEVEL_CODE for x in found):
        return found  # not on the scales: no score, no band, nothing that follows from them
    method = policy.method
    score = method.score(risk.impact, risk.probability, risk.detection)
    band = method.band_of(risk.impact, risk.probability, risk.detection)
    if risk.declared_score is not None and risk.declared_score != score:
        factors = f"impact {risk.impact} × probability {risk.probability}"
        if method.detection:
            factors += f" × detection {risk.detection}"
        found.append(
            error(
                f,
                risk.line("score"),
                f"declared score {risk.declared_score} is wrong: {factors} = {score}",
                path=("score",),
                code="score",
                col=risk.col("score"),
            )
        )
    if risk.declared_band is not None and risk.declared_band != band.name:
        found.append(
            error(
                f,
                risk.line("band"),
                f"declared band '{risk.declared_band}' is wrong: "
                + (
                    f"impact {risk.impact} × probability {risk.probability} is {band.label} "
                    f"({band.name}) by the policy's table"
                    if method.table
                    else f"score {score} is {band.label} ({band.name})"
                ),
                path=("band",),
                code="band",
                col=risk.col("band"),
            )
        )
    if (
        risk.is_open
        and band.opens_issue
        and not (risk.mitigation.get("prevention") or risk.mitigation.get("response"))
    ):
        found.append(
            warning(
                f,
                risk.line("mitigation"),
                f"{risk.id} is {band.label} (score {score}) but has no mitigation: the plan "
                f"asks for immediate mitigation of {band.label} risks; add prevention or "
                "response items",
                path=("mitigation",),
                code="red-unmitigated",
            )
        )
    if risk.is_open and risk.cadence is not None and risk.cadence in policy.cadences:
        own = policy.cadences[risk.cadence]
        held = risk.acceptance
        accepted = (
            held is not None
            and today is not None
            and held.state(today, policy.acceptance.notice_days) != "lapsed"
        )
        monitoring = policy.acceptance.cadence if accepted else band.monitoring
        needed = policy.cadences.get(monitoring, own)
        whose = "acceptance" if accepted else f"{band.label} band"
        if own > needed:
            found.append(
                warning(
                    f,
                    risk.lines.get("review.cadence", risk.line("review")),
                    f"review cadence '{risk.cadence}' is looser than the {whose}'s "
                    f"'{monitoring}'; reviews are due {monitoring}",
                    path=("review", "cadence"),
                    code="cadence",
                )
            )
    return found


def likely_id(name: str, data: object) -> str | None:
    """The id a risk file most likely holds: its ``id:`` when readable, else its name's."""
    if isinstance(data, Mapping):
        value = data.get("id")
        if isinstance(value, str) and ID_RE.match(value.strip()):
            return value.strip()
    match = _ID_IN_NAME.match(name.rsplit("/", 1)[-1])
    return match.group(1) if match else None


def _id_matches_name(risk_id: str, name: str) -> bool:
    stem = name.rsplit("/", 1)[-1]
    return stem == risk_id or stem.startswith((f"{risk_id}-", f"{risk_id}."))


class CheckedFile(NamedTuple):
    """One risk file checked on its own: its risk when the file is valid, and its findings.

    It depends on the file's name and bytes only, so it can be made in another process, or
    reused for a file that two revisions share.
    """

    name: str
    risk: Risk | None
    findings: tuple[Finding, ...] = ()
    likely_id: str | None = None
    """The id the file most likely holds (:func:`likely_id`), to hold it back when it fails."""
    read: bool = True
    """False for a file that was refused unread (a symbolic link)."""


def check_file(source: SourceFile) -> CheckedFile:
    """Load, validate and read one risk file: everything that needs no other file."""
    if source.refused is not None:
        return CheckedFile(source.name, None, (refused_finding(source),), read=False)
    loaded = load_yaml(source.name, source.raw)
    held = likely_id(source.name, loaded.data)
    if not loaded.ok:
        return CheckedFile(source.name, None, tuple(loaded.findings), held)
    schema_findings = validate(source.name, loaded.data, loaded.node, RISK_SCHEMA)
    if schema_findings:
        return CheckedFile(source.name, None, tuple(schema_findings), held)
    lines = top_level_lines(loaded.node)
    lines.update(child_lines(loaded.node, _FACTOR_KEYS, "level"))
    if "review" in loaded.data:
        lines["review.cadence"] = line_for(loaded.node, ("review", "cadence"))
    if "residual" in loaded.data:
        for key in ("impact", "probability", "detection"):
            lines[f"residual.{key}"] = line_for(loaded.node, ("residual", key))
    if "acceptance" in loaded.data:
        for key in ("by", "until"):
            lines[f"acceptance.{key}"] = line_for(loaded.node, ("acceptance", key))
    for path in date_paths(loaded.data):
        if len(path) > 1:
            lines[line_key(path)] = line_for(loaded.node, path)
    risk = risk_from_data(source.name, loaded.data, lines, top_level_columns(loaded.node))
    kept = extra_fields(risk)
    if _id_matches_name(risk.id, source.name):
        return CheckedFile(source.name, risk, kept, held)
    wrong_name = error(
        source.name,
        risk.line("id"),
        f"file name must start with its id '{risk.id}' (e.g. {risk.id}-short-title.yaml)",
        path=("id",),
        code="file-name",
        col=risk.col("id"),
    )
    return CheckedFile(source.name, risk, (wrong_name, *kept), held)


def extra_fields(risk: Risk) -> tuple[Finding, ...]:
    """The fields a risk keeps from its document that riskbot does not use (one warning)."""
    extra = risk.data.get("extra")
    if not isinstance(extra, Mapping) or not extra:
        return ()
    return (
        warning(
            risk.file,
            risk.line("extra"),
            f"kept from the imported document, not used by riskbot: {', '.join(map(str, extra))}"
            "; move what matters into the risk's fields",
            path=("extra",),
            code="extra",
            col=risk.col("extra"),
        ),
    )


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
    history: IdHistory | Callable[[], IdHistory | None] | None = None,
    new_ids: Iterable[str] | None = None,
) -> Loaded:
    """Check the policy and every risk file; score and assess the valid risks.

    With ``history`` (the ids git saw, :mod:`bot.repo.ids`), a risk holding a removed risk's id
    is an error; ``new_ids`` limits that to the risks a change adds. ``history`` may be a
    function, asked once every file is checked (so that git can answer meanwhile).
    """
    today = today or clock.today()
    policy, found = load_policy(policy_source)
    findings = list(found)
    assessments: list[Assessment] = []
    first_file: dict[str, str] = {}
    held: dict[str, str | None] = {}
    parsed: list[Risk] = []
    for checked in check(sorted(risk_sources, key=lambda s: s.name)):
        findings.extend(checked.findings)
        if checked.read:
            held[checked.name] = checked.likely_id
        risk = checked.risk
        if risk is None:
            continue
        if risk.id in first_file:
            findings.append(
                error(
                    risk.file,
                    risk.line("id"),
                    f"duplicate id '{risk.id}': already used by {first_file[risk.id]}",
                    path=("id",),
                    code="duplicate-id",
                    col=risk.col("id"),
                )
            )
            continue
        first_file[risk.id] = risk.file
        parsed.append(risk)
        findings.extend(future_date_findings(risk, today))
        if policy is None:
            continue
        against = check_against_policy(risk, policy, today)
        findings.extend(against)
        if any(x.code == LEVEL_CODE for x in against):
            continue  # off the policy's scales: it has no score, so it is not assessed
        findings.extend(check_residual(risk))
        assessment = assess(risk, policy, today)
        findings.extend(acceptance_findings(assessment, policy, today))
        assessments.append(assessment)
    if callable(history):
        history = history()
    if history is not None:
        findings.extend(reused_id_findings(parsed, history, new_ids))
        if history.cut_off:
            findings.append(
                warning(
                    RISKS_DIR,
                    1,
                    f"{history.cut_off}. Ids are never reused, but until then a risk that "
                    "takes the id of one removed before the cut is not found",
                    code="shallow-history",
                )
            )
    findings.sort(key=sort_key)
    files = len(risk_sources) + (1 if policy_source else 0)
    files += 1 if policy_source is not None and policy_source.base is not None else 0
    if policy is None:
        return Unloaded(findings, files, today, held)
    failing = {f.file for f in findings if f.severity == "error"}
    failed = {name: rid for name, rid in held.items() if name in failing}
    assessments.sort(key=lambda a: (-a.score, a.risk.id))
    return Register(policy, assessments, findings, files, today, failed)
