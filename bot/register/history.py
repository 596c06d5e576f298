"""The register's history: every revision of the register in git, scored as it was then.

Pure: the revisions come in as data (commit, date, author, and the blob ids of the policy and of
each risk file), with the blobs' bytes; :mod:`bot.repo.history` reads them from git.

- Each revision is scored with the policy of that revision. Where that policy is missing or does
  not load, the nearest valid one is used (the latest before it, else the first after it) and the
  history says so.
- A commit's date is its author date in UTC (rebase and amend keep it), never earlier than the
  date of the revision before it, so "the register on a day" has one answer. A date no calendar
  holds or in the future was replaced before it came here (:mod:`bot.repo.history`), and the
  revision carries a note saying so.
- Each blob is parsed once, however many revisions share it; a risk file that does not load at a
  revision keeps its risk's previous state there (the revision is noted, not the risk removed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import yaml

from bot.register.defaults import BASE_POLICY_PATH
from bot.register.load import POLICY_PATH, RISK_SUFFIXES, SourceFile, load_policy
from bot.register.method import Band
from bot.register.policy import Policy
from bot.register.residual import residual_levels
from bot.register.risk import ID_RE, Risk, risk_from_data
from bot.register.schemas import RISK_SCHEMA, fast_validator, validate
from bot.register.scoring import levels_fit
from bot.register.yamlfile import MAX_FILE_BYTES, RiskLoader, load_yaml

TRACKED = ("score", "band", "owner", "status", "residual", "reviewed", "file")
"""The fields a change of a risk names, old → new (others are "other fields")."""


@dataclass(frozen=True, slots=True)
class Revision:
    """One commit that touched the register, as git gives it."""

    commit: str
    date: dt.datetime
    author: str
    policy: str | None
    risks: tuple[tuple[str, str], ...]
    """(path, blob id) of every risk file of the revision."""
    base: str | None = None
    """The blob id of the vendored base policy the revision's policy may extend."""
    date_note: str | None = None
    """Why ``date`` is not the commit's author date (out of range, in the future), if so."""


@dataclass(frozen=True, slots=True)
class RiskState:
    """What a risk was at one revision: its score under that revision's policy, and more."""

    id: str
    title: str
    file: str
    impact: int
    probability: int
    score: int
    band: str
    owner: str
    status: str
    open: bool
    residual: tuple[int, int] | None
    """(impact, probability) of the residual target, if any."""
    reviewed: str
    blob: str
    residual_score: int | None = None
    detection: int | None = None
    """The detection level, where the revision's method scores it."""
    residual_detection: int | None = None

    def _levels(self, *levels: int | None) -> str:
        return " × ".join(str(x) for x in levels if x is not None)

    def value(self, name: str) -> str:
        """A tracked field as text."""
        if name == "score":
            return f"{self.score} ({self._levels(self.impact, self.probability, self.detection)})"
        if name == "residual":
            if self.residual is None:
                return "-"
            levels = self._levels(*self.residual, self.residual_detection)
            return f"{self.residual_score} ({levels})"
        return str(getattr(self, name))


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class RiskChange:
    """One commit that changed one risk: added, changed or removed, with what changed."""

    risk: str
    commit: str
    date: dt.date
    author: str
    kind: str
    """``added``, ``changed`` or ``removed``."""
    fields: tuple[FieldChange, ...]
    state: RiskState
    """The risk after the change (before it, for a removal)."""

    @property
    def score_changed(self) -> bool:
        return self.kind == "added" or any(f.field == "score" for f in self.fields)


@dataclass(frozen=True, slots=True)
class WeekPoint:
    """The register at the end of an ISO week: open risks per band and their total score."""

    week: str
    end: dt.date
    counts: Mapping[str, int]
    """Open risks by band name (every band of :attr:`History.bands`, zeros included)."""
    total_score: int
    total_residual: int


@dataclass(frozen=True, slots=True)
class Note:
    """Something the history could not read as it was: a policy replaced, a file skipped, a
    commit's date replaced (``file`` empty: the note is about the commit)."""

    commit: str
    date: dt.date
    file: str
    message: str

    @property
    def about(self) -> str:
        """``commit file: message``, the file left out for a note about the commit."""
        where = f" {self.file}" if self.file else ""
        return f"{self.commit[:12]}{where}: {self.message}"


@dataclass
class History:
    """Every change of every risk, oldest first, and the register week by week."""

    revisions: int = 0
    changes: list[RiskChange] = field(default_factory=list)
    weeks: list[WeekPoint] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    first: dt.date | None = None
    last: dt.date | None = None
    unavailable: str | None = None
    """Why there is no history (not a git repository, …); None when there is one."""
    pending: tuple[str, ...] = ()
    """The register's files whose working-tree state, not committed yet, ends the history."""
    bands: tuple[Band, ...] = ()
    """The bands the weeks count: the newest policy's, highest first, then any band of an older
    policy that it no longer has."""

    @property
    def available(self) -> bool:
        return self.unavailable is None

    def of(self, risk_id: str) -> list[RiskChange]:
        return [c for c in self.changes if c.risk == risk_id]

    def trend(self, risk_id: str) -> list[tuple[dt.date, int]]:
        """The risk's score at each change of it: (date, score), oldest first."""
        return [(c.date, c.state.score) for c in self.of(risk_id) if c.score_changed]

    @property
    def risk_ids(self) -> list[str]:
        return sorted({c.risk for c in self.changes})


