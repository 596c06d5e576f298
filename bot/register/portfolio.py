"""Many registers as one portfolio: what a hub keeps of each register, and what it computes.

A register read from another repository is reduced to a :class:`RegisterSummary` as soon as it
is checked: what the portfolio shows of each risk (its band, score, cell, owners, category), the
slip it adds to each release it counts toward, its recorded outcomes, and the register's own
method (:class:`~bot.register.method.Method`: scales, bands with their marks and colours, the
bands that open issues). The summaries are plain data that go to JSON and back unchanged, so a
rerun reuses those of unchanged repositories without reading them, and shards of an
organisation merge into exactly the document one job would write.

Registers of different methods are combined without converting one method into another: each
register's risks are counted per band of its own policy, and its issue bands are its own
(``method.issue_bands``); there is one heat map per distinct grid (:func:`grid_of`), over the
registers that draw it; a shared release's odds count only the registers whose scales give
odds (``method.no_odds`` is None), and calibration only those whose probability levels have
percent ranges. Nothing here names a band.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

from bot.register.load import Loaded, Register
from bot.register.method import Band, Method
from bot.register.odds import ReleaseOdds, RiskSlip, counts_toward, release_odds, risk_slip
from bot.register.policy import Release

FINDINGS_KEPT = 5
"""How many of a failing register's errors the portfolio quotes."""


def repo_risk(repo: str, risk_id: str) -> str:
    """A risk's name across registers: ``owner/name:R-007``."""
    return f"{repo}:{risk_id}"


class Listed(NamedTuple):
    """A repository a hub lists, and the branch to read (None: its default branch)."""

    repo: str
    branch: str | None = None


class Known(NamedTuple):
    """What the last run saw of a repository: the commit it read and the probe's ETag."""

    commit: str
    etag: str | None = None


def grid_of(method: Method) -> tuple[object, ...]:
    """What a heat map draws of a method: factor names, level labels, the bands' names, labels
    and marks, and (without detection) each cell's band and score. Registers whose methods give
    the same grid share one heat map."""
    cells: tuple[tuple[str, int], ...] = ()
    if not method.detection:
        cells = tuple(
            (method.band_of(i, p).name, method.score(i, p))
            for i in sorted(method.impact_scale)
            for p in sorted(method.probability_scale)
        )
    return (
        method.factor_label("impact"),
        method.factor_label("probability"),
        tuple(method.impact_scale[i].label for i in sorted(method.impact_scale)),
        tuple(method.probability_scale[p].label for p in sorted(method.probability_scale)),
        method.detection,
        tuple((b.name, b.label, b.mark) for b in method.bands),
        cells,
    )


def calibrates(method: Method) -> bool:
    """Whether the method's probability levels have percent ranges: a predicted chance to set
    against outcomes."""
    return all(p.likelihood is not None for p in method.probability_scale.values())


def band_label(name: str, *methods: Method | None) -> str:
    """A band's label in the first of ``methods`` that has it (its name when none has)."""
    for method in methods:
        if method is not None and any(b.name == name for b in method.bands):
            return method.band(name).label
    return name


@dataclass(frozen=True, slots=True)
class RiskLine:
    """One risk as the portfolio shows it."""

    id: str
    title: str
    file: str
    band: str
    score: int
    impact: int
    probability: int
    category: str
    owners: tuple[str, ...]
    open: bool
    slip: tuple[str, int, int] | None
    """Its slip: (chance as a fraction ``p/q``, min days, max days); None when closed."""
    releases: tuple[str, ...] = ()
    """The releases it counts toward (open risks only)."""

    def as_json(self) -> list[Any]:
        return [
            self.id,
            self.title,
            self.file,
            self.band,
            self.score,
            self.impact,
            self.probability,
            self.category,
            list(self.owners),
            self.open,
            list(self.slip) if self.slip else None,
            list(self.releases),
        ]

    @classmethod
    def from_json(cls, row: Sequence[Any]) -> RiskLine:
        slip = row[10]
        return cls(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            row[6],
            row[7],
            tuple(row[8]),
            row[9],
            (str(slip[0]), int(slip[1]), int(slip[2])) if slip else None,
            tuple(row[11]),
        )

    def risk_slip(self, repo: str) -> RiskSlip:
        """Its slip, named ``repo:R-007`` for the odds of a release shared by registers."""
        assert self.slip is not None
        chance, low, high = self.slip
        return RiskSlip(repo_risk(repo, self.id), self.title, Fraction(chance), low, high)


