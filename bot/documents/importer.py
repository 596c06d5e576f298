"""`riskbot import`: turn a Markdown risk management plan into risk files and a policy.

The plan is read by :mod:`bot.planparse`; here it is judged and converted. What the plan gets
wrong but can still be imported is a warning with the plan's line; what it lacks is an error,
and a plan with any error writes nothing. The plan states no categories, so a risk's category
comes from :data:`CATEGORY_RULES`; file names come from :func:`bot.authoring.slug_for`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.documents import planpolicy
from bot.documents.authoring import render_risk_file, risk_file_name, risk_id
from bot.documents.planparse import MatrixRow, PlanDocument, PlanRisk, read_plan
from bot.documents.planpolicy import CADENCE_DAYS, DEFAULT_BOT, PlanJudge, cadence_name
from bot.errors import RiskbotError
from bot.register.findings import Finding, FindingsHolder, error, sort_key
from bot.register.ids import next_id
from bot.register.load import POLICY_PATH, SourceFile, build_register
from bot.register.risk import MITIGATION_KINDS
from bot.register.scoring import score_of

# Category of a risk, which the plan does not state: the first rule with a keyword in the
# risk's title or impact wins, else DEFAULT_CATEGORY. Keywords follow the plan's own category
# descriptions ("Vulnerabilities, supply chain", "Adoption, competition", "Team, skill gaps").
CATEGORY_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Security", ("security", "vulnerab", "supply chain", "byzantine", "malicious", "attack")),
    ("Market", ("community", "adoption", "competit", "market")),
    ("Organizational", ("documentation", "onboarding", "staffing", "skill", "hiring")),
    ("Operational", ("deployment", "incident", "outage", "on-call")),
)
DEFAULT_CATEGORY = "Technical"

STATE_WORDS = {
    "planning": "planning",
    "active": "active",
    "monitor": "monitor",
    "monitoring": "monitor",
    "closed": "closed",
}
BAND_EMOJI = {
    "🔴": "red",
    "🟥": "red",
    "🟡": "yellow",
    "🟨": "yellow",
    "🟢": "green",
    "🟩": "green",
}
SCORE_LINE = re.compile(r"^(\d+)\s*[×xX*]\s*(\d+)\s*=\s*(\d+)\s*(?:\(\s*([^)]*?)\s*\))?")
STATUS_LINE = re.compile(r"^(?:[^\w\s]+\s*)?([A-Za-z]+)\s*(?:[-–—:]\s*(.*))?$")
PERCENT_COMPLETE = re.compile(r"^(\d{1,3})\s*%")


@dataclass
class ImportResult(FindingsHolder):
    """The files an import would write (path → text) and what it found in the plan."""

    plan: str
    files: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


class ImportRefused(RiskbotError):
    """The import would overwrite files (without force) or could not write them."""


class _Importer(PlanJudge):
    """One import: the policy's parts (from PlanJudge) and each risk's, judged with plan lines."""

    # -- risks --------------------------------------------------------------------------
    def phase(self, risk: PlanRisk, phases: Sequence[str]) -> str:
        if risk.phase is not None and risk.phase in phases:
            return risk.phase
        what = f"'({risk.phase})' is not a phase" if risk.phase else "the heading names no phase"
        releases = [p for p in phases if p not in ("All", "Long-term") and not p.endswith("+")]
        self.warn(
            risk.line,
            f"Risk #{risk.number}: {what} (a phase is a release "
            f"{', '.join(releases)}, optionally with +, or All, or Long-term); "
            "imported as All",
        )
        return "All"

    def score(self, risk: PlanRisk) -> tuple[int, int, int, str | None] | None:
        if risk.score is None:
            self.fail(
                risk.line,
                f"Risk #{risk.number} has no '**Risk Score**: I × P = S (Band)' "
                "line, so its impact and probability are unknown",
            )
            return None
        m = SCORE_LINE.match(risk.score.value)
        if m is None:
            self.fail(
                risk.score.line,
                f"Risk #{risk.number}: cannot read the score "
                f"'{risk.score.value}' (expected 'I × P = S (Band)', e.g. '4 × 4 = 16 (Red)')",
            )
            return None
        impact, probability, score = (int(m.group(i)) for i in (1, 2, 3))
        for what, level in (("impact", impact), ("probability", probability)):
            if not 1 <= level <= 5:
                self.fail(
                    risk.score.line, f"Risk #{risk.number}: {what} {level} is not a level of 1 to 5"
                )
                return None
        if score != score_of(impact, probability):
            self.warn(
                risk.score.line,
                f"Risk #{risk.number}: score {score} is not "
                f"{impact} × {probability} = {score_of(impact, probability)}",
            )
        return impact, probability, score, m.group(4)

    def check_narratives(self, risk: PlanRisk, impact: int, probability: int) -> None:
        labels = {x.label.casefold(): x.level for x in self.doc.impact_levels}
        if risk.impact is not None:
            first = risk.impact.value.split()[0].casefold().strip(",")
            said = labels.get(first)
            clash = f"; its first word names level {said}" if said not in (None, impact) else ""
            self.warn(
                risk.impact.line,
                f"Risk #{risk.number}: impact is prose, not a level "
                f"('{risk.impact.value}'); level {impact} taken from the score line "
                f"{risk.score.line if risk.score else risk.line}{clash}",
            )
        if risk.probability is not None:
            words = risk.probability.value.casefold()
            said_p = [
                x for x in self.doc.probability_levels if words.startswith(x.label.casefold())
            ]
            # Longest label first, so that "Almost Certain" is not read as another label.
            said_p.sort(key=lambda x: -len(x.label))
            if said_p and said_p[0].level != probability:
                level = said_p[0]
                self.warn(
                    risk.probability.line,
                    f"Risk #{risk.number}: probability "
                    f"'{risk.probability.value}' is level {level.level} ({level.label}), "
                    f"but the score uses probability {probability}",
                )

    def status(self, risk: PlanRisk) -> dict[str, str] | None:
        if risk.status is None:
            self.fail(risk.line, f"Risk #{risk.number} has no '**Status**:' line")
            return None
        m = STATUS_LINE.match(risk.status.value.strip())
        state = STATE_WORDS.get(m.group(1).casefold()) if m else None
        if m is None or state is None:
            self.fail(
                risk.status.line,
                f"Risk #{risk.number}: cannot read the status "
                f"'{risk.status.value}' (expected Planning, Active, Monitor or Closed, "
                "optionally '- note')",
            )
            return None
        out = {"state": state}
        if m.group(2):
            out["note"] = m.group(2).strip()
        return out


def category_for(title: str, impact: str, categories: Sequence[str]) -> str:
    """The category by :data:`CATEGORY_RULES`, limited to the plan's categories."""
    text = f"{title} {impact}".casefold()
    for name, words in CATEGORY_RULES:
        if name in categories and any(w in text for w in words):
            return name
    return DEFAULT_CATEGORY if DEFAULT_CATEGORY in categories else categories[0]