def no_history(reason: str) -> History:
    return History(unavailable=reason)


def _risk_id_of(path: str) -> str | None:
    stem = path.rsplit("/", 1)[-1].split("-", 2)
    candidate = "-".join(stem[:2]).split(".")[0]
    return candidate if ID_RE.match(candidate) else None


class _Reader:
    """Blobs parsed once each: policies by blob id, risks by blob id."""

    def __init__(self, blobs: Mapping[str, bytes]) -> None:
        self.blobs = blobs
        self.policies: dict[tuple[str, str | None], Policy | None] = {}
        self.risks: dict[tuple[str, str], Risk | None] = {}
        self.states: dict[tuple[str, str, int], RiskState] = {}

    def state(self, path: str, blob: str, risk: Risk, policy: Policy) -> RiskState:
        """One state object per (file, blob, policy): an unchanged risk is the same object."""
        key = (path, blob, id(policy))
        if key not in self.states:
            self.states[key] = _state(risk, blob, policy)
        return self.states[key]

    def policy(self, blob: str | None, base: str | None = None) -> Policy | None:
        """The policy of a blob, resolved with the vendored base of that revision, if any."""
        if blob is None:
            return None
        if (blob, base) not in self.policies:
            vendored = None if base is None else SourceFile(BASE_POLICY_PATH, self.blobs[base])
            source = SourceFile(POLICY_PATH, self.blobs[blob], base=vendored)
            self.policies[blob, base], _ = load_policy(source)
        return self.policies[blob, base]

    def bands(self) -> tuple[Band, ...]:
        """Every band of the policies read, the newest policy's first (see History.bands)."""
        policies = [p for p in self.policies.values() if p is not None]
        out: dict[str, Band] = {}
        for policy in reversed(policies):
            for band in policy.bands:
                out.setdefault(band.name, band)
        return tuple(out.values())

    def risk(self, path: str, blob: str) -> Risk | None:
        key = (path, blob)
        if key not in self.risks:
            self.risks[key] = _parse_risk(path, self.blobs[blob])
        return self.risks[key]


def _parse_risk(path: str, raw: bytes) -> Risk | None:
    """A risk file at a revision, or None where it does not load (no findings: only whether).

    A file without anchors (no ``&``) cannot expand aliases, so it is read by the plain C loader,
    without line positions; any other goes through the bounded loader of ``riskbot check``.
    """
    if b"&" not in raw and len(raw) <= MAX_FILE_BYTES:
        try:
            data = yaml.load(raw.decode("utf-8"), Loader=RiskLoader)  # noqa: S506 - a safe loader
            fast_validator(RISK_SCHEMA)(data)
        except Exception:  # any problem at all: the file does not load at this revision
            return None
        return risk_from_data(path, data, {})
    loaded = load_yaml(path, raw)
    if not loaded.ok or validate(path, loaded.data, loaded.node, RISK_SCHEMA):
        return None
    return risk_from_data(path, loaded.data, {})


def _state(risk: Risk, blob: str, policy: Policy) -> RiskState:
    method = policy.method
    score = method.score(risk.impact, risk.probability, risk.detection)
    target = residual_levels(risk)
    residual = None if target is None else (target[0], target[1])
    return RiskState(
        id=risk.id,
        title=risk.title,
        file=risk.file,
        impact=risk.impact,
        probability=risk.probability,
        score=score,
        band=method.band_of(risk.impact, risk.probability, risk.detection).name,
        owner=" / ".join(risk.owners),
        status=risk.state + (f": {risk.status_note}" if risk.status_note else ""),
        open=risk.is_open,
        residual=residual,
        reviewed=risk.last_reviewed.isoformat() if risk.last_reviewed else "-",
        blob=blob,
        residual_score=None if target is None else method.score(*target),
        detection=risk.detection if method.detection else None,
        residual_detection=target[2] if target is not None and method.detection else None,
    )


def _policies(revisions: Sequence[Revision], reader: _Reader) -> list[Policy | None]:
    """Each revision's policy: its own, else the latest valid one before, else the next after."""
    own = [reader.policy(r.policy, r.base) for r in revisions]
    chosen: list[Policy | None] = []
    latest: Policy | None = None
    for policy in own:
        latest = policy or latest
        chosen.append(latest)
    upcoming: Policy | None = None
    for i in range(len(own) - 1, -1, -1):
        upcoming = own[i] or upcoming
        if chosen[i] is None:
            chosen[i] = upcoming
    return chosen


