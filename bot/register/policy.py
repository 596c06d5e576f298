"""The policy: the plan's scales, bands, cadences, roles, escalation rules and buffers, as data.

The policy file is validated against ``policy.schema.json`` first; ``policy_from_data`` then
turns the valid mapping into typed values and reports the cross-references the schema cannot
express (a rule naming an unknown role, a band pointing at an unknown cadence).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from bot.register.findings import Finding, error

RISK_OWNER = "risk-owner"
"""The escalation word for "whoever owns the risk"."""

BAND_ORDER = ("red", "yellow", "green")
R = TypeVar("R", bound="Rule")


@dataclass(frozen=True, slots=True)
class ImpactLevel:
    level: int
    label: str
    meaning: str
    slip_min_weeks: float
    slip_max_weeks: float

    @property
    def slip_weeks(self) -> float:
        """Expected schedule slip in weeks: the midpoint of the level's range."""
        return (self.slip_min_weeks + self.slip_max_weeks) / 2


@dataclass(frozen=True, slots=True)
class ProbabilityLevel:
    level: int
    label: str
    range: str
    percent_min: float
    percent_max: float

    @property
    def likelihood(self) -> float:
        """Probability as a fraction: the midpoint of the level's range."""
        return (self.percent_min + self.percent_max) / 200


@dataclass(frozen=True, slots=True)
class Band:
    name: str
    label: str
    min_score: int
    meaning: str
    monitoring: str


@dataclass(frozen=True, slots=True)
class Role:
    id: str
    name: str
    short: str
    logins: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Phase:
    name: str
    description: str
    counts_toward: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Release:
    name: str
    buffer_weeks: float
    note: str


@dataclass(frozen=True, slots=True)
class Rule:
    """One escalation threshold: when it fires is code (:mod:`bot.register.rules`); its numbers
    and whom it names are policy. The defaults of the numbers live here, and only here."""

    key: str
    label: str
    description: str
    notify: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NewRed(Rule):
    """A risk that becomes Red: immediate escalation."""


@dataclass(frozen=True, slots=True)
class ScoreIncrease(Rule):
    """A score that rises by ``min_increase`` or more: team lead review."""

    min_increase: int = 5


@dataclass(frozen=True, slots=True)
class SameLevel(Rule):
    """``min_risks`` or more open risks in one of ``bands`` at once: steering committee."""

    min_risks: int = 2
    bands: tuple[str, ...] = ("red",)


@dataclass(frozen=True, slots=True)
class ScheduleImpact(Rule):
    """Schedule impact above a week (impact ``min_impact`` or more): program sponsor review."""

    min_impact: int = 3


RULE_TYPES: Mapping[str, type[Rule]] = {
    "new_red": NewRed,
    "score_increase": ScoreIncrease,
    "same_level": SameLevel,
    "schedule_impact": ScheduleImpact,
}


@dataclass(frozen=True)
class Policy:
    program: str
    impact_scale: Mapping[int, ImpactLevel]
    probability_scale: Mapping[int, ProbabilityLevel]
    bands: tuple[Band, ...]
    cadences: Mapping[str, int]
    cadence_labels: Mapping[str, str]
    quarterly_scope: str
    categories: Mapping[str, str]
    phases: Mapping[str, Phase]
    releases: Mapping[str, Release]
    roles: tuple[Role, ...]
    escalation_path: tuple[str, ...]
    rules: Mapping[str, Rule]
    label: str = "risk"
    write_budget: int = 30
    max_rate_limit_wait: float = 300.0
    planning_date: str | None = None
    plan: str = ""

    def band_for(self, score: int) -> Band:
        """The band a score falls in: the first band, highest threshold first, it reaches."""
        for band in self.bands:
            if score >= band.min_score:
                return band
        return self.bands[-1]

    def band(self, name: str) -> Band:
        for band in self.bands:
            if band.name == name:
                return band
        raise KeyError(name)

    def role(self, ident: str) -> Role | None:
        """Find a role by id, full name or short form (case-insensitive)."""
        return self._role_index.get(ident.strip().casefold())

    @cached_property
    def _role_index(self) -> dict[str, Role]:
        """Every way to name a role, casefolded; the first role a name fits keeps it."""
        index: dict[str, Role] = {}
        for role in self.roles:
            for name in (role.id, role.name, role.short):
                index.setdefault(name.casefold(), role)
        return index

    def cadence_days(self, name: str) -> int | None:
        return self.cadences.get(name)

    def _rule(self, kind: type[R]) -> R | None:
        rule = next((r for r in self.rules.values() if type(r) is kind), None)
        return rule if isinstance(rule, kind) else None

    @property
    def new_red(self) -> NewRed | None:
        return self._rule(NewRed)

    @property
    def score_increase(self) -> ScoreIncrease | None:
        return self._rule(ScoreIncrease)

    @property
    def same_level(self) -> SameLevel | None:
        return self._rule(SameLevel)

    @property
    def schedule_impact(self) -> ScheduleImpact | None:
        return self._rule(ScheduleImpact)


def _rule(key: str, data: Mapping[str, Any]) -> Rule:
    """A typed rule from its policy entry; numbers the entry leaves out keep their defaults."""
    kind = RULE_TYPES[key]
    params: dict[str, Any] = {}
    if kind is ScoreIncrease and "min_increase" in data:
        params["min_increase"] = int(data["min_increase"])
    if kind is SameLevel:
        if "min_risks" in data:
            params["min_risks"] = int(data["min_risks"])
        if "bands" in data:
            params["bands"] = tuple(str(b) for b in data["bands"])
    if kind is ScheduleImpact and "min_impact" in data:
        params["min_impact"] = int(data["min_impact"])
    return kind(
        key=key,
        label=str(data.get("label", key.replace("_", " "))),
        description=str(data.get("description", "")),
        notify=tuple(data.get("notify", ())),
        **params,
    )


