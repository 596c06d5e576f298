"""The policy a plan states: scales, bands, cadences, releases, phases, roles and escalation.

Each piece is read from its section of the plan (see :mod:`bot.planparse`); what the plan leaves
open is assumed, said so in a warning or in the policy file's header, and never invented silently.
A section the plan lacks altogether costs a warning, on the line where it was expected, and the
value riskbot's own policy template (`riskbot init`'s `.github/riskbot.yml`) has for it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

import yaml

from bot.documents.init import policy_template
from bot.documents.planparse import Item, PlanDocument, words_of
from bot.intake.writer import RiskDumper
from bot.register import defaults
from bot.register.findings import Finding, error, warning
from bot.register.policy import RISK_OWNER
from bot.register.presets import PLAN_BAND_WORDS, PLAN_BANDS

POLICY_SCHEMA_COMMENT = "# yaml-language-server: $schema=../schema/policy.schema.json"
# Review words of the plan and their length in days (a month is 30 days, a quarter 91).
CADENCE_DAYS = {"daily": 1, "weekly": 7, "bi-weekly": 14, "monthly": 30, "quarterly": 91}
WEEKS_PER_MONTH = 52 / 12
DEFAULT_BOT = {
    "label": defaults.LABEL,
    "write_budget": defaults.WRITE_BUDGET,
    "max_rate_limit_wait": int(defaults.MAX_RATE_LIMIT_WAIT),
    "timezone": defaults.TIMEZONE,
}
# A band's colour as plans write it ("Amber" is yellow). Data: add a plan's word there.
BAND_NAMES = PLAN_BAND_WORDS
# How each missing part is named in its warning, with an example of what the plan could say.
PART_WORDS = {
    "categories": ("risk categories", "'### Risk Categories' with '- **Technical Risk**: ...'"),
    "impact": ("impact levels", "'Impact Levels:' then '4 = Major (schedule slip 1-3 months)'"),
    "probability": ("probability levels", "'Probability Levels:' then '4 = Likely (50-80%)'"),
    "bands": ("score bands", "'Risk Score = Impact × Probability' then 'Red = 15+ (...)'"),
    "matrix": ("risk response matrix", "'## Risk Response Matrix' with a '| Risk ID | ...' table"),
    "monitoring": ("monitoring schedule", "'### Monitoring Schedule' with '- **Daily**: (Red)'"),
    "escalation path": ("escalation path", "'### Escalation Path' with '1. **Risk Owner** ...'"),
    "escalation thresholds": (
        "escalation thresholds",
        "'### Escalation Thresholds' with '- New Red risk detected → Immediate escalation'",
    ),
    "timeline buffer": (
        "timeline buffer",
        "'### Timeline Buffer' with '- **v2**: 2 weeks built-in'",
    ),
}
# Where in the plan each piece is expected (see PlanDocument.expected_line).
PART_OF = {"impact": "scoring", "probability": "scoring", "bands": "scoring"}
# A phase that names a release: a version (v3, 2.0, R2) or a word releases are called by.
RELEASE_NAME = re.compile(
    r"(?i)^(?:v?\d+(?:\.\d+)*|[a-z]{1,8}[ -]?\d+(?:\.\d+)*|alpha|beta|pilot|ga|mvp|preview|launch)$"
)
ALL_PHASE_WORDS = {"all", "all releases", "every release", "all phases", "always", "ongoing"}
LONG_TERM_WORDS = {"long term", "long-term", "longterm", "future", "beyond", "later"}
LATER_SUFFIX = re.compile(r"(?i)^(.+?)\s*(?:\+|and later|and beyond|onwards?|or later)$")
SAME_LEVEL_WORDS = ("same level", "multiple risks", "several risks", "two or more")
NO_RELEASE = "next"
"""The one release a plan that names none is given (its buffer 0 weeks)."""


@cache
def _template() -> dict[str, Any]:
    loaded = yaml.safe_load(policy_template().read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def template(key: str) -> Any:
    """A part of riskbot's own policy template, the default of a part a plan lacks (a copy)."""
    return copy.deepcopy(_template()[key])


