"""`riskbot import`: turn a Markdown risk management plan into risk files and a policy.

The plan is read by :mod:`bot.documents.planparse`; here it is judged and converted. What the
plan gets wrong but can still be imported is a warning with the plan's line; a section it lacks
is a warning too, with riskbot's default in its place (:mod:`bot.documents.planpolicy`); only a
plan without risks, or a risk that cannot be read, is an error, and a plan with any error writes
nothing. The plan states no categories, so a risk's category comes from
:data:`bot.intake.vocabulary.CATEGORY_KINDS`; file names come from
:func:`bot.intake.writer.slug_for`. Ids the register already uses
are found before anything is written (:func:`import_into`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bot.documents import output, planpolicy
from bot.documents.init import SCHEMA_FOLDER
from bot.documents.planparse import MatrixRow, PlanDocument, PlanRisk, read_plan
from bot.documents.planpolicy import CADENCE_DAYS, DEFAULT_BOT, PlanJudge, cadence_name
from bot.errors import RiskbotError
from bot.intake.vocabulary import category_for, status_of
from bot.intake.writer import ID_IN_NAME, render_risk_file, risk_file_name, risk_id
from bot.register.codes import DERIVED
from bot.register.findings import Finding, FindingsHolder, error, sort_key
from bot.register.ids import next_id
from bot.register.load import POLICY_PATH, RISKS_DIR, SourceFile, build_register
from bot.register.presets import PLAN_BAND_EMOJI
from bot.register.risk import MITIGATION_KINDS
from bot.register.scoring import score_of
from bot.register.yamlfile import load_yaml
from bot.repo.schemas import schema_dir
from bot.repo.worktree import scan

BAND_EMOJI = PLAN_BAND_EMOJI
SCORE_LINE = re.compile(
    r"^\D{0,30}?(\d+)\s*[×xX*·]\s*\D{0,30}?(\d+)\s*=\s*(\d+)\s*(?:\(\s*([^)]*?)\s*\))?"
)
PERCENT_COMPLETE = re.compile(r"^(\d{1,3})\s*%")
OWNER_SEPARATORS = re.compile(r"\s+/\s+|\s*;\s*|,\s+")


@dataclass
class ImportResult(FindingsHolder):
    """The files an import would write (path → text) and what it found in the plan."""

    plan: str
    files: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    risks: dict[int, str] = field(default_factory=dict)
    """Each plan risk number and the risk file it becomes."""


class FilesHolder(Protocol):
    """Anything that holds the files an import would write."""

    files: dict[str, str]


class ImportRefused(RiskbotError):
    """The import would overwrite files (without force) or could not write them."""


class _Importer(PlanJudge):
    """One import: the policy's parts (from PlanJudge) and each risk's, judged with plan lines."""

    # -- risks --------------------------------------------------------------------------
    def phase(self, risk: PlanRisk, phases: Sequence[str]) -> str:
        releases = [p for p in phases if p not in ("All", "Long-term") and not p.endswith("+")]
        if risk.phase is not None and risk.phase in phases:
            return risk.phase
        if risk.phase is not None and (named := planpolicy.phase_of(risk.phase, releases)):
            return named
        what = f"'({risk.phase})' is not a phase" if risk.phase else "the heading names no phase"
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
        found = status_of(risk.status.value)
        if found is None:
            self.fail(
                risk.status.line,
                f"Risk #{risk.number}: cannot read the status "
                f"'{risk.status.value}' (expected Planning, Active, Monitor or Closed, "
                "optionally '- note')",
            )
        return found


@dataclass(frozen=True)
class _Context:
    """What converting one risk needs to know of the whole plan."""

    bands: list[dict[str, Any]]
    band_days: Mapping[str, int]
    phase_names: list[str]
    categories: list[str]
    descriptions: Mapping[str, str]
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
        owners[risk.number] = [
            o.strip() for o in OWNER_SEPARATORS.split(risk.owner.value) if o.strip()
        ]
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
        "category": category_for(risk.title, impact, ctx.categories, ctx.descriptions),
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
    for b in ctx.bands:  # "Amber" for a band labelled Yellow
        by_label.update({w: b for w, n in planpolicy.BAND_NAMES.items() if n == b["name"]})
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
    if row is None and ctx.rows:
        imp.warn(
            risk.line,
            f"Risk #{risk.number} has no row in the risk response matrix: "
            "no review cadence or mitigation status",
        )
    elif row is not None:
        _matrix_row(imp, risk, row.cells, row.line, band, ctx.band_days, data)
    return data


def import_ids(
    imp: _Importer,
    risks: Sequence[PlanRisk],
    reserved: Collection[str],
    numbers: Mapping[int, int] | None = None,
) -> dict[int, str]:
    """Risk #N becomes R-00N (or the number ``numbers`` gives it), unless that id was used
    before and removed (ids are never reused): then it gets the next id above every id used or
    imported."""
    numbers = numbers or {}
    ids = {r.number: risk_id(numbers.get(r.number, r.number)) for r in risks}
    taken = set(reserved) | set(ids.values())
    for risk in risks:
        if ids[risk.number] in reserved:
            was = ids[risk.number]
            ids[risk.number] = next_id(taken)
            taken.add(ids[risk.number])
            imp.warn(
                risk.line,
                f"Risk #{risk.number} becomes {ids[risk.number]}: {was} was "
                "used before and removed, and ids are never reused",
            )
    return ids


def build_import(
    doc: PlanDocument,
    numbers: Mapping[int, int] | None = None,
    reserved: Collection[str] = (),
) -> ImportResult:
    """Judge and convert a read plan: the files to write and the findings.

    ``numbers`` maps a plan's risk number to the id number it is imported as (default: the
    same), so that an import can be renumbered above the ids a register already uses;
    ``reserved`` holds the ids the target register used and removed
    (:func:`bot.repo.ids.removed_ids`), which are never given again.
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
        {"name": re.sub(r"\s+risks?$", "", c.key, flags=re.I), "description": c.text}
        for c in doc.categories
    ]
    if not categories:
        categories = planpolicy.template("categories")
        names = ", ".join(str(c["name"]) for c in categories)
        imp.missing("categories", f"riskbot's default categories {names}")
    rows = {row.number: row for row in doc.matrix}
    if not doc.matrix and doc.risks:
        imp.missing("matrix", "no risk gets a review cadence or mitigation status", verb="so")
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
        descriptions={str(c["name"]): str(c.get("description", "")) for c in categories},
        owners=owners,
        rows=rows,
        identified=planning_date.value if planning_date else None,
        ids=import_ids(imp, doc.risks, reserved, numbers),
    )
    risk_files: dict[str, tuple[PlanRisk, dict[str, Any]]] = {}
    for risk in doc.risks:
        data = _risk_data(imp, risk, ctx)
        if data is not None:
            name = risk_file_name(str(data["id"]), risk.title)
            risk_files[name] = (risk, data)
            result.risks[risk.number] = name
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
        if f.code not in DERIVED:
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


