"""`riskbot portfolio`: a hub repository's view of many registers, PORTFOLIO.md and its JSON.

The hub file (``portfolio.yml``, schema ``portfolio.schema.json``) lists the repositories, or an
organisation and the topic or custom property that marks its registers. The registers are read
through the API (:mod:`bot.github.portfolio`); here each one is checked and reduced to its summary
(:mod:`bot.register.portfolio`), with its recorded outcomes as ``riskbot retro`` reads them, and
the portfolio is written: ``PORTFOLIO.md`` and ``portfolio.json``. The JSON holds every summary
and what each repository's last read saw (commit, ETag), so it is also the next run's memory.

For a big organisation the reading is split into shards (``--shard K/N``), each writing a JSON
of its summaries; merging them gives byte for byte the documents one job writes, since both
are made from the same summaries by the same function (:func:`documents`).
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import __version__
from bot.documents.retro import CalibrationRow, brier_of, build_retro
from bot.errors import RiskbotError, UsageError
from bot.register.findings import Finding, error
from bot.register.load import Register, SourceFile, build_register
from bot.register.method import Method
from bot.register.portfolio import (
    Known,
    Listed,
    OutcomeLine,
    Portfolio,
    ReadFailure,
    RegisterSummary,
    all_outcomes,
    band_counts,
    calibrates,
    changes,
    flagged_risks,
    heat_maps,
    shared_releases,
    summarize,
)
from bot.register.schemas import validate
from bot.register.yamlfile import load_yaml
from bot.render.jsondoc import dumps
from bot.render.markdown import escape_text, table
from bot.render.portfolio import (
    blob_link,
    changes_section,
    failing_section,
    flagged_section,
    heat_map_section,
    plural,
    registers_section,
    shared_section,
    unread_section,
)

HUB_FILE = "portfolio.yml"
HUB_SCHEMA = "portfolio.schema.json"
DOCUMENT = "PORTFOLIO.md"
DATA = "portfolio.json"
FORMAT = 1
DEFAULT_TITLE = "Risk portfolio"


@dataclass(frozen=True)
class Hub:
    """What a hub file asks for."""

    title: str
    listed: tuple[Listed, ...]
    organization: str | None = None
    topic: str | None = None
    prop: tuple[str, str] | None = None
    exclude: frozenset[str] = frozenset()


def load_hub(path: Path) -> tuple[Hub | None, list[Finding]]:
    """Read and check the hub file; its findings name their lines."""
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [error(name, 1, f"cannot read the hub file: {exc.strerror}", code="hub")]
    loaded = load_yaml(name, raw)
    if not loaded.ok:
        return None, loaded.findings
    findings = validate(name, loaded.data, loaded.node, HUB_SCHEMA)
    if findings:
        return None, findings
    data = loaded.data
    listed = tuple(
        Listed(item) if isinstance(item, str) else Listed(item["name"], item.get("branch"))
        for item in data.get("repositories", [])
    )
    prop = data.get("property")
    value = None
    if prop is not None:
        value = prop["value"]
        value = str(value).lower() if isinstance(value, bool) else str(value)
    return (
        Hub(
            str(data.get("title", DEFAULT_TITLE)),
            listed,
            data.get("organization"),
            data.get("topic"),
            (str(prop["name"]), value) if prop is not None and value is not None else None,
            frozenset(x.lower() for x in data.get("exclude", [])),
        ),
        [],
    )


def chosen(hub: Hub, found: Sequence[Listed]) -> list[Listed]:
    """The hub's listed repositories and those found in its organisation (on their default
    branches), once each, by name, without the excluded ones: a branch the hub names wins."""
    out: dict[str, Listed] = {}
    for item in found:
        out.setdefault(item.repo.lower(), item)
    for item in hub.listed:
        if item.branch is not None or item.repo.lower() not in out:
            out[item.repo.lower()] = item
    kept = [item for key, item in out.items() if key not in hub.exclude]
    return sorted(kept, key=lambda x: x.repo.lower())


def shard_of(repos: Sequence[Listed], shard: tuple[int, int]) -> list[Listed]:
    """Shard K of N: the repositories whose name hashes to it (stable across runs and
    listings, so a repository stays in its shard while others come and go)."""
    k, n = shard
    return [r for r in repos if zlib.crc32(r.repo.lower().encode()) % n == k - 1]


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` (1 ≤ K ≤ N ≤ 256, an Actions matrix's most jobs) as (K, N)."""
    k, _, n = text.partition("/")
    if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n) <= 256):
        raise UsageError(f"--shard {text!r}: give K/N with 1 ≤ K ≤ N ≤ 256, e.g. 2/8")
    return int(k), int(n)