def band_name(label: str) -> str | None:
    """``Amber`` → ``yellow``: the band a plan's colour word stands for."""
    return BAND_NAMES.get(label.strip().casefold())


def slug_role(name: str) -> str:
    """A role id from its name: ``Steering Committee`` → ``steering-committee``."""
    ident = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    return ident if re.match(r"^[a-z]", ident) else f"role-{ident}"


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value == int(value) else value


class PlanJudge:
    """Findings about one plan (with its lines) and the assumptions made where it is silent."""

    def __init__(self, doc: PlanDocument) -> None:
        self.doc = doc
        self.findings: list[Finding] = list(doc.errors)
        self.assumed: list[str] = []

    def warn(self, line: int, message: str) -> None:
        self.findings.append(warning(self.doc.name, line, message, code="plan"))

    def fail(self, line: int, message: str) -> None:
        self.findings.append(error(self.doc.name, line, message, code="plan"))

    def missing(self, part: str, default: str, *, verb: str = "using") -> None:
        """Warn that the plan lacks a part, where it was expected, and what is used instead."""
        what, example = PART_WORDS[part]
        line = self.doc.expected_line(PART_OF.get(part, part))
        self.warn(line, f"no {what} found (expected here, e.g. {example}); {verb} {default}")
        self.assumed.append(f"{what}: {default}")

    # -- the scoring matrix -------------------------------------------------------------
    def impact_scale(self) -> list[dict[str, Any]]:
        """Impact levels 1-5 with their schedule slip in weeks (assumed where unstated)."""
        if not self.doc.impact_levels:
            scale: list[dict[str, Any]] = template("impact_scale")
            self.missing("impact", "riskbot's default: " + _levels_text(scale))
            return scale
        levels = sorted(self.doc.impact_levels, key=lambda x: x.level)
        if [x.level for x in levels] != [1, 2, 3, 4, 5]:
            self.fail(
                self.doc.scoring_line,
                "the scoring matrix must list impact levels 1 to 5 "
                "('Impact Levels:' then lines like '4 = Major (schedule slip 1-3 months)')",
            )
            return []
        slips = [self._slip(x.detail) for x in levels]
        out: list[dict[str, Any]] = []
        for i, (level, slip) in enumerate(zip(levels, slips, strict=True)):
            if slip is None:
                low = out[-1]["schedule_slip_weeks"]["max"] if out else 0
                nxt = next((s for s in slips[i + 1 :] if s is not None), None)
                high = nxt[0] if nxt is not None else 2 * low
                slip = (low, high)
                if high:
                    self.warn(
                        level.line,
                        f"impact level {level.level} '{level.label}' states no "
                        f"schedule slip; assumed {low}-{high} weeks for exposure",
                    )
                    self.assumed.append(f"impact level {level.level} slips {low}-{high} weeks")
            out.append(
                {
                    "level": level.level,
                    "label": level.label,
                    "meaning": level.detail,
                    "schedule_slip_weeks": {"min": slip[0], "max": slip[1]},
                }
            )
        return out

    @staticmethod
    def _slip(meaning: str) -> tuple[float | int, float | int] | None:
        unit = r"(week|month)s?"
        if m := re.search(rf"<\s*(\d+(?:\.\d+)?)\s*{unit}", meaning):
            return 0, _weeks(m.group(1), m.group(2))
        if m := re.search(rf"(\d+(?:\.\d+)?)\s*[-–]\s*(\d+(?:\.\d+)?)\s*{unit}", meaning):
            return _weeks(m.group(1), m.group(3)), _weeks(m.group(2), m.group(3))
        return None

    def probability_scale(self) -> list[dict[str, Any]]:
        """Probability levels 1-5 with their percent ranges."""
        if not self.doc.probability_levels:
            scale: list[dict[str, Any]] = template("probability_scale")
            self.missing("probability", "riskbot's default: " + _levels_text(scale))
            return scale
        levels = sorted(self.doc.probability_levels, key=lambda x: x.level)
        if [x.level for x in levels] != [1, 2, 3, 4, 5]:
            self.fail(
                self.doc.scoring_line,
                "the scoring matrix must list probability levels 1 "
                "to 5 ('Probability Levels:' then lines like '4 = Likely (50-80%)')",
            )
            return []
        out: list[dict[str, Any]] = []
        for level in levels:
            d = level.detail.replace(" ", "")
            if m := re.fullmatch(r"<(\d+(?:\.\d+)?)%", d):
                low, high = "0", m.group(1)
            elif m := re.fullmatch(r">(\d+(?:\.\d+)?)%", d):
                low, high = m.group(1), "100"
            elif m := re.fullmatch(r"(\d+(?:\.\d+)?)%?[-–](\d+(?:\.\d+)?)%", d):
                low, high = m.group(1), m.group(2)
            else:
                self.fail(
                    level.line,
                    f"probability level {level.level} needs a percent range "
                    f"like (5-20%), (<5%) or (>80%), not '{level.detail}'",
                )
                continue
            out.append(
                {
                    "level": level.level,
                    "label": level.label,
                    "range": level.detail,
                    "percent": {"min": _number(low), "max": _number(high)},
                }
            )
        return out

    def band_names(self) -> dict[str, str]:
        """Each band label of the plan → red, yellow or green: by its colour word ("Amber"),
        else, for three bands named otherwise ("High", "Medium", "Low"), by threshold rank."""
        named = {b.label.casefold(): band_name(b.label) for b in self.doc.bands}
        if all(named.values()) or len(self.doc.bands) != 3:
            return {k: v for k, v in named.items() if v}
        ranked = sorted(self.doc.bands, key=lambda b: -(_lowest_score(b.threshold, None) or 0))
        return {b.label.casefold(): n for b, n in zip(ranked, PLAN_BANDS, strict=True)}

    def bands(self, monitoring: Mapping[str, str]) -> list[dict[str, Any]]:
        """Red, Yellow and Green with their lowest score and monitoring cadence."""
        if not self.doc.bands:
            defaults: list[dict[str, Any]] = template("bands")
            for default in defaults:
                default["monitoring"] = monitoring.get(default["name"], default["monitoring"])
            shown = ", ".join(f"{b['label']} {b['min_score']}+" for b in defaults)
            self.missing("bands", f"riskbot's default bands {shown}")
            return defaults
        out: list[dict[str, Any]] = []
        names = self.band_names()
        for band in self.doc.bands:
            name = names.get(band.label.casefold())
            low = _lowest_score(band.threshold, None)
            if low is None:
                self.fail(
                    band.line,
                    f"band '{band.label}' needs a score range like 15+, 8-14 "
                    f"or <8, not '{band.threshold}'",
                )
                continue
            if name is None:
                self.fail(
                    band.line,
                    f"band '{band.label}' is not a colour riskbot knows "
                    f"({', '.join(b.capitalize() for b in BAND_NAMES)})",
                )
                continue
            if name not in monitoring:
                self.fail(
                    band.line,
                    f"the monitoring schedule names no cadence for "
                    f"'{band.label}' risks (expected e.g. '- **Daily**: ({band.label}) risks')",
                )
                continue
            out.append(
                {
                    "name": name,
                    "label": band.label,
                    "min_score": low,
                    "meaning": band.meaning,
                    "monitoring": monitoring[name],
                }
            )
        if sorted(b["name"] for b in out) != sorted(PLAN_BANDS) and not any(
            f.severity == "error" for f in self.findings
        ):
            self.fail(
                self.doc.scoring_line,
                "the scoring matrix must define the bands Red, "
                "Yellow and Green ('Red = 15+ (meaning)')",
            )
        out.sort(key=lambda b: -b["min_score"])
        return out

    # -- sections 4 and 5 ---------------------------------------------------------------
    def monitoring(self) -> tuple[dict[str, str], str]:
        """Band name → cadence name, and the quarterly review's scope."""
        scope = str(template("quarterly_review")["scope"])
        if not self.doc.monitoring:
            defaults = {str(b["name"]): str(b["monitoring"]) for b in template("bands")}
            shown = ", ".join(f"{n} {c}" for n, c in defaults.items())
            self.missing("monitoring", f"riskbot's default cadences ({shown})")
            return defaults, scope
        by_band: dict[str, str] = {}
        band_labels = {b.label.casefold() for b in self.doc.bands} | set(BAND_NAMES)
        for item in self.doc.monitoring:
            cadence, label = cadence_name(item.key), ""
            if band := re.search(r"\(([^)]+)\)", item.text):  # "- **Daily**: Critical (Red)"
                label = band.group(1).casefold()
            elif self.band_names().get(item.key.casefold()) or band_name(item.key):
                # "- **Red**: daily": the band first, then its cadence.
                label = item.key.casefold()
                cadence = cadence_name(item.text.split()[0]) if item.text else ""
            name = self.band_names().get(label) or band_name(label)
            if name and cadence in CADENCE_DAYS:
                by_band[name] = cadence
            elif cadence == "quarterly":
                scope = item.text
                first = re.match(r"(\w+) risks\b", item.text)
                if first and first.group(1).casefold() not in band_labels | {"all"}:
                    scope = "all risks" + item.text[first.end() :]
                    self.warn(
                        item.line,
                        f"'{first.group(0)}' matches no band (bands: "
                        f"{', '.join(b.label for b in self.doc.bands)}); the quarterly "
                        f"review is taken to cover {scope}",
                    )
            else:
                self.warn(
                    item.line,
                    f"monitoring entry '{item.key}' names no band in "
                    "parentheses and is not the quarterly review; ignored",
                )
        return by_band, scope

    def releases(self) -> list[dict[str, Any]]:
        """The releases of the timeline buffer, with their buffers in weeks."""
        if not self.doc.buffers:
            names = release_names_in(r.phase for r in self.doc.risks)
            if not names:
                names = [NO_RELEASE]
            self.missing(
                "timeline buffer",
                f"the releases the risk headings name ({', '.join(names)}), "
                "each with no buffer (0 weeks)",
            )
            return [{"name": n, "buffer_weeks": 0} for n in names]
        out: list[dict[str, Any]] = []
        for item in self.doc.buffers:
            m = re.match(r"(\d+(?:\.\d+)?)\s*weeks?\b[^(]*(?:\((.*)\))?", item.text)
            if m is None:
                self.fail(
                    item.line,
                    f"timeline buffer of '{item.key}' needs a number of weeks, "
                    f"like '- **v2**: 2 weeks built-in (why)'",
                )
                continue
            release: dict[str, Any] = {"name": item.key, "buffer_weeks": _number(m.group(1))}
            if m.group(2):
                release["note"] = m.group(2).strip()
            out.append(release)
        return out