@dataclass(frozen=True)
class _Context:
    """What converting one risk needs to know of the whole plan."""

    bands: list[dict[str, Any]]
    band_days: Mapping[str, int]
    phase_names: list[str]
    categories: list[str]
    owners: Mapping[int, list[str]]
    rows: Mapping[int, MatrixRow]
    identified: str | None
    ids: Mapping[int, str] = field(default_factory=dict)


def _owners(
    imp: _Importer, rows: Mapping[int, MatrixRow]
) -> tuple[dict[int, list[str]], dict[str, str]]:
    """Each risk's owners, and the matrix's short forms ("DB Lead") of the full role names."""
    owners: dict[int, list[str]] = {}
    for risk in imp.doc.risks:
        if risk.owner is None:
            imp.fail(risk.line, f"Risk #{risk.number} has no '**Owner**:' line")
            continue
        owners[risk.number] = [o.strip() for o in risk.owner.value.split(" / ") if o.strip()]
    shorts: dict[str, str] = {}
    for number, names in owners.items():
        short = rows[number].cells.get("owner", "") if number in rows else ""
        if short and short != names[0]:
            shorts.setdefault(names[0], short)
    # "Tech Lead / Community Manager": a short form as an owner means the full role.
    full_of = {s.casefold(): n for n, s in shorts.items()}
    return {k: [full_of.get(o.casefold(), o) for o in v] for k, v in owners.items()}, shorts