def import_plan(
    text: str,
    name: str,
    numbers: Mapping[int, int] | None = None,
    reserved: Collection[str] = (),
) -> ImportResult:
    """Read and convert a plan: the files it would write, warnings and errors with plan lines."""
    return build_import(read_plan(text, name), numbers, reserved)


def ids_in_use(out: Path, result: ImportResult | FilesHolder) -> dict[int, list[str]]:
    """The risk ids the register under ``out`` already uses (number → its files), leaving out
    the files this import would replace. The id of a file is its name's and its ``id:``'s."""
    used: dict[int, list[str]] = {}
    for source in scan(out).risks:  # found and read as check finds and reads them
        name = source.name
        if name in result.files:
            continue
        base = name.rsplit("/", 1)[-1]
        numbers = {int(m.group(1))} if (m := ID_IN_NAME.match(base)) else set()
        loaded = load_yaml(name, source.raw)  # a refused file has no bytes: its name counts
        declared = loaded.data.get("id") if loaded.ok else None
        if isinstance(declared, str) and (m := ID_IN_NAME.match(declared)):
            numbers.add(int(m.group(1)))
        for number in numbers:
            used.setdefault(number, []).append(name)
    return used


def renumbering(numbers: Iterable[int], used: Iterable[int]) -> dict[int, int]:
    """Plan risk number → id number: the same when no id is taken, else every imported risk
    above the highest id in use, in the plan's order (so their order is kept).

    ``used`` is every id number the register holds; any set will do (a history of ids too).
    """
    wanted, taken = sorted(set(numbers)), set(used)
    if not taken & set(wanted):
        return {}
    top = max(taken)
    return {n: top + i for i, n in enumerate(wanted, start=1)}


def import_into(
    text: str, name: str, out: Path, *, renumber: bool = True, reserved: Collection[str] = ()
) -> tuple[ImportResult, dict[int, int]]:
    """Import a plan for the register under ``out``: ids that clash with the ones it already
    uses are renumbered (or, without ``renumber``, refused with the list), and ids it used and
    removed (``reserved``) are never given again; nothing is written.
    """
    result = import_plan(text, name, reserved=reserved)
    if not result.ok:
        return result, {}
    used = ids_in_use(out, result)
    numbers = renumbering(result.risks, used)
    if not numbers:
        return result, {}
    if not renumber:
        clashes = sorted(set(result.risks) & set(used))
        listed = ", ".join(f"{risk_id(n)} ({', '.join(used[n])})" for n in clashes)
        raise ImportRefused(
            f"ids already used under {out / RISKS_DIR}: {listed}; nothing was written. "
            f"Use --renumber to import the plan's risks as {risk_id(min(numbers.values()))} "
            "onwards"
        )
    return import_plan(text, name, numbers, reserved), numbers


def schema_files() -> dict[str, str]:
    """The schemas riskbot ships, as init writes them (``schema/*.schema.json``)."""
    return {
        f"{SCHEMA_FOLDER}/{path.name}": path.read_text(encoding="utf-8")
        for path in sorted(schema_dir().glob("*.schema.json"))
    }


def write_import(result: ImportResult, out: Path, *, force: bool = False) -> list[Path]:
    """Write every file of a clean import, and the schemas its files name, or none: existing
    files are refused unless ``force`` (a schema already there as riskbot ships it is kept)."""
    if not result.ok:
        raise ImportRefused("the plan has errors; nothing was written")
    return write_register(result.files, out, force=force)


def write_register(written: Mapping[str, str], out: Path, *, force: bool = False) -> list[Path]:
    """Write these files and the schemas they name, all or none (see :func:`write_import`)."""
    files = dict(sorted(written.items()))
    for name, text in schema_files().items():
        path = out / name
        if not (path.is_file() and path.read_bytes() == text.encode("utf-8")):
            files[name] = text
    targets = [(out / name, text) for name, text in files.items()]
    return output.write_files(out, targets, replace=force, refused=ImportRefused)