def _lowest_score(threshold: str, otherwise: int | None) -> int | None:
    """The lowest score of a band's range: ``15+`` → 15, ``8-14`` → 8, ``<8`` → 1."""
    t = threshold.replace(" ", "").replace("≥", "").replace(">=", "")
    if m := re.fullmatch(r"(\d+)(?:\+|[-–]\d+)?", t):
        return int(m.group(1))
    if re.fullmatch(r"(?:<|≤|<=)\d+", t):
        return 1
    return otherwise


def _levels_text(scale: Sequence[Mapping[str, Any]]) -> str:
    return ", ".join(f"{x['level']} {x['label']}" for x in scale)


def release_names_in(phases: Iterable[str | None]) -> list[str]:
    """The releases risk headings name (``(v3)``, ``(GA+)``), in version order where numbered."""
    found: list[str] = []
    for phase in phases:
        if phase is None:
            continue
        base = m.group(1) if (m := LATER_SUFFIX.match(phase.strip())) else phase.strip()
        if RELEASE_NAME.match(base) and base.casefold() not in {f.casefold() for f in found}:
            found.append(base)
    if found and all(re.search(r"\d", n) for n in found):
        found.sort(key=lambda n: [int(x) for x in re.findall(r"\d+", n)])
    return found


def phase_of(raw: str, releases: Sequence[str]) -> str | None:
    """The policy phase a heading's ``(…)`` names, loosely: ``GA+``, ``All releases``."""
    text = raw.strip()
    folded = {r.casefold(): r for r in releases}
    if text.casefold() in folded:
        return folded[text.casefold()]
    plain = " ".join(words_of(text))
    if plain in ALL_PHASE_WORDS:
        return "All"
    if plain in LONG_TERM_WORDS or text.casefold() in LONG_TERM_WORDS:
        return "Long-term"
    if (m := LATER_SUFFIX.match(text)) and m.group(1).strip().casefold() in folded:
        return f"{folded[m.group(1).strip().casefold()]}+"
    return None