def policy_from_data(
    data: Mapping[str, Any], file: str, line_of: Any = None
) -> tuple[Policy | None, list[Finding]]:
    """Build a Policy from schema-valid data; report cross-references the schema cannot check."""
    findings: list[Finding] = []

    def where(path: str) -> int:
        return int(line_of(path)) if line_of is not None else 1

    impact = {
        int(i["level"]): ImpactLevel(
            int(i["level"]),
            str(i["label"]),
            str(i.get("meaning", "")),
            float(i["schedule_slip_weeks"]["min"]),
            float(i["schedule_slip_weeks"]["max"]),
        )
        for i in data["impact_scale"]
    }
    probability = {
        int(p["level"]): ProbabilityLevel(
            int(p["level"]),
            str(p["label"]),
            str(p.get("range", "")),
            float(p["percent"]["min"]),
            float(p["percent"]["max"]),
        )
        for p in data["probability_scale"]
    }
    for name, scale in (("impact_scale", impact), ("probability_scale", probability)):
        if sorted(scale) != [1, 2, 3, 4, 5]:
            findings.append(
                error(
                    file,
                    where(f"$.{name}"),
                    f"{name} must define levels 1 to 5 exactly once",
                    path=f"$.{name}",
                    code="policy",
                )
            )
    cadences = {str(c["name"]): int(c["days"]) for c in data["cadences"]}
    cadence_labels = {str(c["name"]): str(c.get("label", c["name"])) for c in data["cadences"]}
    bands = tuple(
        sorted(
            (
                Band(
                    str(b["name"]),
                    str(b.get("label", b["name"])),
                    int(b["min_score"]),
                    str(b.get("meaning", "")),
                    str(b["monitoring"]),
                )
                for b in data["bands"]
            ),
            key=lambda b: -b.min_score,
        )
    )
    if sorted(b.name for b in bands) != sorted(BAND_ORDER):
        findings.append(
            error(
                file,
                where("$.bands"),
                "bands must be exactly red, yellow and green",
                path="$.bands",
                code="policy",
            )
        )
    elif [b.name for b in bands] != list(BAND_ORDER):
        findings.append(
            error(
                file,
                where("$.bands"),
                "band thresholds must rise from green to yellow to red",
                path="$.bands",
                code="policy",
            )
        )
    for i, band in enumerate(data["bands"]):
        if band["monitoring"] not in cadences:
            findings.append(
                error(
                    file,
                    where(f"$.bands[{i}].monitoring"),
                    f"band '{band['name']}' names unknown cadence '{band['monitoring']}'",
                    path=f"$.bands[{i}].monitoring",
                    code="policy",
                )
            )
    roles = tuple(
        Role(
            str(r["id"]),
            str(r["name"]),
            str(r.get("short", r["name"])),
            tuple(str(x) for x in r.get("logins", ())),
        )
        for r in data["roles"]
    )
    role_ids = {r.id for r in roles}
    seen: set[str] = set()
    for i, r in enumerate(roles):
        if r.id in seen or r.id == RISK_OWNER:
            findings.append(
                error(
                    file,
                    where(f"$.roles[{i}].id"),
                    f"role id '{r.id}' is reserved or defined twice",
                    path=f"$.roles[{i}].id",
                    code="policy",
                )
            )
        seen.add(r.id)
    escalation = data["escalation"]
    rules = {key: _rule(key, escalation[key]) for key in RULE_TYPES if key in escalation}
    path = tuple(str(p) for p in escalation["path"])
    for where_path, ids in [("$.escalation.path", path)] + [
        (f"$.escalation.{k}.notify", r.notify) for k, r in rules.items()
    ]:
        for ident in ids:
            if ident != RISK_OWNER and ident not in role_ids:
                findings.append(
                    error(
                        file,
                        where(where_path),
                        f"unknown role '{ident}' (roles: {', '.join(sorted(role_ids))})",
                        path=where_path,
                        code="policy",
                    )
                )
    releases = {
        str(r["name"]): Release(str(r["name"]), float(r["buffer_weeks"]), str(r.get("note", "")))
        for r in data["releases"]
    }
    phases = {
        str(p["name"]): Phase(
            str(p["name"]),
            str(p.get("description", "")),
            tuple(str(x) for x in p.get("counts_toward", ())),
        )
        for p in data["phases"]
    }
    for i, phase in enumerate(phases.values()):
        for rel in phase.counts_toward:
            if rel not in releases:
                findings.append(
                    error(
                        file,
                        where(f"$.phases[{i}].counts_toward"),
                        f"phase '{phase.name}' counts toward unknown release '{rel}'",
                        path=f"$.phases[{i}].counts_toward",
                        code="policy",
                    )
                )
    bot = data.get("bot", {})
    if any(f.severity == "error" for f in findings):
        return None, findings
    policy = Policy(
        program=str(data["program"]),
        plan=str(data.get("plan", "")),
        planning_date=data.get("planning_date"),
        impact_scale=impact,
        probability_scale=probability,
        bands=bands,
        cadences=cadences,
        cadence_labels=cadence_labels,
        quarterly_scope=str(data.get("quarterly_review", {}).get("scope", "")),
        categories={str(c["name"]): str(c.get("description", "")) for c in data["categories"]},
        phases=phases,
        releases=releases,
        roles=roles,
        escalation_path=path,
        rules=rules,
        label=str(bot.get("label", "risk")),
        write_budget=int(bot.get("write_budget", 30)),
        max_rate_limit_wait=float(bot.get("max_rate_limit_wait", 300)),
    )
    return policy, findings