def _risk_data(imp: _Importer, risk: PlanRisk, ctx: _Context) -> dict[str, Any] | None:
    """One risk file's mapping, in the register's key order (None when it cannot be read)."""
    scored = imp.score(risk)
    status = imp.status(risk)
    if risk.description is None:
        imp.fail(risk.line, f"Risk #{risk.number} has no '**Description**:' line")
    if scored is None or status is None or risk.description is None or not ctx.bands:
        return None
    i, p, declared, band_word = scored
    imp.check_narratives(risk, i, p)
    band = next(b for b in ctx.bands if score_of(i, p) >= b["min_score"] or b is ctx.bands[-1])
    impact = risk.impact.value if risk.impact else ""
    data: dict[str, Any] = {
        "id": ctx.ids.get(risk.number, risk_id(risk.number)),
        "title": risk.title,
        "category": category_for(risk.title, impact, ctx.categories),
        "phase": imp.phase(risk, ctx.phase_names),
    }
    if ctx.identified:
        data["identified"] = ctx.identified
    data["description"] = risk.description.value
    data["impact"] = {"level": i, **({"narrative": impact} if impact else {})}
    data["probability"] = {
        "level": p,
        **({"narrative": risk.probability.value} if risk.probability else {}),
    }
    data["score"] = declared
    score_line = risk.score.line if risk.score else risk.line
    by_label = {str(b["label"]).casefold(): b for b in ctx.bands}
    if band_word and band_word.casefold() in by_label:
        data["band"] = by_label[band_word.casefold()]["name"]
        if data["band"] != band["name"]:
            imp.warn(
                score_line,
                f"Risk #{risk.number}: band {band_word} is wrong for score "
                f"{i} × {p} = {score_of(i, p)} ({band['label']})",
            )
    elif band_word:
        imp.warn(score_line, f"Risk #{risk.number}: '{band_word}' is not a band; band left out")
    data["mitigation"] = {k: list(risk.mitigation.get(k, [])) for k in MITIGATION_KINDS}
    for kind in risk.mitigation:
        if kind not in MITIGATION_KINDS:
            imp.warn(
                risk.line,
                f"Risk #{risk.number}: mitigation part '{kind}' is not "
                f"one of {', '.join(MITIGATION_KINDS)}; left out",
            )
    names = ctx.owners.get(risk.number, [])
    data["owner"] = names[0] if len(names) == 1 else names
    data["status"] = status
    row = ctx.rows.get(risk.number)
    if row is None:
        imp.warn(
            risk.line,
            f"Risk #{risk.number} has no row in the risk response matrix: "
            "no review cadence or mitigation status",
        )
    else:
        _matrix_row(imp, risk, row.cells, row.line, band, ctx.band_days, data)
    return data


def import_ids(
    imp: _Importer, risks: Sequence[PlanRisk], reserved: Collection[str]
) -> dict[int, str]:
    """Risk #N becomes R-00N, unless that id was used before and removed (ids are never reused):
    then it gets the next id above every id used or imported."""
    ids = {r.number: risk_id(r.number) for r in risks}
    taken = set(reserved) | set(ids.values())
    for risk in risks:
        if ids[risk.number] in reserved:
            ids[risk.number] = next_id(taken)
            taken.add(ids[risk.number])
            imp.warn(
                risk.line,
                f"Risk #{risk.number} becomes {ids[risk.number]}: {risk_id(risk.number)} was "
                "used before and removed, and ids are never reused",
            )
    return ids