def _weeks(value: str, unit: str) -> float | int:
    """Weeks as the plan gives them; months in whole weeks (1-3 months is 4-13 weeks)."""
    if unit.startswith("month"):
        return round(float(value) * WEEKS_PER_MONTH)
    return _number(value)


def cadence_name(word: str) -> str:
    """``Bi-weekly`` → ``bi-weekly``, ``Biweekly`` → ``bi-weekly``."""
    name = re.sub(r"[\s_]+", "-", word.strip().casefold())
    return "bi-weekly" if name in ("biweekly", "bi-weekly", "fortnightly") else name


def roles(
    judge: PlanJudge,
    owners: Mapping[int, list[str]],
    shorts: Mapping[str, str],
    path: Sequence[Item],
) -> tuple[list[dict[str, Any]], list[str]]:
    """Roles (owners first, then the escalation path's) and the path as role ids."""
    roles: dict[str, dict[str, Any]] = {}
    for names in owners.values():
        for name in names:
            if name.casefold() not in roles:
                role: dict[str, Any] = {"id": slug_role(name), "name": name}
                if shorts.get(name) and shorts[name] != name:
                    role["short"] = shorts[name]
                roles[name.casefold()] = role
    steps: list[str] = []
    for item in path:
        if item.key.casefold() in ("risk owner", "risk owners", "owner"):
            steps.append(RISK_OWNER)
            continue
        if item.key.casefold() not in roles:
            roles[item.key.casefold()] = {"id": slug_role(item.key), "name": item.key}
        steps.append(roles[item.key.casefold()]["id"])
    if not steps:
        # riskbot's default path, with its roles (a role the plan already has is reused).
        defaults = {str(r["id"]): r for r in template("roles")}
        for ident in template("escalation")["path"]:
            if ident == RISK_OWNER:
                steps.append(RISK_OWNER)
                continue
            name = str(defaults[ident]["name"])
            roles.setdefault(name.casefold(), {"id": slug_role(name), "name": name})
            steps.append(roles[name.casefold()]["id"])
        shown = " → ".join("Risk Owner" if s == RISK_OWNER else _role_name(roles, s) for s in steps)
        judge.missing("escalation path", f"riskbot's default path {shown}")
    out = list(roles.values())
    for role in out:
        role["logins"] = []
    return out, steps


