"""`riskbot retro`: after a release, compare the register's predictions with what happened.

The risks of a release are those whose phase counts toward it; each may record an ``outcome``
for it. The Brier score over the risks with an outcome is the mean of (p − o)², p the predicted
probability (midpoint of its level's range), o 1 if the risk occurred and 0 if not. Problems that
hit the release without ever being registered are listed by hand in ``retro/<release>.yaml``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.register.findings import Finding, FindingsHolder, error, sort_key, warning
from bot.register.load import NOT_A_FILE, Register
from bot.register.policy import Policy
from bot.register.risk import Risk
from bot.register.schemas import validate
from bot.register.yamlfile import line_for, load_yaml
from bot.render.exposure import two_places
from bot.render.markdown import Cell, Markdown, escape_cell, escape_text, table
from bot.repo.files import linked_part, read_regular

RETRO_DIR = "retro"
RETRO_SCHEMA = "retro.schema.json"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one risk during one release."""

    release: str
    occurred: bool
    actual_impact: int | None = None
    date: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class RetroEntry:
    """One risk's prediction set against its outcome."""

    risk: Risk
    likelihood: float
    outcome: Outcome

    @property
    def squared_error(self) -> float:
        """(p − o)², this risk's share of the Brier score."""
        return (self.likelihood - (1.0 if self.outcome.occurred else 0.0)) ** 2


def brier_score(entries: Sequence[RetroEntry]) -> float | None:
    """Mean of (p − o)² over the entries; None when there are none."""
    return brier_of([(e.likelihood, e.outcome.occurred) for e in entries])


def brier_of(predictions: Sequence[tuple[float, bool]]) -> float | None:
    """Mean of (p − o)² over (predicted probability, occurred) pairs; None when there are none."""
    if not predictions:
        return None
    return sum((p - (1.0 if o else 0.0)) ** 2 for p, o in predictions) / len(predictions)


@dataclass(frozen=True, slots=True)
class Unregistered:
    """A problem that occurred but was never registered, from ``retro/<release>.yaml``."""

    title: str
    impact: int | None
    note: str
    line: int


@dataclass
class Retro(FindingsHolder):
    """The retrospective of one release."""

    release: str
    buffer_weeks: float
    entries: list[RetroEntry] = field(default_factory=list)
    without_outcome: list[Risk] = field(default_factory=list)
    unregistered: list[Unregistered] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def brier(self) -> float | None:
        """Mean of (p − o)² over the risks with an outcome; None when there are none."""
        return brier_score(self.entries)

    @property
    def occurred(self) -> list[RetroEntry]:
        return [e for e in self.entries if e.outcome.occurred]

    @property
    def expected_to_occur(self) -> float:
        return sum(e.likelihood for e in self.entries)


def outcomes_of(risk: Risk) -> list[Outcome]:
    """The outcomes a risk file records: one mapping or a list of them (the schema checked it)."""
    raw = risk.data.get("outcome")
    items: Sequence[Mapping[str, Any]] = (
        [raw] if isinstance(raw, Mapping) else raw if isinstance(raw, list) else []
    )
    return [
        Outcome(
            str(o["release"]),
            bool(o["occurred"]),
            o.get("actual_impact"),
            o.get("date"),
            str(o.get("note", "")),
        )
        for o in items
    ]


def load_unregistered(root: Path, release: str) -> tuple[list[Unregistered], list[Finding]]:
    """Read ``retro/<release>.yaml`` (a missing or empty file lists nothing)."""
    name = f"{RETRO_DIR}/{release}.yaml"
    if (link := linked_part(root, root / name)) is not None:
        return [], [
            error(
                name,
                1,
                f"{link.relative_to(root).as_posix()} is a symbolic link; not read",
                code="symlink",
            )
        ]
    try:
        raw = read_regular(root / name)
    except FileNotFoundError:
        return [], []
    except OSError as exc:  # a link (never followed), a file riskbot may not read
        return [], [error(name, 1, f"cannot be read ({exc.strerror})", code="not-a-file")]
    if raw is None:
        return [], [error(name, 1, NOT_A_FILE, code="not-a-file")]
    loaded = load_yaml(name, raw)
    if not loaded.ok:
        if all(f.code == "empty" for f in loaded.findings):
            return [], []
        return [], loaded.findings
    findings = validate(name, loaded.data, loaded.node, RETRO_SCHEMA)
    if findings:
        return [], findings
    data = loaded.data
    if "release" in data and data["release"] != release:
        return [], [
            error(
                name,
                line_for(loaded.node, ("release",)),
                f"release '{data['release']}' does not match the file name ({release})",
                path=("release",),
                code="retro",
            )
        ]
    out = [
        Unregistered(
            str(item["title"]),
            item.get("impact"),
            str(item.get("note", "")),
            line_for(loaded.node, ("unregistered", i)),
        )
        for i, item in enumerate(data.get("unregistered", []))
    ]
    return out, []