@dataclass(frozen=True, slots=True)
class OutcomeLine:
    """A recorded outcome: the risk, the release, what it predicted and what happened."""

    risk: str
    category: str
    owners: tuple[str, ...]
    release: str
    level: int
    level_label: str
    percent: tuple[float, float]
    predicted: float
    occurred: bool

    def as_json(self) -> list[Any]:
        return [
            self.risk,
            self.category,
            list(self.owners),
            self.release,
            self.level,
            self.level_label,
            list(self.percent),
            self.predicted,
            self.occurred,
        ]

    @classmethod
    def from_json(cls, row: Sequence[Any]) -> OutcomeLine:
        return cls(
            row[0],
            row[1],
            tuple(row[2]),
            row[3],
            row[4],
            row[5],
            (float(row[6][0]), float(row[6][1])),
            float(row[7]),
            bool(row[8]),
        )


@dataclass(frozen=True)
class RegisterSummary:
    """What the portfolio keeps of one repository's register at one commit."""

    repo: str
    commit: str
    ok: bool
    """The register passes its own check (no errors)."""
    errors: int
    warnings: int
    findings: tuple[str, ...]
    """The first of its errors, as ``file:line: message``."""
    method: Method | None
    """None when its policy does not load."""
    risks: tuple[RiskLine, ...] = ()
    releases: tuple[tuple[str, float], ...] = ()
    """Its policy's releases: (name, buffer in weeks)."""
    outcomes: tuple[OutcomeLine, ...] = ()

    @property
    def open_risks(self) -> list[RiskLine]:
        return [r for r in self.risks if r.open]

    def as_json(self) -> dict[str, Any]:
        return {
            "repo": self.repo,
            "commit": self.commit,
            "ok": self.ok,
            "errors": self.errors,
            "warnings": self.warnings,
            "findings": list(self.findings),
            "method": self.method.as_json() if self.method else None,
            "releases": [list(r) for r in self.releases],
            "risks": [r.as_json() for r in self.risks],
            "outcomes": [o.as_json() for o in self.outcomes],
        }

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any], methods: dict[str, Method] | None = None
    ) -> RegisterSummary:
        """The summary :meth:`as_json` wrote; ``methods``: the methods read so far, by their
        JSON, so that registers of one policy share one :class:`Method`."""
        return cls(
            data["repo"],
            data["commit"],
            bool(data["ok"]),
            int(data["errors"]),
            int(data["warnings"]),
            tuple(data["findings"]),
            _method_from_json(data["method"], methods),
            tuple(RiskLine.from_json(r) for r in data["risks"]),
            tuple((str(n), float(b)) for n, b in data["releases"]),
            tuple(OutcomeLine.from_json(o) for o in data["outcomes"]),
        )


def _method_from_json(data: Any, methods: dict[str, Method] | None) -> Method | None:
    if not data:
        return None
    if methods is None:
        return Method.from_json(data)
    key = json.dumps(data, sort_keys=True, separators=(",", ":"))
    if key not in methods:
        methods[key] = Method.from_json(data)
    return methods[key]


def summarize(
    repo: str, commit: str, loaded: Loaded, outcomes: Iterable[OutcomeLine] = ()
) -> RegisterSummary:
    """A checked register as the portfolio keeps it (``outcomes``: its recorded outcomes)."""
    errors = loaded.errors
    kept = tuple(f.as_text() for f in errors[:FINDINGS_KEPT])
    warnings = len(loaded.findings) - len(errors)
    if not isinstance(loaded, Register):
        return RegisterSummary(repo, commit, False, len(errors), warnings, kept, None)
    policy = loaded.policy
    shapes: dict[tuple[int, int], tuple[Fraction, int, int]] = {}
    lines = []
    for a in sorted(loaded.assessments, key=lambda a: a.risk.id):
        risk = a.risk
        releases = tuple(r for r in policy.releases if counts_toward(risk, policy, r))
        slip = None
        if risk.is_open and policy.no_odds is None:  # slips only where the scales give them
            one = risk_slip(risk, policy, shapes)
            slip = (str(one.probability), one.min_days, one.max_days)
        lines.append(
            RiskLine(
                risk.id,
                risk.title,
                risk.file,
                a.band.name,
                a.score,
                risk.impact,
                risk.probability,
                risk.category,
                risk.owners,
                risk.is_open,
                slip,
                releases,
            )
        )
    return RegisterSummary(
        repo,
        commit,
        not errors,
        len(errors),
        warnings,
        kept,
        policy.method,
        tuple(lines),
        tuple((r.name, r.buffer_weeks) for r in policy.releases.values()),
        tuple(outcomes),
    )


