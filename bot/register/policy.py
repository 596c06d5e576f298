"""The policy: the method (scales, bands, formula), cadences, roles, escalation rules and
buffers, as data.

Plain values (levels, bands, phases, releases) are named tuples: immutable and comparable like
frozen dataclasses, and a tenth of their cost to define, which every run of ``check`` pays.

The policy file is validated against ``policy.schema.json`` first; ``policy_from_data`` then
turns the valid mapping into typed values (the method through :mod:`bot.register.method`) and
reports the cross-references the schema cannot express (a rule naming an unknown role or band, a
band pointing at an unknown cadence).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from bot.register import defaults
from bot.register.findings import Finding, JsonPath, error
from bot.register.method import (
    Band,
    DetectionLevel,
    ImpactLevel,
    Method,
    ProbabilityLevel,
    method_from_data,
)
from bot.register.suggest import did_you_mean

if TYPE_CHECKING:
    from bot.register.inherit import Inheritance

__all__ = [
    "AcceptancePolicy",
    "AcceptanceTerms",
    "Band",
    "DetectionLevel",
    "ImpactLevel",
    "Method",
    "Policy",
    "ProbabilityLevel",
    "policy_from_data",
]

RISK_OWNER = "risk-owner"
"""The escalation word for "whoever owns the risk"."""

R = TypeVar("R", bound="Rule")


@dataclass(frozen=True)
class Role:
    """A role of the plan, with the logins that act for it (who may be pinged or approve)."""

    id: str
    name: str
    short: str
    logins: tuple[str, ...]
    line: int = field(default=1, compare=False)
    """The policy line to fill in the role's logins (its ``logins:`` key, else the role)."""


class Phase(NamedTuple):
    """A phase of the program, and the releases its risks count toward."""

    name: str
    description: str
    counts_toward: tuple[str, ...]


class Release(NamedTuple):
    """A release, with the schedule buffer it holds against risk (in weeks)."""

    name: str
    buffer_weeks: float
    note: str


@dataclass(frozen=True)
class Rule:
    """One escalation threshold: when it fires is code (:mod:`bot.register.rules`); its numbers
    and whom it names are policy. The defaults of the numbers live here, and only here."""

    key: str
    label: str
    description: str
    notify: tuple[str, ...]


@dataclass(frozen=True)
class NewRed(Rule):
    """A risk that enters a band that opens an issue (the plan's "new Red risk"): immediate
    escalation."""


@dataclass(frozen=True)
class ScoreIncrease(Rule):
    """A score that rises by ``min_increase`` or more: team lead review."""

    min_increase: int = 5


@dataclass(frozen=True)
class SameLevel(Rule):
    """``min_risks`` or more open risks in one of ``bands`` at once: steering committee."""

    min_risks: int = 2
    bands: tuple[str, ...] = ()
    """The bands watched; the policy loader fills in the top band when the rule names none."""


@dataclass(frozen=True)
class ScheduleImpact(Rule):
    """Schedule impact above a week (impact ``min_impact`` or more): program sponsor review."""

    min_impact: int = 3


class AcceptanceTerms(NamedTuple):
    """Who approves accepting a risk of one band, and the longest term, in days."""

    authority: tuple[str, ...]
    """Role ids; empty: the program sponsor (see :func:`bot.register.approvals.sponsors`)."""
    max_days: int


@dataclass(frozen=True)
class AcceptancePolicy:
    """The policy's ``acceptance`` section, with its defaults, and each band's own terms."""

    cadence: str = defaults.ACCEPTANCE_CADENCE
    notice_days: int = defaults.ACCEPTANCE_NOTICE_DAYS
    authority: tuple[str, ...] = ()
    max_days: int = defaults.ACCEPTANCE_MAX_DAYS
    mark: str = defaults.ACCEPTANCE_MARK
    bands: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Each band's ``acceptance`` entry, by band name, as the policy file gives it."""

    def terms(self, band: str) -> AcceptanceTerms:
        """The terms of a band: its own where it names them, else the section's."""
        own = self.bands.get(band, {})
        authority = tuple(str(r) for r in own.get("authority", self.authority))
        return AcceptanceTerms(authority, int(own.get("max_days", self.max_days)))