def retro_unavailable(policy: Policy) -> str | None:
    """Why the policy gives no predicted chance to score (None: it does): a probability level
    without its percent range."""
    if any(p.likelihood is None for p in policy.probability_scale.values()):
        return (
            "a retrospective scores each risk's predicted chance, and the policy's probability "
            "scale gives no percent ranges (add percent: {min, max} to each level)"
        )
    return None


def _likelihood(policy: Policy, level: int) -> float:
    likelihood = policy.probability_scale[level].likelihood
    if likelihood is None:
        raise ValueError(retro_unavailable(policy))
    return likelihood


def _impact_finding(policy: Policy, file: str, line: int, what: str, level: int) -> Finding:
    scale = policy.impact_scale
    low, high = scale[min(scale)], scale[max(scale)]
    return error(
        file,
        line,
        f"{what} {level} is outside the policy's impact scale, {low.level}–{high.level} "
        f"({low.level} {low.label} … {high.level} {high.label})",
        code="level",
    )


def build_retro(
    register: Register, release: str, unregistered: Sequence[Unregistered] = ()
) -> Retro:
    """Set each outcome recorded for ``release`` against the risk's predicted probability."""
    policy = register.policy
    if release not in policy.releases:
        raise KeyError(release)
    retro = Retro(release, policy.releases[release].buffer_weeks, unregistered=list(unregistered))
    for risk in sorted(register.risks, key=lambda r: r.id):
        counts = risk.phase in policy.phases and release in policy.phases[risk.phase].counts_toward
        mine = [o for o in outcomes_of(risk) if o.release == release]
        if len(mine) > 1:
            retro.findings.append(
                warning(
                    risk.file,
                    risk.line("outcome"),
                    f"{len(mine)} outcomes for release {release}; the first one is used",
                    path=("outcome",),
                    code="retro",
                )
            )
        if mine and not counts:
            retro.findings.append(
                warning(
                    risk.file,
                    risk.line("outcome"),
                    f"records an outcome for {release}, but its phase '{risk.phase}' does not "
                    f"count toward {release}; left out",
                    path=("outcome",),
                    code="retro",
                )
            )
        elif mine:
            actual = mine[0].actual_impact
            if actual is not None and actual not in policy.impact_scale:
                where = risk.line("outcome")
                retro.findings.append(
                    _impact_finding(policy, risk.file, where, "actual_impact", actual)
                )
            retro.entries.append(RetroEntry(risk, _likelihood(policy, risk.probability), mine[0]))
        elif counts:
            retro.without_outcome.append(risk)
    name = f"{RETRO_DIR}/{release}.yaml"
    retro.findings += [
        _impact_finding(policy, name, u.line, "impact", u.impact)
        for u in retro.unregistered
        if u.impact is not None and u.impact not in policy.impact_scale
    ]
    retro.findings.sort(key=sort_key)
    return retro


@dataclass(frozen=True, slots=True)
class CalibrationRow:
    """One probability level: what it predicts, and how often its risks occurred."""

    level: int
    label: str
    percent_min: float
    percent_max: float
    predicted: float
    outcomes: int
    occurred: int

    @property
    def observed(self) -> float | None:
        return self.occurred / self.outcomes if self.outcomes else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """The 95 % Wilson interval of the observed frequency."""
        if not self.outcomes:
            return None
        n, z = self.outcomes, 1.959963984540054
        p = self.occurred / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)

    @property
    def outside(self) -> bool:
        """The observed frequency falls outside the level's percent range."""
        observed = self.observed
        return observed is not None and not (
            self.percent_min / 100 <= observed <= self.percent_max / 100
        )

    @property
    def clearly_outside(self) -> bool:
        """Even the 95 % interval misses the level's range."""
        interval = self.interval
        return interval is not None and (
            interval[1] < self.percent_min / 100 or interval[0] > self.percent_max / 100
        )