@dataclass(frozen=True)
class ReadFailure:
    """A repository whose register could not be read, and why (404, private, rate limit)."""

    repo: str
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"repo": self.repo, "reason": self.reason}


@dataclass
class Portfolio:
    """The summaries of every register read, and the repositories that failed to read."""

    registers: list[RegisterSummary] = field(default_factory=list)
    failures: list[ReadFailure] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.registers.sort(key=lambda s: s.repo.lower())
        self.failures.sort(key=lambda f: f.repo.lower())

    @property
    def repos(self) -> list[str]:
        return [s.repo for s in self.registers]


# --- what the portfolio computes -------------------------------------------------------------


def band_counts(summary: RegisterSummary) -> list[tuple[Band, int]]:
    """Open risks per band of the register's own policy, its bands in order (highest first)."""
    if summary.method is None:
        return []
    counts = Counter(r.band for r in summary.open_risks)
    return [(band, counts[band.name]) for band in summary.method.bands]


def in_issue_bands(summary: RegisterSummary) -> list[RiskLine]:
    """The register's open risks in the bands its own policy opens issues for."""
    if summary.method is None:
        return []
    issue = {b.name for b in summary.method.issue_bands}
    return [r for r in summary.open_risks if r.band in issue]


@dataclass(frozen=True)
class Flagged:
    """An open risk of a band that opens issues, in its repository, with that band."""

    repo: str
    risk: RiskLine
    band: Band


def flagged_risks(portfolio: Portfolio) -> list[Flagged]:
    """Every open risk of an issue band of its register, highest score first."""
    out = [
        Flagged(s.repo, r, s.method.band(r.band))
        for s in portfolio.registers
        if s.method is not None
        for r in in_issue_bands(s)
    ]
    out.sort(key=lambda f: (-f.risk.score, f.repo.lower(), f.risk.id))
    return out


@dataclass(frozen=True)
class HeatMap:
    """Open risks per cell and band over the registers that draw one grid (:func:`grid_of`)."""

    method: Method
    """The method of the first of them: the grid, its bands and their marks."""
    repos: tuple[str, ...]
    counts: Mapping[tuple[int, int], Mapping[str, int]]
    """(impact, probability) → band name → open risks (a cell has one band unless the method
    has a detection factor)."""


def heat_maps(portfolio: Portfolio) -> list[HeatMap]:
    """One heat map per grid the registers draw (one, where they share their policy's grid),
    the most used first."""
    groups: dict[tuple[object, ...], list[RegisterSummary]] = {}
    for s in portfolio.registers:
        if s.method is not None:
            groups.setdefault(grid_of(s.method), []).append(s)
    maps = []
    for members in groups.values():
        counts: dict[tuple[int, int], Counter[str]] = {}
        for s in members:
            for r in s.open_risks:
                counts.setdefault((r.impact, r.probability), Counter())[r.band] += 1
        method = members[0].method
        assert method is not None
        maps.append(HeatMap(method, tuple(s.repo for s in members), counts))
    maps.sort(key=lambda m: (-len(m.repos), m.repos))
    return maps


@dataclass(frozen=True)
class SharedRelease:
    """A release that several registers name, and its odds over all the open risks toward it of
    those whose scales give odds."""

    release: str
    odds: ReleaseOdds | None
    """None when no register that names it has scales that give odds."""
    repos: tuple[str, ...]
    """The registers whose risks the odds count."""
    buffers: tuple[tuple[str, float], ...]
    """Each naming repository's buffer for it; the odds use the smallest (they may disagree)."""
    without_odds: tuple[tuple[str, str], ...] = ()
    """The registers that name it but whose scales give no odds, and why (``no_odds``)."""

    @property
    def buffers_differ(self) -> bool:
        return len({b for _, b in self.buffers}) > 1


def _no_odds(summary: RegisterSummary) -> str:
    if summary.method is None:
        return "its policy does not load"
    return summary.method.no_odds or ""