def _role_name(roles: Mapping[str, Mapping[str, Any]], ident: str) -> str:
    return next((str(r["name"]) for r in roles.values() if r["id"] == ident), ident)


def default_rules(path: Sequence[str]) -> dict[str, Any]:
    """riskbot's default thresholds, each notifying the same steps of ``path`` as in its own
    (its path is risk owner → team lead → program sponsor → steering committee → board)."""
    escalation = template("escalation")
    own_path = list(escalation.pop("path"))
    for rule in escalation.values():
        rule["notify"] = list(
            dict.fromkeys(path[min(own_path.index(i), len(path) - 1)] for i in rule["notify"])
        )
    return dict(escalation)


def rules(
    judge: PlanJudge,
    thresholds: Sequence[Item],
    roles: Sequence[Mapping[str, Any]],
    path: Sequence[str],
    impact: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The escalation section: the path and the thresholds the plan states."""
    if not thresholds:
        defaults = default_rules(path)
        shown = "; ".join(str(r.get("description", k)) for k, r in defaults.items())
        judge.missing("escalation thresholds", f"riskbot's default rules ({shown})")
        return {"path": list(path), **defaults}
    rules: dict[str, Any] = {}
    for item in thresholds:
        cond = item.key.casefold()
        named = [r["id"] for r in roles if str(r["name"]).casefold() in item.text.casefold()]
        rule: dict[str, Any] = {}
        if "new" in cond and PLAN_BANDS[0] in cond:
            key = "new_red"
        elif m := re.search(r"(?:increases?|rises?|goes up|jumps?)\s+by\s+(\d+)", cond):
            key, rule = "score_increase", {"min_increase": int(m.group(1))}
        elif any(w in cond for w in SAME_LEVEL_WORDS):
            key, rule = "same_level", {"min_risks": 2, "bands": [PLAN_BANDS[0]]}
            judge.assumed.append("'multiple risks at same level' means two or more Red risks")
        elif m := re.search(r"schedule impact\s*>\s*(\d+(?:\.\d+)?)\s*weeks?", cond):
            limit = float(m.group(1))
            levels = [x["level"] for x in impact if x["schedule_slip_weeks"]["min"] >= limit]
            key, rule = "schedule_impact", {"min_impact": min(levels, default=5)}
        else:
            judge.warn(item.line, f"escalation threshold '{item.key}' is not understood; left out")
            continue
        if not named:
            # "Immediate escalation" names nobody: take the path up to the go/no-go decision.
            named = list(path[:3])
            judge.assumed.append(f"'{item.text}' notifies {', '.join(named)}")
        rules[key] = {
            **rule,
            "notify": named,
            "label": item.text,
            "description": f"{item.key} → {item.text}",
        }
    return {"path": list(path), **rules}


def phases(releases: Sequence[Mapping[str, Any]], used: set[str]) -> list[dict[str, Any]]:
    """Each release alone, ``vN+`` where the plan uses it, then All and Long-term."""
    names = [str(r["name"]) for r in releases]
    out: list[dict[str, Any]] = []
    for i, name in enumerate(names):
        out.append({"name": name, "description": f"Release {name} only", "counts_toward": [name]})
        if f"{name}+" in used:
            out.append(
                {
                    "name": f"{name}+",
                    "description": f"Release {name} and every later release",
                    "counts_toward": names[i:],
                }
            )
    out.append({"name": "All", "description": "Every planned release", "counts_toward": names})
    out.append(
        {"name": "Long-term", "description": "Beyond the planned releases", "counts_toward": []}
    )
    return out


def phase_names(releases: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every phase a risk heading may name."""
    names = [str(r["name"]) for r in releases]
    return [*names, *(f"{n}+" for n in names), "All", "Long-term"]


def program_name(doc: PlanDocument) -> str:
    """The program the plan is for (its title when it names none)."""
    if "program" in doc.fields:
        return doc.fields["program"].value
    return doc.title.value if doc.title else "Program"


def cadence_label(doc: PlanDocument, name: str) -> str:
    """The plan's own word for a cadence (``Bi-weekly``)."""
    words = [i.key for i in doc.monitoring] + [r.cells.get("review date", "") for r in doc.matrix]
    return next((w for w in words if w and cadence_name(w) == name), name.capitalize())


def render_policy(policy: Mapping[str, Any], doc: PlanDocument, assumed: Sequence[str]) -> str:
    """The policy file's text, with the importer's assumptions listed on top."""
    head = [POLICY_SCHEMA_COMMENT, "# riskbot policy: the program's risk management plan, encoded."]
    if doc.title:
        head.append(f"# Source: {doc.title.value} (imported by `riskbot import`).")
    head += [f"# Assumed (the plan does not say): {a}" for a in dict.fromkeys(assumed)]
    body = yaml.dump(dict(policy), Dumper=RiskDumper, sort_keys=False, allow_unicode=True, width=88)
    return "\n".join(head) + "\n" + body