def build_import(doc: PlanDocument, reserved: Collection[str] = ()) -> ImportResult:
    """Judge and convert a read plan: the files to write and the findings.

    ``reserved``: ids the target register used and removed (:func:`bot.repo.ids.removed_ids`).
    """
    imp = _Importer(doc)
    result = ImportResult(doc.name)
    if not doc.risks:
        imp.fail(1, "no risks found: expected sections headed '#### Risk #1: Title (phase)'")
    seen: dict[int, int] = {}
    for risk in doc.risks:
        if risk.number in seen:
            imp.fail(
                risk.line,
                f"Risk #{risk.number} is defined twice (first on line {seen[risk.number]})",
            )
        seen.setdefault(risk.number, risk.line)
    monitoring, scope = imp.monitoring()
    impact = imp.impact_scale()
    probability = imp.probability_scale()
    bands = imp.bands(monitoring)
    releases = imp.releases()
    categories = [
        {"name": re.sub(r"\s+risk$", "", c.key, flags=re.I), "description": c.text}
        for c in doc.categories
    ]
    if not categories:
        imp.fail(
            1,
            "no risk categories found: expected a '### Risk Categories' list like "
            "'- **Technical Risk**: ...'",
        )
    rows = {row.number: row for row in doc.matrix}
    for row in doc.matrix:
        if row.number not in seen:
            imp.warn(row.line, f"response matrix row #{row.number} names no risk of the plan")
    owners, shorts = _owners(imp, rows)
    roles, path = planpolicy.roles(imp, owners, shorts, doc.escalation_path)
    escalation = planpolicy.rules(imp, doc.thresholds, roles, path, impact)
    planning_date = doc.fields.get("planning date")
    ctx = _Context(
        bands=bands,
        band_days={b["name"]: CADENCE_DAYS[b["monitoring"]] for b in bands},
        phase_names=planpolicy.phase_names(releases),
        categories=[str(c["name"]) for c in categories],
        owners=owners,
        rows=rows,
        identified=planning_date.value if planning_date else None,
        ids=import_ids(imp, doc.risks, reserved),
    )
    risk_files: dict[str, tuple[PlanRisk, dict[str, Any]]] = {}
    for risk in doc.risks:
        data = _risk_data(imp, risk, ctx)
        if data is not None:
            risk_files[risk_file_name(str(data["id"]), risk.title)] = (risk, data)
    cadences = {b["monitoring"] for b in bands} | {"quarterly"}
    cadences |= {d["review"]["cadence"] for _, d in risk_files.values() if "review" in d}
    policy = {
        "version": 1,
        "program": planpolicy.program_name(doc),
        **({"plan": doc.title.value} if doc.title else {}),
        **({"planning_date": planning_date.value} if planning_date else {}),
        "impact_scale": impact,
        "probability_scale": probability,
        "bands": bands,
        "cadences": [
            {"name": c, "days": CADENCE_DAYS[c], "label": planpolicy.cadence_label(doc, c)}
            for c in sorted(cadences, key=lambda c: CADENCE_DAYS[c])
        ],
        "quarterly_review": {"scope": scope},
        "categories": categories,
        "phases": planpolicy.phases(releases, {d["phase"] for _, d in risk_files.values()}),
        "releases": releases,
        "roles": roles,
        "escalation": escalation,
        "bot": dict(DEFAULT_BOT),
    }
    result.findings = imp.findings
    if result.ok:
        result.files[POLICY_PATH] = planpolicy.render_policy(policy, doc, imp.assumed)
        for name, (risk, data) in risk_files.items():
            result.files[name] = render_risk_file(data, _risk_comments(doc, risk, data))
        _self_check(result)
    result.findings.sort(key=sort_key)
    return result