@dataclass
class Calibration:
    """Predictions against outcomes pooled over every release that has outcomes."""

    releases: list[str] = field(default_factory=list)
    rows: list[CalibrationRow] = field(default_factory=list)
    entries: list[RetroEntry] = field(default_factory=list)

    @property
    def brier(self) -> float | None:
        """Mean of (p − o)² over the risks with an outcome; None when there are none."""
        return brier_score(self.entries)

    @property
    def base_rate(self) -> float | None:
        if not self.entries:
            return None
        return sum(1 for e in self.entries if e.outcome.occurred) / len(self.entries)

    @property
    def skill(self) -> float | None:
        """Brier skill score against always predicting the base rate: 1 − BS / (ō (1 − ō))."""
        brier, rate = self.brier, self.base_rate
        if brier is None or rate is None or rate in (0.0, 1.0):
            return None
        return 1 - brier / (rate * (1 - rate))


def build_calibration(register: Register) -> Calibration:
    """Every recorded outcome of every release (one per risk and release), by probability level."""
    policy = register.policy
    result = Calibration()
    for release in policy.releases:
        entries = build_retro(register, release).entries
        if entries:
            result.releases.append(release)
            result.entries += entries
    for level, scale in sorted(policy.probability_scale.items()):
        mine = [e for e in result.entries if e.risk.probability == level]
        low, high = scale.percent_min, scale.percent_max
        if low is None or high is None:
            raise ValueError(retro_unavailable(policy))
        result.rows.append(
            CalibrationRow(
                level,
                scale.label,
                low,
                high,
                _likelihood(policy, level),
                len(mine),
                sum(1 for e in mine if e.outcome.occurred),
            )
        )
    return result


def _pct(value: float) -> str:
    return f"{value:.0%}"


def render_calibration(calibration: Calibration) -> list[str]:
    """The reliability table and the Brier skill score, pooled over the releases."""
    lines = ["## Calibration over all releases", ""]
    if not calibration.entries:
        return [*lines, "No release has recorded outcomes yet.", ""]
    brier, rate, skill = calibration.brier, calibration.base_rate, calibration.skill
    assert brier is not None
    assert rate is not None
    releases = ", ".join(escape_text(r) for r in calibration.releases)
    lines += [
        f"Pooled over {len(calibration.entries)} outcomes of {len(calibration.releases)} "
        f"release(s) ({releases}). Each risk predicts the midpoint of its probability level as "
        "the register states it now; the observed frequency is how often the risks of that "
        "level occurred, with its 95 % (Wilson) interval.",
        "",
    ]
    header = (
        "Probability level",
        "Policy range",
        "Predicted",
        "Outcomes",
        "Occurred",
        "Observed",
        "95 % interval",
        "Against the range",
    )
    rows: list[tuple[Cell, ...]] = []
    for row in calibration.rows:
        observed, interval = row.observed, row.interval
        if observed is None or interval is None:
            verdict, seen, span = "no outcomes", "-", "-"
        else:
            seen, span = _pct(observed), f"{_pct(interval[0])}–{_pct(interval[1])}"
            if row.clearly_outside:
                verdict = "⚠️ outside (even at 95 %)"
            elif row.outside:
                verdict = "⚠️ outside"
            else:
                verdict = "within"
        rows.append(
            (
                Markdown(f"{row.level} {escape_cell(row.label)}"),
                Markdown(f"{row.percent_min:g}–{row.percent_max:g}%"),
                Markdown(f"{row.predicted:.1%}"),
                row.outcomes,
                row.occurred,
                Markdown(seen),
                Markdown(span),
                Markdown(verdict),
            )
        )
    lines += [
        table(header, rows),
        "",
        f"- Brier score: {brier:.4f}; always predicting the base rate ({_pct(rate)}) scores "
        f"{rate * (1 - rate):.4f}.",
        "- Brier skill score: "
        + (
            f"{skill:.3f} (1 is perfect, 0 no better than the base rate, below 0 worse)"
            if skill is not None
            else "undefined (every outcome is the same, so the base rate is never wrong)"
        ),
        "",
    ]
    return lines