# --- one register -----------------------------------------------------------------------------


def summarize_sources(
    repo: str,
    commit: str,
    policy: SourceFile | None,
    risks: list[SourceFile],
    today: dt.date,
) -> RegisterSummary:
    """Check a register read from a repository and keep its summary (outcomes included)."""
    loaded = build_register(policy, risks, today)
    outcomes: list[OutcomeLine] = []
    if isinstance(loaded, Register) and calibrates(loaded.policy.method):
        scale = loaded.policy.probability_scale
        for release in loaded.policy.releases:
            for entry in build_retro(loaded, release).entries:
                level = scale[entry.risk.probability]
                assert level.percent_min is not None
                assert level.percent_max is not None
                outcomes.append(
                    OutcomeLine(
                        entry.risk.id,
                        entry.risk.category,
                        entry.risk.owners,
                        release,
                        level.level,
                        level.label,
                        (level.percent_min, level.percent_max),
                        entry.likelihood,
                        entry.outcome.occurred,
                    )
                )
    return summarize(repo, commit, loaded, outcomes)


# --- the JSON documents ------------------------------------------------------------------------


def state_json(known: Mapping[str, Known]) -> list[dict[str, Any]]:
    return [
        {"repo": repo, "commit": k.commit, "etag": k.etag}
        for repo, k in sorted(known.items(), key=lambda x: x[0].lower())
    ]


def shard_json(shard: tuple[int, int], portfolio: Portfolio, known: Mapping[str, Known]) -> str:
    """What one shard read: its summaries, failures and the state to remember."""
    return dumps(
        {
            "format": FORMAT,
            "riskbot": __version__,
            "shard": f"{shard[0]}/{shard[1]}",
            "registers": (s.as_json() for s in portfolio.registers),
            "failures": [f.as_json() for f in portfolio.failures],
            "state": state_json(known),
        },
        ascii=True,
    )


@dataclass
class Loaded:
    """A portfolio read back from JSON (a shard's, or the last run's)."""

    portfolio: Portfolio
    known: dict[str, Known]
    riskbot: str = __version__
    """The riskbot that wrote it: another one's summaries are not reused (its checks may differ)."""

    @property
    def reusable(self) -> bool:
        return self.riskbot == __version__


def read_json(path: Path) -> Loaded:
    """A shard's or a last run's JSON; a file that is no such document is a usage error."""
    try:
        data = json.loads(path.read_bytes())
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, not {FORMAT}")
        raw = data["registers"]
        raw.reverse()
        registers = []
        methods: dict[str, Method] = {}  # registers of one policy share its method
        while raw:  # each register's parsed JSON is let go as soon as it is converted
            registers.append(RegisterSummary.from_json(raw.pop(), methods))
        failures = [ReadFailure(str(f["repo"]), str(f["reason"])) for f in data["failures"]]
        known = {
            str(s["repo"]): Known(str(s["commit"]), s.get("etag")) for s in data.get("state", [])
        }
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise UsageError(f"{path}: not a riskbot portfolio JSON ({exc})") from None
    return Loaded(Portfolio(registers, failures), known, str(data.get("riskbot", "")))


def merge(parts: Sequence[Loaded]) -> Loaded:
    """The shards as one: a repository in two shards is an error (the shards overlap)."""
    registers: list[RegisterSummary] = []
    failures: list[ReadFailure] = []
    known: dict[str, Known] = {}
    seen: set[str] = set()
    for part in parts:
        for repo in [s.repo for s in part.portfolio.registers] + [
            f.repo for f in part.portfolio.failures
        ]:
            if repo.lower() in seen:
                raise RiskbotError(f"{repo} is in two shards: the shards overlap")
            seen.add(repo.lower())
        registers += part.portfolio.registers
        failures += part.portfolio.failures
        known.update(part.known)
    return Loaded(Portfolio(registers, failures), known)