def _matrix_row(
    imp: _Importer,
    risk: PlanRisk,
    cells: Mapping[str, str],
    line: int,
    band: Mapping[str, Any],
    band_days: Mapping[str, int],
    data: dict[str, Any],
) -> None:
    emoji = cells.get("status", "").strip()
    said = BAND_EMOJI.get(emoji[:1]) if emoji else None
    if emoji and said != band["name"]:
        what = f"marks it {said}" if said else f"shows '{emoji}', not a band colour"
        imp.warn(
            line,
            f"Risk #{risk.number}: the response matrix {what}, but its score "
            f"{score_of(data['impact']['level'], data['probability']['level'])} is {band['label']}",
        )
    review = cells.get("review date") or cells.get("review") or ""
    cadence = cadence_name(review) if review else ""
    if cadence in CADENCE_DAYS:
        data["review"] = {"cadence": cadence}
        if CADENCE_DAYS[cadence] > band_days[band["name"]]:
            imp.warn(
                line,
                f"Risk #{risk.number}: review '{review}' is looser than the "
                f"{band['label']} band's '{band['monitoring']}'",
            )
    elif review:
        imp.warn(
            line,
            f"Risk #{risk.number}: review '{review}' is not a cadence "
            f"({', '.join(CADENCE_DAYS)}); left out",
        )
    summary = cells.get("mitigation status", "").strip()
    if summary:
        data["mitigation_status"] = {"summary": summary}
        if m := PERCENT_COMPLETE.match(summary):
            data["mitigation_status"]["percent"] = min(int(m.group(1)), 100)


def _risk_comments(doc: PlanDocument, risk: PlanRisk, data: Mapping[str, Any]) -> list[str]:
    title = doc.title.value if doc.title else doc.name
    return [
        f"Source: {title}, Risk #{risk.number} (imported by `riskbot import`).",
        f"category {data['category']}: the plan does not state it; set by the importer's "
        "keyword rules",
    ]


def _self_check(result: ImportResult) -> None:
    """Check the files with `riskbot check`'s code; plan mistakes already warned about pass."""
    policy = SourceFile(POLICY_PATH, result.files[POLICY_PATH].encode("utf-8"))
    risks = [SourceFile(n, t.encode("utf-8")) for n, t in result.files.items() if n != POLICY_PATH]
    register = build_register(policy, risks)
    for f in register.errors:
        if f.code not in ("score", "band"):
            result.findings.append(
                error(
                    result.plan,
                    1,
                    f"the imported {f.file} would not pass `riskbot check`: "
                    f"line {f.line}: {f.message}",
                    code="import",
                )
            )
    if not result.ok:
        result.files.clear()


def import_plan(text: str, name: str, reserved: Collection[str] = ()) -> ImportResult:
    """Read and convert a plan: the files it would write, warnings and errors with plan lines."""
    return build_import(read_plan(text, name), reserved)


def write_import(result: ImportResult, out: Path, *, force: bool = False) -> list[Path]:
    """Write every file of a clean import, or none: existing files are refused unless ``force``."""
    if not result.ok:
        raise ImportRefused("the plan has errors; nothing was written")
    targets = [(out / name, text) for name, text in sorted(result.files.items())]
    existing = [p for p, _ in targets if p.exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing[:5])
        more = f" and {len(existing) - 5} more" if len(existing) > 5 else ""
        raise ImportRefused(f"would overwrite {names}{more}; use --force to replace them")
    created: list[Path] = []
    try:
        for path, text in targets:
            new = not path.exists()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            if new:
                created.append(path)
    except OSError as exc:
        # No partial import: take back the files this run created.
        for path in created:
            path.unlink(missing_ok=True)
        raise ImportRefused(f"could not write {exc.filename}: {exc.strerror}") from None
    return [p for p, _ in targets]