def shared_releases(portfolio: Portfolio, min_repos: int = 2) -> list[SharedRelease]:
    """Each release named by ``min_repos`` or more registers, with the odds of all the open
    risks toward it in one distribution (tail drivers named ``repo:R-007``), over the registers
    whose scales give odds; the others are named with the reason."""
    naming: dict[str, list[RegisterSummary]] = {}
    for s in portfolio.registers:
        for name, _ in s.releases:
            naming.setdefault(name, []).append(s)
    out = []
    for name, members in naming.items():
        if len(members) < min_repos:
            continue
        buffers = tuple((s.repo, dict(s.releases)[name]) for s in members)
        with_odds: list[RegisterSummary] = []
        without: list[tuple[str, str]] = []
        for s in members:
            if s.method is not None and s.method.no_odds is None:
                with_odds.append(s)
            else:
                without.append((s.repo, _no_odds(s)))
        odds = None
        if with_odds:
            slips = [
                r.risk_slip(s.repo) for s in with_odds for r in s.open_risks if name in r.releases
            ]
            odds = release_odds(Release(name, min(b for _, b in buffers), ""), slips)
        repos = tuple(s.repo for s in with_odds)
        out.append(SharedRelease(name, odds, repos, buffers, tuple(without)))
    out.sort(key=lambda r: r.release)
    return out


def all_outcomes(portfolio: Portfolio) -> list[tuple[str, OutcomeLine]]:
    """Every recorded outcome of every register, with its repository."""
    return [(s.repo, o) for s in portfolio.registers for o in s.outcomes]


# --- what changed since the last run ------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One change since the last run, of a repository or of one of its risks."""

    repo: str
    risk: str | None
    what: str


def changes(before: Portfolio | None, after: Portfolio) -> list[Change]:
    """Repositories added, removed, failing or mended; risks added, removed, or moved in band
    or score, since the last run (``before``; None: the first run, nothing to compare)."""
    if before is None:
        return []
    out: list[Change] = []
    old = {s.repo: s for s in before.registers}
    new = {s.repo: s for s in after.registers}
    old_failed = {f.repo for f in before.failures}
    new_failed = {f.repo: f for f in after.failures}
    for repo in sorted(set(old) | old_failed | set(new) | set(new_failed), key=str.lower):
        if repo in new_failed and repo not in old_failed:
            out.append(Change(repo, None, f"could not be read: {new_failed[repo].reason}"))
            continue
        if repo in new_failed:
            continue
        if repo not in new:
            out.append(Change(repo, None, "no longer in the portfolio"))
            continue
        if repo not in old:
            verb = "read again" if repo in old_failed else "added to the portfolio"
            out.append(Change(repo, None, verb))
            continue
        out += _register_changes(old[repo], new[repo])
    return out


def _register_changes(old: RegisterSummary, new: RegisterSummary) -> list[Change]:
    out: list[Change] = []
    repo = new.repo
    if old.ok and not new.ok:
        errors = f"{new.errors} error{'' if new.errors == 1 else 's'}"
        out.append(Change(repo, None, f"fails its own check ({errors})"))
    elif new.ok and not old.ok:
        out.append(Change(repo, None, "passes its own check again"))
    was = {r.id: r for r in old.risks}
    now = {r.id: r for r in new.risks}

    def label(name: str) -> str:
        return band_label(name, new.method, old.method)

    for risk_id in sorted(set(was) | set(now)):
        a, b = was.get(risk_id), now.get(risk_id)
        if a is None and b is not None:
            out.append(Change(repo, risk_id, f"new, score {b.score} ({label(b.band)})"))
        elif b is None and a is not None:
            out.append(Change(repo, risk_id, "removed"))
        elif a is not None and b is not None:
            if a.open and not b.open:
                out.append(Change(repo, risk_id, "closed"))
            elif b.open and not a.open:
                out.append(Change(repo, risk_id, f"reopened, score {b.score} ({label(b.band)})"))
            elif a.band != b.band:
                out.append(
                    Change(
                        repo,
                        risk_id,
                        f"{label(a.band)} → {label(b.band)} (score {a.score} → {b.score})",
                    )
                )
            elif a.score != b.score:
                out.append(Change(repo, risk_id, f"score {a.score} → {b.score}"))
    return out