# --- calibration across registers --------------------------------------------------------------


@dataclass(frozen=True)
class GroupCalibration:
    """Predictions against outcomes of one group (a repository, a category, an owner)."""

    group: str
    row: CalibrationRow
    brier: float


def calibration_by(outcomes: Sequence[tuple[str, OutcomeLine]], key: str) -> list[GroupCalibration]:
    """Brier score and reliability (observed frequency against the mean prediction, with its
    95 % interval) per repository, category or owner, over every recorded outcome."""
    groups: dict[str, list[OutcomeLine]] = {}
    for repo, o in outcomes:
        names = {"repository": [repo], "category": [o.category], "owner": list(o.owners)}[key]
        for name in names:
            groups.setdefault(name, []).append(o)
    out = []
    for name, mine in groups.items():
        predicted = sum(o.predicted for o in mine) / len(mine)
        row = CalibrationRow(
            0, name, 0.0, 100.0, predicted, len(mine), sum(1 for o in mine if o.occurred)
        )
        brier = brier_of([(o.predicted, o.occurred) for o in mine])
        assert brier is not None
        out.append(GroupCalibration(name, row, brier))
    out.sort(key=lambda g: g.group.lower())
    return out


def calibration_by_level(outcomes: Sequence[tuple[str, OutcomeLine]]) -> list[CalibrationRow]:
    """The reliability table pooled over every register: one row per probability level (the
    same level, label and range in several registers pool together)."""
    groups: dict[tuple[int, str, float, float], list[OutcomeLine]] = {}
    for _, o in outcomes:
        groups.setdefault((o.level, o.level_label, *o.percent), []).append(o)
    return [
        CalibrationRow(
            level,
            label,
            low,
            high,
            (low + high) / 200,
            len(mine),
            sum(1 for o in mine if o.occurred),
        )
        for (level, label, low, high), mine in sorted(groups.items())
    ]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def calibration_section(
    outcomes: Sequence[tuple[str, OutcomeLine]], left_out: Sequence[str] = ()
) -> list[str]:
    """Brier score and reliability over every recorded outcome; ``left_out``: the registers
    whose probability levels have no percent ranges (no predicted chance to score)."""
    lines = ["## Calibration across registers", ""]
    if left_out:
        lines += [
            "Left out, their probability levels have no percent ranges to score: "
            + ", ".join(escape_text(r) for r in left_out)
            + ".",
            "",
        ]
    if not outcomes:
        return [*lines, "No register records an outcome yet.", ""]
    brier = brier_of([(o.predicted, o.occurred) for _, o in outcomes])
    rate = sum(1 for _, o in outcomes if o.occurred) / len(outcomes)
    assert brier is not None
    skill = None if rate in (0.0, 1.0) else 1 - brier / (rate * (1 - rate))
    lines += [
        f"Over {plural(len(outcomes), 'recorded outcome')} of "
        f"{plural(len({repo for repo, _ in outcomes}), 'register')}: Brier score {brier:.4f} (0 is "
        f"perfect; always predicting the base rate, {_pct(rate)}, scores "
        f"{rate * (1 - rate):.4f})"
        + (f"; Brier skill score {skill:.3f}." if skill is not None else "."),
        "",
    ]
    for key, title in (("repository", "Repository"), ("category", "Category"), ("owner", "Owner")):
        rows: list[tuple[str | int, ...]] = []
        for g in calibration_by(outcomes, key):
            interval = g.row.interval
            span = "-" if interval is None else f"{_pct(interval[0])}–{_pct(interval[1])}"
            rows.append(
                (
                    g.group,
                    g.row.outcomes,
                    g.row.occurred,
                    _pct(g.row.predicted),
                    _pct(g.row.observed),
                    span,
                    f"{g.brier:.4f}",
                )
            )
        header = (title, "Outcomes", "Occurred", "Predicted", "Observed", "95 % interval", "Brier")
        lines += [f"### By {key}", "", table(header, rows), ""]
    levels: list[tuple[str | int, ...]] = []
    for row in calibration_by_level(outcomes):
        interval = row.interval
        span = "-" if interval is None else f"{_pct(interval[0])}–{_pct(interval[1])}"
        verdict = (
            "outside (even at 95 %)"
            if row.clearly_outside
            else ("outside" if row.outside else "within")
        )
        levels.append(
            (
                f"{row.level} {row.label}",
                f"{row.percent_min:g}–{row.percent_max:g}%",
                row.outcomes,
                row.occurred,
                _pct(row.observed),
                span,
                verdict,
            )
        )
    header = (
        "Probability level",
        "Range",
        "Outcomes",
        "Occurred",
        "Observed",
        "95 % interval",
        "Against the range",
    )
    return [*lines, "### By probability level", "", table(header, levels), ""]