RULE_TYPES: Mapping[str, type[Rule]] = {
    "new_red": NewRed,
    "score_increase": ScoreIncrease,
    "same_level": SameLevel,
    "schedule_impact": ScheduleImpact,
}


@dataclass(frozen=True)
class Policy:
    """The whole policy file, typed: what every check, score and escalation reads."""

    program: str
    method: Method
    cadences: Mapping[str, int]
    cadence_labels: Mapping[str, str]
    quarterly_scope: str
    categories: Mapping[str, str]
    phases: Mapping[str, Phase]
    releases: Mapping[str, Release]
    roles: tuple[Role, ...]
    escalation_path: tuple[str, ...]
    rules: Mapping[str, Rule]
    label: str = defaults.LABEL
    write_budget: int = defaults.WRITE_BUDGET
    max_rate_limit_wait: float = defaults.MAX_RATE_LIMIT_WAIT
    planning_date: str | None = None
    plan: str = ""
    acceptance: AcceptancePolicy = field(default_factory=AcceptancePolicy)
    data: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The policy file as read, so that two revisions can be compared key by key."""
    where: Callable[[JsonPath], int] | None = field(default=None, repr=False, compare=False)
    """Finds the line of a JSON path in the policy file (None: line 1 for every path)."""
    inherited: Inheritance | None = field(default=None, repr=False, compare=False)
    """The base policy this one extends, and which file each value came from (None: one file)."""

    @property
    def impact_scale(self) -> Mapping[int, ImpactLevel]:
        return self.method.impact_scale

    @property
    def probability_scale(self) -> Mapping[int, ProbabilityLevel]:
        return self.method.probability_scale

    @property
    def bands(self) -> tuple[Band, ...]:
        """The method's bands, highest first."""
        return self.method.bands

    def band_for(self, score: int) -> Band:
        """The band a score falls in: the first band, highest threshold first, it reaches."""
        return self.method.band_for(score)

    def band(self, name: str) -> Band:
        return self.method.band(name)

    @property
    def no_odds(self) -> str | None:
        """Why there are no schedule odds and no contingency exposure (None: there are)."""
        if not self.releases:
            return "the policy has no releases"
        return self.method.no_odds

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

    @cached_property
    def lines(self) -> Mapping[JsonPath, int]:
        """The line of each JSON path of :func:`bot.register.policydiff.flatten` (and each
        section): found when first asked, which only a policy diff does."""
        from bot.register.policydiff import flatten  # only pr compares policies

        paths = [v[1] for v in flatten(self.data).values()] + [(k,) for k in self.data]
        where = self.where
        return {path: where(path) if where is not None else 1 for path in paths}

    @cached_property
    def files(self) -> Mapping[JsonPath, str]:
        """The file of each JSON path of :attr:`lines` that is not the policy file itself (the
        vendored base, for a value the policy inherits)."""
        if self.inherited is None:
            return {}
        file_of = self.inherited.file_of
        return {path: file for path in self.lines if (file := file_of(path)) is not None}

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

    def where(path: JsonPath) -> int:
        return int(line_of(path)) if line_of is not None else 1

    method, found = method_from_data(data, file, where)
    findings += found
    cadences = {str(c["name"]): int(c["days"]) for c in data["cadences"]}
    cadence_labels = {str(c["name"]): str(c.get("label", c["name"])) for c in data["cadences"]}
    for i, band in enumerate(data["bands"]):
        if band["monitoring"] not in cadences:
            findings.append(
                error(
                    file,
                    where(("bands", i, "monitoring")),
                    f"band '{band['name']}' names unknown cadence '{band['monitoring']}'"
                    f"{did_you_mean(band['monitoring'], cadences)}; the cadences are "
                    f"{', '.join(cadences)}",
                    path=("bands", i, "monitoring"),
                    code="policy",
                )
            )
    roles = tuple(
        Role(
            str(r["id"]),
            str(r["name"]),
            str(r.get("short", r["name"])),
            tuple(str(x) for x in r.get("logins", ())),
            where(("roles", i, "logins") if "logins" in r else ("roles", i)),
        )
        for i, r in enumerate(data["roles"])
    )
    findings += _role_names(data["roles"], file, where)
    role_ids = {r.id for r in roles}
    seen: set[str] = set()
    for i, r in enumerate(roles):
        if r.id in seen or r.id == RISK_OWNER:
            why = (
                f"'{RISK_OWNER}' is reserved for the risk's own owner(s)"
                if r.id == RISK_OWNER
                else f"role id '{r.id}' is defined twice"
            )
            findings.append(
                error(
                    file,
                    where(("roles", i, "id")),
                    f"roles: {why}",
                    path=("roles", i, "id"),
                    code="policy",
                )
            )
        seen.add(r.id)
    escalation = data["escalation"]
    rules = {key: _rule(key, escalation[key]) for key in RULE_TYPES if key in escalation}
    path = tuple(str(p) for p in escalation["path"])
    for where_path, ids in [(("escalation", "path"), path)] + [
        (("escalation", k, "notify"), r.notify) for k, r in rules.items()
    ]:
        for index, ident in enumerate(ids):
            if ident != RISK_OWNER and ident not in role_ids:
                findings.append(
                    error(
                        file,
                        where((*where_path, index)),  # the item's own line
                        f"unknown role '{ident}'{did_you_mean(ident, sorted(role_ids))} "
                        f"(roles: {', '.join(sorted(role_ids))})",
                        path=(*where_path, index),
                        code="policy",
                    )
                )
    if method is not None:
        rules = _method_rules(rules, escalation, method, file, where, findings)
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
        for index, rel in enumerate(phase.counts_toward):
            if rel not in releases:
                findings.append(
                    error(
                        file,
                        where(("phases", i, "counts_toward", index)),
                        f"phase '{phase.name}' counts toward unknown release '{rel}'"
                        f"{did_you_mean(rel, releases)} (releases: {', '.join(releases)})",
                        path=("phases", i, "counts_toward", index),
                        code="policy",
                    )
                )
    acceptance = _acceptance(data, cadences, role_ids, file, where, findings)
    bot = data.get("bot", {})
    if method is None or any(f.severity == "error" for f in findings):
        return None, findings
    policy = Policy(
        program=str(data["program"]),
        plan=str(data.get("plan", "")),
        planning_date=data.get("planning_date"),
        method=method,
        cadences=cadences,
        cadence_labels=cadence_labels,
        quarterly_scope=str(data.get("quarterly_review", {}).get("scope", "")),
        categories={str(c["name"]): str(c.get("description", "")) for c in data["categories"]},
        phases=phases,
        releases=releases,
        roles=roles,
        escalation_path=path,
        rules=rules,
        label=str(bot.get("label", defaults.LABEL)),
        write_budget=int(bot.get("write_budget", defaults.WRITE_BUDGET)),
        max_rate_limit_wait=float(bot.get("max_rate_limit_wait", defaults.MAX_RATE_LIMIT_WAIT)),
        acceptance=acceptance,
        data=data,
        where=where,
    )
    return policy, findings