def _changes(old: RiskState, new: RiskState) -> tuple[FieldChange, ...]:
    out = [
        FieldChange(name, old.value(name), new.value(name))
        for name in TRACKED
        if old.value(name) != new.value(name)
    ]
    if not out and old.blob != new.blob:
        out.append(FieldChange("other fields", "", "edited"))
    return tuple(out)


def _utc_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(dt.UTC).date()


def _iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _weeks(
    snapshots: Sequence[tuple[dt.date, Mapping[str, RiskState]]], bands: Sequence[str]
) -> list[WeekPoint]:
    """The register at the end of each ISO week in which it changed (a week between two such
    weeks holds what the earlier one ends with), so the cost follows the commits, not the span."""
    ends: dict[dt.date, Mapping[str, RiskState]] = {}
    for day, current in snapshots:  # in date order: the last revision of a week wins
        ends[day + dt.timedelta(days=6 - day.weekday())] = current
    out: list[WeekPoint] = []
    for end, current in ends.items():
        open_ = [s for s in current.values() if s.open]
        counts = {b: sum(1 for s in open_ if s.band == b) for b in bands}
        # A risk without a residual target is expected to stay where it is.
        residual = sum(s.score if s.residual_score is None else s.residual_score for s in open_)
        out.append(WeekPoint(_iso_week(end), end, counts, sum(s.score for s in open_), residual))
    return out


def build_history(revisions: Sequence[Revision], blobs: Mapping[str, bytes]) -> History:
    """Score every revision with its policy and record what changed, risk by risk and weekly."""
    history = History(revisions=len(revisions))
    if not revisions:
        return no_history("the register has no commits yet")
    reader = _Reader(blobs)
    policies = _policies(revisions, reader)
    if all(p is None for p in policies):
        return no_history("no revision of the register has a valid policy")
    previous: dict[str, RiskState] = {}
    snapshots: list[tuple[dt.date, Mapping[str, RiskState]]] = []
    day = _utc_day(revisions[0].date)
    for revision, policy in zip(revisions, policies, strict=True):
        assert policy is not None  # at least one revision has one, so every revision gets one
        day = max(day, _utc_day(revision.date))
        if revision.date_note is not None:
            history.notes.append(Note(revision.commit, day, "", revision.date_note))
        if revision.policy is None or reader.policy(revision.policy, revision.base) is None:
            history.notes.append(
                Note(
                    revision.commit,
                    day,
                    POLICY_PATH,
                    "the policy is missing or does not load at this commit; scored with the "
                    "nearest valid policy",
                )
            )
        current: dict[str, RiskState] = {}
        unreadable: set[str] = set()
        for path, blob in revision.risks:
            if not path.endswith(RISK_SUFFIXES):
                continue
            risk = reader.risk(path, blob)
            if risk is not None and not levels_fit(risk, policy):
                risk = None  # its levels are not on this revision's scales: it cannot be scored
            if risk is None:
                rid = _risk_id_of(path)
                if rid is not None:
                    unreadable.add(rid)
                history.notes.append(
                    Note(revision.commit, day, path, "does not load at this commit; skipped")
                )
                continue
            if risk.id not in current:
                current[risk.id] = reader.state(path, blob, risk, policy)
        for rid in unreadable:
            if rid not in current and rid in previous:
                current[rid] = previous[rid]  # unknown at this revision: as it was
        for rid in sorted(current.keys() | previous.keys()):
            old, new = previous.get(rid), current.get(rid)
            if old is None and new is not None:
                change = RiskChange(rid, revision.commit, day, revision.author, "added", (), new)
            elif new is None and old is not None:
                change = RiskChange(rid, revision.commit, day, revision.author, "removed", (), old)
            elif (
                old is not None
                and new is not None
                and old is not new
                and (fields := _changes(old, new))
            ):
                change = RiskChange(
                    rid, revision.commit, day, revision.author, "changed", fields, new
                )
            else:
                continue
            history.changes.append(change)
        previous = current
        snapshots.append((day, current))
    history.bands = reader.bands()
    history.weeks = _weeks(snapshots, [b.name for b in history.bands])
    history.first, history.last = snapshots[0][0], snapshots[-1][0]
    return history


def since(history: History, day: dt.date | None) -> History:
    """The history from a day on: its changes, weeks and notes (all of it for None)."""
    if day is None:
        return history
    return replace(
        history,
        changes=[c for c in history.changes if c.date >= day],
        weeks=[w for w in history.weeks if w.end >= day],
        notes=[n for n in history.notes if n.date >= day],
    )


def quarter_start(day: dt.date) -> dt.date:
    """The first day of the quarter a day is in."""
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def last_quarterly_review(history: History) -> dt.date | None:
    """The start of the quarter of the newest revision: the last quarterly review by the plan's
    calendar, taken from the history itself so the same history always gives the same day."""
    return None if history.last is None else quarter_start(history.last)


def only(history: History, risk_ids: Iterable[str]) -> History:
    """The history of some risks only (the weekly register is kept whole)."""
    wanted = set(risk_ids)
    return replace(history, changes=[c for c in history.changes if c.risk in wanted])