# --- the documents -----------------------------------------------------------------------------


def documents(
    title: str,
    current: Loaded,
    previous: Loaded | None,
    today: dt.date,
    server: str = "https://github.com",
) -> tuple[str, str]:
    """(PORTFOLIO.md, portfolio.json) of a portfolio, compared with the last run's."""
    portfolio = current.portfolio
    flagged = flagged_risks(portfolio)
    maps = heat_maps(portfolio)
    shared = shared_releases(portfolio)
    outcomes = all_outcomes(portfolio)
    found = changes(previous.portfolio if previous else None, portfolio)
    failing = [s for s in portfolio.registers if not s.ok]
    uncalibrated = [
        s.repo for s in portfolio.registers if s.method is not None and not calibrates(s.method)
    ]
    lines = [
        f"# {escape_text(title)}",
        "",
        f"As of {today.isoformat()}: {len(portfolio.registers)} registers read, "
        f"{len(failing)} failing their own check, {len(portfolio.failures)} not read; "
        f"{sum(len(s.open_risks) for s in portfolio.registers)} open risks, "
        f"{len(flagged)} in the bands that open issues.",
        "",
        *registers_section(portfolio, server),
        *unread_section(portfolio),
        *flagged_section(flagged, portfolio, server),
        *heat_map_section(maps),
        *shared_section(shared),
        *calibration_section(outcomes, uncalibrated),
        *failing_section(portfolio),
        *changes_section(found, previous is None),
    ]
    while lines and not lines[-1]:
        lines.pop()
    markdown = "\n".join(lines) + "\n"
    commits = {s.repo: s.commit for s in portfolio.registers}
    data = {
        "format": FORMAT,
        "riskbot": __version__,
        "title": title,
        "as_of": today.isoformat(),
        "counts": [
            {"repo": s.repo, "ok": s.ok, "bands": {b.name: n for b, n in band_counts(s)}}
            for s in portfolio.registers
        ],
        "flagged": [
            {
                "repo": f.repo,
                "id": f.risk.id,
                "title": f.risk.title,
                "band": f.risk.band,
                "score": f.risk.score,
                "url": blob_link(server, f.repo, commits[f.repo], f.risk.file),
            }
            for f in flagged
        ],
        "shared_releases": [
            {
                "release": s.release,
                **(s.odds.as_json() if s.odds is not None else {}),
                "repos": list(s.repos),
                "buffers": [list(b) for b in s.buffers],
                "without_odds": [{"repo": r, "reason": why} for r, why in s.without_odds],
            }
            for s in shared
        ],
        "calibration": [
            {
                "by": key,
                "group": g.group,
                "outcomes": g.row.outcomes,
                "occurred": g.row.occurred,
                "brier": round(g.brier, 6),
            }
            for key in ("repository", "category", "owner")
            for g in calibration_by(outcomes, key)
        ],
        "changes": [{"repo": c.repo, "risk": c.risk, "what": c.what} for c in found],
        "failures": [f.as_json() for f in portfolio.failures],
        "state": state_json(current.known),
        "registers": (s.as_json() for s in portfolio.registers),
    }
    return markdown, dumps(data, ascii=True)  # ASCII: a quarter of the memory (see dumps)