def _acceptance(
    data: Mapping[str, Any],
    cadences: Mapping[str, int],
    role_ids: set[str],
    file: str,
    where: Callable[[JsonPath], int],
    findings: list[Finding],
) -> AcceptancePolicy:
    """The acceptance section with its defaults; a cadence or role it names must exist."""
    section = data.get("acceptance", {})
    cadence = str(section.get("cadence", defaults.ACCEPTANCE_CADENCE))
    if "cadence" in section and cadence not in cadences:
        path: JsonPath = ("acceptance", "cadence")
        findings.append(
            error(
                file,
                where(path),
                f"acceptance.cadence names unknown cadence '{cadence}'"
                f"{did_you_mean(cadence, cadences)}; the cadences are {', '.join(cadences)}",
                path=path,
                code="policy",
            )
        )
    elif cadence not in cadences:  # the default, in a policy without it: the lowest band's
        cadence = str(data["bands"][-1]["monitoring"])
    bands = {
        str(band["name"]): band["acceptance"] for band in data["bands"] if "acceptance" in band
    }
    named: list[tuple[JsonPath, Any]] = [(("acceptance", "authority"), section.get("authority"))]
    named += [
        (("bands", i, "acceptance", "authority"), band.get("acceptance", {}).get("authority"))
        for i, band in enumerate(data["bands"])
    ]
    for path, ids in named:
        for ident in ids or ():
            if ident not in role_ids:
                findings.append(
                    error(
                        file,
                        where(path),
                        f"acceptance authority names unknown role '{ident}'"
                        f"{did_you_mean(ident, sorted(role_ids))} "
                        f"(roles: {', '.join(sorted(role_ids))})",
                        path=path,
                        code="policy",
                    )
                )
    return AcceptancePolicy(
        cadence=cadence,
        notice_days=int(section.get("notice_days", defaults.ACCEPTANCE_NOTICE_DAYS)),
        authority=tuple(str(r) for r in section.get("authority", ())),
        max_days=int(section.get("max_days", defaults.ACCEPTANCE_MAX_DAYS)),
        mark=str(section.get("mark", defaults.ACCEPTANCE_MARK)),
        bands=bands,
    )


