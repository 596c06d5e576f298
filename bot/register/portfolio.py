"""Many registers as one portfolio: what a hub keeps of each register, and what it computes.

A register read from another repository is reduced to a :class:`RegisterSummary` as soon as it
is checked: what the portfolio shows of each risk (its band, score, cell, owners, category), the
slip it adds to each release it counts toward, its recorded outcomes, and the register's own
method (its grid, bands and the bands that open issues). The summaries are plain data that go
to JSON and back unchanged, so a rerun reuses those of unchanged repositories without reading
them, and shards of an organisation merge into exactly the document one job would write.

Nothing here names a band: the bands, their order and which of them open issues are each
register's policy's (:func:`issue_bands`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

from bot.register.load import Loaded, Register
from bot.register.odds import ReleaseOdds, RiskSlip, counts_toward, release_odds, risk_slip
from bot.register.policy import Band, Policy, Release
from bot.register.scoring import score_of

FINDINGS_KEPT = 5
"""How many of a failing register's errors the portfolio quotes."""


def issue_bands(policy: Policy) -> tuple[Band, ...]:
    """The bands whose risks get an issue: today the top band of the policy."""
    return policy.bands[:1]


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


@dataclass(frozen=True)
class Method:
    """How a register scores, as its heat map needs it: the labels of its levels, its bands
    (highest first), the band of each cell, and the bands that open issues."""

    impact: tuple[str, ...]
    probability: tuple[str, ...]
    bands: tuple[tuple[str, str], ...]
    """(name, label) of each band, highest first."""
    cells: tuple[tuple[str, ...], ...]
    """``cells[i - 1][p - 1]``: the band of impact level i and probability level p."""
    issue_bands: tuple[str, ...]

    def band_label(self, name: str) -> str:
        return dict(self.bands).get(name, name)

    def as_json(self) -> dict[str, Any]:
        return {
            "impact": list(self.impact),
            "probability": list(self.probability),
            "bands": [list(b) for b in self.bands],
            "cells": [list(row) for row in self.cells],
            "issue_bands": list(self.issue_bands),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Method:
        return cls(
            tuple(data["impact"]),
            tuple(data["probability"]),
            tuple((str(n), str(label)) for n, label in data["bands"]),
            tuple(tuple(row) for row in data["cells"]),
            tuple(data["issue_bands"]),
        )


def method_of(policy: Policy) -> Method:
    """The policy's method as the portfolio keeps it."""
    impacts = sorted(policy.impact_scale)
    probabilities = sorted(policy.probability_scale)
    return Method(
        tuple(policy.impact_scale[i].label for i in impacts),
        tuple(policy.probability_scale[p].label for p in probabilities),
        tuple((b.name, b.label) for b in policy.bands),
        tuple(tuple(policy.band_for(score_of(i, p)).name for p in probabilities) for i in impacts),
        tuple(b.name for b in issue_bands(policy)),
    )


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
    def from_json(cls, data: Mapping[str, Any]) -> RegisterSummary:
        return cls(
            data["repo"],
            data["commit"],
            bool(data["ok"]),
            int(data["errors"]),
            int(data["warnings"]),
            tuple(data["findings"]),
            Method.from_json(data["method"]) if data["method"] else None,
            tuple(RiskLine.from_json(r) for r in data["risks"]),
            tuple((str(n), float(b)) for n, b in data["releases"]),
            tuple(OutcomeLine.from_json(o) for o in data["outcomes"]),
        )


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
        if risk.is_open and policy.no_odds is None:
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
        method_of(policy),
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


def band_counts(summary: RegisterSummary) -> list[tuple[str, int]]:
    """Open risks per band of the register's own policy, its bands in order (highest first)."""
    if summary.method is None:
        return []
    counts = Counter(r.band for r in summary.open_risks)
    return [(name, counts[name]) for name, _ in summary.method.bands]


@dataclass(frozen=True)
class Flagged:
    """An open risk of a band that opens issues, in its repository."""

    repo: str
    risk: RiskLine
    band_label: str


def flagged_risks(portfolio: Portfolio) -> list[Flagged]:
    """Every open risk of an issue band of its register, highest score first."""
    out = []
    for s in portfolio.registers:
        if s.method is None:
            continue
        for r in s.open_risks:
            if r.band in s.method.issue_bands:
                out.append(Flagged(s.repo, r, s.method.band_label(r.band)))
    out.sort(key=lambda f: (-f.risk.score, f.repo.lower(), f.risk.id))
    return out


@dataclass(frozen=True)
class HeatMap:
    """Open risks per cell over every register of one method."""

    method: Method
    repos: tuple[str, ...]
    counts: Mapping[tuple[int, int], int]


def heat_maps(portfolio: Portfolio) -> list[HeatMap]:
    """One heat map per method the registers use (one, where they share their policy's grid)."""
    groups: dict[Method, list[RegisterSummary]] = {}
    for s in portfolio.registers:
        if s.method is not None:
            groups.setdefault(s.method, []).append(s)
    maps = []
    for method, members in groups.items():
        counts: Counter[tuple[int, int]] = Counter()
        for s in members:
            counts.update((r.impact, r.probability) for r in s.open_risks)
        maps.append(HeatMap(method, tuple(s.repo for s in members), dict(counts)))
    maps.sort(key=lambda m: (-len(m.repos), m.repos))
    return maps


@dataclass(frozen=True)
class SharedRelease:
    """A release that several registers count risks toward, and its odds over all of them."""

    odds: ReleaseOdds
    repos: tuple[str, ...]
    buffers: tuple[tuple[str, float], ...]
    """Each repository's buffer for it; the odds use the smallest (they may disagree)."""

    @property
    def buffers_differ(self) -> bool:
        return len({b for _, b in self.buffers}) > 1


def shared_releases(portfolio: Portfolio, min_repos: int = 2) -> list[SharedRelease]:
    """The odds of each release named by ``min_repos`` or more registers: all their open risks
    toward it in one distribution (tail drivers named ``repo:R-007``)."""
    buffers: dict[str, list[tuple[str, float]]] = {}
    for s in portfolio.registers:
        for name, weeks in s.releases:
            buffers.setdefault(name, []).append((s.repo, weeks))
    out = []
    for name, declared in buffers.items():
        if len(declared) < min_repos:
            continue
        slips = [
            r.risk_slip(s.repo)
            for s in portfolio.registers
            for r in s.open_risks
            if name in r.releases
        ]
        buffer = min(weeks for _, weeks in declared)
        odds = release_odds(Release(name, buffer, ""), slips)
        out.append(SharedRelease(odds, tuple(repo for repo, _ in declared), tuple(declared)))
    out.sort(key=lambda r: r.odds.release)
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
    label = new.method.band_label if new.method else (lambda name: name)
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