def _level(policy: Policy, level: int | None) -> str:
    """An impact level with its label, escaped for a table cell."""
    if level is None:
        return "-"
    scale = policy.impact_scale.get(level)
    return f"{level} {escape_cell(scale.label)}" if scale else str(level)


def _impact_change(entry: RetroEntry) -> str:
    actual = entry.outcome.actual_impact
    if not entry.outcome.occurred or actual is None:
        return ""
    diff = actual - entry.risk.impact
    if diff == 0:
        return " (as predicted)"
    return f" (worse by {diff})" if diff > 0 else f" (milder by {-diff})"


def render_retro_markdown(
    retro: Retro, policy: Policy, calibration: Calibration | None = None
) -> str:
    """The post-release review document: summary, predicted vs actual, unregistered risks, and
    (given) the calibration pooled over every release with outcomes."""
    brier = retro.brier
    lines = [
        f"# Risk retrospective: {escape_text(retro.release)}",
        "",
        f"**Program**: {escape_text(policy.program)} · **Release**: {escape_text(retro.release)} "
        f"(timeline buffer {retro.buffer_weeks:g} weeks)",
        "",
        "## Summary",
        "",
        f"- Risks with an outcome for {escape_text(retro.release)}: {len(retro.entries)}; "
        f"counting toward it without one: {len(retro.without_outcome)}",
        f"- Occurred: {len(retro.occurred)} of {len(retro.entries)} (their predicted "
        f"probabilities expected {two_places(retro.expected_to_occur)})",
        "- Brier score: "
        + (
            f"{brier:.4f} over {len(retro.entries)} risks (0 is perfect; predicting 50% "
            "for everything scores 0.25)"
            if brier is not None
            else "none (no outcomes recorded)"
        ),
        f"- Occurred but never registered: {len(retro.unregistered)}",
        "",
        "## Predicted vs actual",
        "",
    ]
    if retro.entries:
        header = (
            "Risk",
            "Predicted probability",
            "Occurred",
            "(p − o)²",
            "Predicted impact",
            "Actual impact",
            "Note",
        )
        rows = []
        for e in retro.entries:
            level = policy.probability_scale[e.risk.probability]
            rows.append(
                (
                    Markdown(f"{e.risk.id}: {escape_cell(e.risk.title)}"),
                    Markdown(
                        f"{e.risk.probability} {escape_cell(level.label)} ({e.likelihood:.1%})"
                    ),
                    "yes" if e.outcome.occurred else "no",
                    Markdown(f"{e.squared_error:.4f}"),
                    Markdown(_level(policy, e.risk.impact)),
                    Markdown(f"{_level(policy, e.outcome.actual_impact)}{_impact_change(e)}"),
                    Markdown(escape_cell(e.outcome.note) or "-"),
                )
            )
        lines.append(table(header, rows))
    else:
        lines.append("No risk records an outcome for this release yet.")
    lines += ["", "## Occurred but never registered", ""]
    if retro.unregistered:
        unregistered = [
            (u.title, Markdown(_level(policy, u.impact)), Markdown(escape_cell(u.note) or "-"))
            for u in retro.unregistered
        ]
        lines.append(table(("What happened", "Impact", "Note"), unregistered))
    else:
        lines.append(f"None listed (in {RETRO_DIR}/{escape_text(retro.release)}.yaml).")
    if retro.without_outcome:
        lines += ["", "## Without a recorded outcome", ""]
        lines += [f"- {r.id}: {escape_text(r.title)}" for r in retro.without_outcome]
    if calibration is not None:
        lines += ["", *render_calibration(calibration)]
        while lines and not lines[-1]:
            lines.pop()
    if retro.findings:
        lines += ["", "## Findings", ""]
        lines += [f"- {escape_text(f.as_text())}" for f in retro.findings]
    return "\n".join(lines) + "\n"