def _method_rules(
    rules: dict[str, Rule],
    escalation: Mapping[str, Any],
    method: Method,
    file: str,
    where: Callable[[JsonPath], int],
    findings: list[Finding],
) -> dict[str, Rule]:
    """Rules that name bands or levels name the method's; the several-at-one-level rule watches
    the top band when it names none."""
    names = [b.name for b in method.bands]
    if (same := rules.get("same_level")) is not None and isinstance(same, SameLevel):
        for index, band in enumerate(same.bands):
            if band not in names:
                findings.append(
                    error(
                        file,
                        where(("escalation", "same_level", "bands", index)),
                        f"escalation.same_level names unknown band '{band}'"
                        f"{did_you_mean(band, names)} (bands: {', '.join(names)})",
                        path=("escalation", "same_level", "bands", index),
                        code="policy",
                    )
                )
        if not same.bands:
            rules = {**rules, "same_level": replace(same, bands=(method.top.name,))}
    slip = rules.get("schedule_impact")
    if isinstance(slip, ScheduleImpact) and slip.min_impact > max(method.impact_scale):
        path: JsonPath = ("escalation", "schedule_impact", "min_impact")
        findings.append(
            error(
                file,
                where(path),
                f"escalation.schedule_impact.min_impact {slip.min_impact} is above the impact "
                f"scale (1–{max(method.impact_scale)}): the rule could never trigger",
                path=path,
                code="policy",
            )
        )
    return rules


def _role_names(
    entries: list[Mapping[str, Any]], file: str, where: Callable[[JsonPath], int]
) -> list[Finding]:
    """A role is found by its id, name or short form, case-insensitive: each must name one role."""
    found: list[Finding] = []
    owner: dict[str, tuple[int, str]] = {}
    for i, role in enumerate(entries):
        for key in ("id", "name", "short"):
            if key not in role:
                continue
            text = str(role[key])
            folded = text.strip().casefold()
            first = owner.setdefault(folded, (i, key))
            if first[0] == i or (key == "id" and first[1] == "id"):
                continue  # a role's own name as its short form; ids twice: reported above
            other = entries[first[0]]
            path = ("roles", i, key)
            found.append(
                error(
                    file,
                    where(path),
                    f"role {key} '{text}' is already the {first[1]} of role '{other['id']}' "
                    f"(line {where(('roles', first[0], first[1]))}): each role's id, name "
                    "and short form must name one role (case-insensitive)",
                    path=path,
                    code="role-names",
                )
            )
    return found
