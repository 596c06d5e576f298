"""The method: how the policy scores a risk, as one value built once by the policy loader.

The scales (impact, probability and, for FMEA, detection: 2 to 10 levels each), the bands (2 to
7, highest first, each with its cadence, colour and mark, and whether its risks get an issue),
and the formula: the product of the factors, or a lookup table that gives the band of each
impact × probability cell. Scoring, the heat map, the issue bands and the cadences read it;
nothing in the code names a band or assumes a scale (the methods riskbot ships are data, in
:mod:`bot.register.presets`).

:func:`method_from_data` turns the schema-valid policy mapping into a :class:`Method` and reports
what the schema cannot express: levels numbered 1 to N, a band table that gives every score
exactly one band, a lookup table with every cell and only known bands.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from bot.register.findings import Finding, JsonPath, error
from bot.register.suggest import did_you_mean

FACTORS = ("impact", "probability", "detection")
"""The factors of a score, as risk files name them."""
PRODUCT, TABLE = "product", "table"
LOWEST_SCORE = 1
"""Every factor at level 1: the lowest band must start here, or some scores have no band."""


class Look(NamedTuple):
    """How a band shows when the policy does not say: its mark, chart colour and label colour."""

    mark: str
    colour: str
    label_colour: str


# GitHub's own colours, from the most to the least severe; a policy of N bands that names no
# colours gets the N looks of LOOKS_FOR[N], highest band first.
_LOOKS = (
    Look("⬛", "#1f2328", "000000"),
    Look("🟪", "#8250df", "5319e7"),
    Look("🟥", "#d1242f", "b60205"),
    Look("🟧", "#bc4c00", "d93f0b"),
    Look("🟨", "#d4a72c", "fbca04"),
    Look("🟩", "#1a7f37", "0e8a16"),
    Look("🟦", "#0969da", "1d76db"),
)
LOOKS_FOR: Mapping[int, tuple[Look, ...]] = {
    n: tuple(_LOOKS[i] for i in picks)
    for n, picks in {
        2: (2, 5),
        3: (2, 4, 5),
        4: (2, 3, 4, 5),
        5: (2, 3, 4, 5, 6),
        6: (1, 2, 3, 4, 5, 6),
        7: (0, 1, 2, 3, 4, 5, 6),
    }.items()
}


class ImpactLevel(NamedTuple):
    """A level of the impact scale, with the schedule slip it stands for (in weeks), if any."""

    level: int
    label: str
    meaning: str
    slip_min_weeks: float | None = None
    slip_max_weeks: float | None = None

    @property
    def slip_weeks(self) -> float | None:
        """Expected schedule slip in weeks: the midpoint of the level's range (None: no range)."""
        if self.slip_min_weeks is None or self.slip_max_weeks is None:
            return None
        return (self.slip_min_weeks + self.slip_max_weeks) / 2


class ProbabilityLevel(NamedTuple):
    """A level of the probability scale, with the range of chances it stands for, if any."""

    level: int
    label: str
    range: str
    percent_min: float | None = None
    percent_max: float | None = None

    @property
    def likelihood(self) -> float | None:
        """Probability as a fraction: the midpoint of the level's range (None: no range)."""
        if self.percent_min is None or self.percent_max is None:
            return None
        return (self.percent_min + self.percent_max) / 200


class DetectionLevel(NamedTuple):
    """A level of the detection scale (FMEA): how unlikely the failure is to be caught."""

    level: int
    label: str
    meaning: str


Level = ImpactLevel | ProbabilityLevel | DetectionLevel


class Band(NamedTuple):
    """A band: the lowest score in it, how often its risks are monitored, how it shows, and
    whether each of its risks gets a GitHub issue."""

    name: str
    label: str
    min_score: int
    meaning: str
    monitoring: str
    colour: str = ""
    mark: str = ""
    label_colour: str = ""
    opens_issue: bool = False


@dataclass(frozen=True)
class Method:
    """Scales, bands (highest first) and formula: how a risk's levels become a score and a band."""

    impact_scale: Mapping[int, ImpactLevel]
    probability_scale: Mapping[int, ProbabilityLevel]
    bands: tuple[Band, ...]
    detection_scale: Mapping[int, DetectionLevel] = field(default_factory=dict)
    formula: str = PRODUCT
    table: Mapping[tuple[int, int], str] = field(default_factory=dict)
    """With formula ``table``: the band name of each (impact, probability) cell."""
    factor_labels: Mapping[str, str] = field(default_factory=dict)
    name: str = ""

    @property
    def detection(self) -> bool:
        """Whether detection is a third factor of the score (FMEA's risk priority number)."""
        return bool(self.detection_scale)

    @property
    def factors(self) -> tuple[str, ...]:
        return FACTORS if self.detection else FACTORS[:2]

    def scale(self, factor: str) -> Mapping[int, Level]:
        """The scale of one factor (``impact``, ``probability`` or ``detection``)."""
        scales: dict[str, Mapping[int, Level]] = {
            "impact": self.impact_scale,
            "probability": self.probability_scale,
            "detection": self.detection_scale,
        }
        return scales[factor]

    def factor_label(self, factor: str) -> str:
        """A factor's display name: the policy's (``Severity``), else the factor's own."""
        return self.factor_labels.get(factor) or factor.capitalize()

    def score(self, impact: int, probability: int, detection: int | None = None) -> int:
        """Impact × probability, × detection when the method has it."""
        product = impact * probability
        if self.detection and detection is not None:
            return product * detection
        return product

    def band_for(self, score: int) -> Band:
        """The band a score falls in: the first band, highest first, whose threshold it reaches."""
        for band in self.bands:
            if score >= band.min_score:
                return band
        return self.bands[-1]

    def band_of(self, impact: int, probability: int, detection: int | None = None) -> Band:
        """The band of a risk's levels: its cell of the table, else its score's band."""
        if self.table:
            return self._by_name[self.table[(impact, probability)]]
        return self.band_for(self.score(impact, probability, detection))

    def band(self, name: str) -> Band:
        """The band of that name (KeyError when the policy has none)."""
        return self._by_name[name]

    @cached_property
    def _by_name(self) -> dict[str, Band]:
        return {b.name: b for b in self.bands}

    @property
    def top(self) -> Band:
        return self.bands[0]

    @cached_property
    def issue_bands(self) -> tuple[Band, ...]:
        """The bands whose risks get a GitHub issue each: the top one, and those the policy adds."""
        return tuple(b for b in self.bands if b.opens_issue)

    @property
    def other_bands(self) -> tuple[Band, ...]:
        """The bands whose risks get no issue (reminded in the daily digest)."""
        return tuple(b for b in self.bands if not b.opens_issue)

    def fits(self, impact: int, probability: int, detection: int | None) -> bool:
        """Whether levels are on the scales, with detection exactly when the method has it."""
        if impact not in self.impact_scale or probability not in self.probability_scale:
            return False
        if self.detection:
            return detection is not None and detection in self.detection_scale
        return detection is None

    @cached_property
    def no_odds(self) -> str | None:
        """Why the scales give no odds and no exposure (None: they do): a level without a slip
        range or a percent range."""
        if any(i.slip_weeks is None for i in self.impact_scale.values()):
            return "the impact scale gives no schedule slip ranges"
        if any(p.likelihood is None for p in self.probability_scale.values()):
            return "the probability scale gives no percent ranges"
        return None

    def formula_text(self) -> str:
        """``impact × probability`` in the policy's words (``severity × occurrence × detection``
        for FMEA)."""
        return " × ".join(self.factor_label(f).lower() for f in self.factors)

    def band_range(self, band: Band) -> str:
        """The scores of a band in the plan's words: ``15+``, ``8–14``, ``1–7``; with a table,
        how many cells of the table are in it."""
        if self.table:
            cells = sum(1 for name in self.table.values() if name == band.name)
            return f"{cells} cell{'s' * (cells != 1)} of the table"
        higher = [b.min_score for b in self.bands if b.min_score > band.min_score]
        if not higher:
            return f"{band.min_score}+"
        top = min(higher) - 1
        return str(top) if top == band.min_score else f"{band.min_score}–{top}"

    def as_json(self) -> dict[str, Any]:
        """The method as JSON data, whole (:meth:`from_json` gives it back equal): a portfolio
        keeps each register's method beside its summary."""

        def levels(scale: Mapping[int, Level]) -> list[list[Any]]:
            return [list(scale[level]) for level in sorted(scale)]

        return {
            "name": self.name,
            "formula": self.formula,
            "factor_labels": dict(self.factor_labels),
            "impact_scale": levels(self.impact_scale),
            "probability_scale": levels(self.probability_scale),
            "detection_scale": levels(self.detection_scale),
            "bands": [list(band) for band in self.bands],
            "table": [[i, p, name] for (i, p), name in sorted(self.table.items())],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Method:
        """The method :meth:`as_json` wrote."""
        return cls(
            {int(row[0]): ImpactLevel(*row) for row in data["impact_scale"]},
            {int(row[0]): ProbabilityLevel(*row) for row in data["probability_scale"]},
            tuple(Band(*row) for row in data["bands"]),
            {int(row[0]): DetectionLevel(*row) for row in data["detection_scale"]},
            str(data["formula"]),
            {(int(i), int(p)): str(name) for i, p, name in data["table"]},
            {str(k): str(v) for k, v in data["factor_labels"].items()},
            str(data["name"]),
        )


def levels_text(impact: int, probability: int, detection: int | None, sep: str = " × ") -> str:
    """``4 × 4``, or ``4 × 4 × 3`` for a risk with a detection level."""
    levels = [impact, probability] + ([] if detection is None else [detection])
    return sep.join(str(x) for x in levels)


def set_problems(have: Sequence[str], wanted: Sequence[str]) -> str:
    """``level 5 is missing; level 3 is defined twice``: how a list differs from a fixed set."""
    parts = []
    missing = [w for w in wanted if w not in have]
    if missing:
        parts.append(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing")
    twice = [w for w in dict.fromkeys(have) if have.count(w) > 1]
    parts += [
        f"{w} is defined {'twice' if have.count(w) == 2 else f'{have.count(w)} times'}"
        for w in twice
    ]
    unknown = [h for h in dict.fromkeys(have) if h not in wanted]
    parts += [f"{h} is not one of {', '.join(wanted)}" for h in unknown]
    return "; ".join(parts) or f"must be {', '.join(wanted)}"


Where = Callable[[JsonPath], int]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _scale_levels(data: Mapping[str, Any], name: str, file: str, where: Where) -> list[Finding]:
    """A scale of N entries has the levels 1 to N, each once."""
    levels = [int(x["level"]) for x in data[name]]
    wanted = tuple(f"level {n}" for n in range(1, len(levels) + 1))
    if sorted(levels) == list(range(1, len(levels) + 1)):
        return []
    have = [f"level {n}" for n in levels]
    return [
        error(
            file,
            where((name,)),
            f"{name}: {set_problems(have, wanted)}",
            path=(name,),
            code="policy",
        )
    ]


def _ranges(data: Mapping[str, Any], file: str, where: Where) -> list[Finding]:
    """Each level's range reads from low to high: percent, and schedule slip in weeks."""
    found: list[Finding] = []
    for scale, key in (("probability_scale", "percent"), ("impact_scale", "schedule_slip_weeks")):
        for i, level in enumerate(data[scale]):
            if key not in level:
                continue
            low, high = level[key]["min"], level[key]["max"]
            if low > high:
                path = (scale, i, key)
                found.append(
                    error(
                        file,
                        where((*path, "min")),
                        f"{scale} level {level['level']}: {key} min {low} is above max {high}",
                        path=path,
                        code="policy",
                    )
                )
    return found


def _bands(
    entries: Sequence[Mapping[str, Any]], formula: str, file: str, where: Where
) -> tuple[tuple[Band, ...], list[Finding]]:
    """The bands, highest first, with the looks of their position where the policy gives none.

    A product formula takes them as listed (its band table checks that order) and needs each
    one's min_score; with a table, a min_score is optional and orders the bands when every band
    has one, else the list does.
    """
    found: list[Finding] = []
    looks = LOOKS_FOR.get(len(entries), _LOOKS[: len(entries)])
    names = [str(b["name"]) for b in entries]
    for i, name in enumerate(names):
        if names.index(name) != i:
            found.append(
                error(
                    file,
                    where(("bands", i, "name")),
                    f"band '{name}' is defined twice (first at line "
                    f"{where(('bands', names.index(name), 'name'))})",
                    path=("bands", i, "name"),
                    code="band-table",
                )
            )
        if formula == PRODUCT and "min_score" not in entries[i]:
            found.append(
                error(
                    file,
                    where(("bands", i)),
                    f"band '{name}' has no min_score: with the product formula each band "
                    "needs the lowest score in it",
                    path=("bands", i),
                    code="band-table",
                )
            )
    order = list(range(len(entries)))
    if formula == TABLE and all("min_score" in b for b in entries):
        order.sort(key=lambda i: -int(entries[i]["min_score"]))
    ranked = [(i, entries[i]) for i in order]
    opens = [n == 0 or bool(b.get("opens_issue")) for n, (_, b) in enumerate(ranked)]
    bands = tuple(
        Band(
            str(b["name"]),
            str(b.get("label", b["name"])),
            int(b.get("min_score", 0)),
            str(b.get("meaning", "")),
            str(b["monitoring"]),
            str(b.get("colour", look.colour)),
            str(b.get("mark", look.mark)),
            str(b["colour"]).lstrip("#").lower() if "colour" in b else look.label_colour,
            opens[n],
        )
        for n, ((_, b), look) in enumerate(zip(ranked, looks, strict=False))
    )
    return bands, found + _issue_bands(ranked, file, where)


def _issue_bands(
    ranked: Sequence[tuple[int, Mapping[str, Any]]], file: str, where: Where
) -> list[Finding]:
    """The bands that open issues are the top ones: the top band always, then each one below
    a band that does. ``ranked``: (index in the file, band), highest first."""
    found: list[Finding] = []
    if ranked and ranked[0][1].get("opens_issue") is False:
        i, top = ranked[0]
        found.append(
            error(
                file,
                where(("bands", i, "opens_issue")),
                f"band '{top['name']}' is the top band: its risks always get an issue "
                "(remove opens_issue: false)",
                path=("bands", i, "opens_issue"),
                code="band-table",
            )
        )
    for n in range(1, len(ranked)):
        (i, band), (_, above) = ranked[n], ranked[n - 1]
        if band.get("opens_issue") and not above.get("opens_issue", n - 1 == 0):
            found.append(
                error(
                    file,
                    where(("bands", i, "opens_issue")),
                    f"band '{band['name']}' opens issues but '{above['name']}' above it does "
                    "not: the bands that open issues are the top bands",
                    path=("bands", i, "opens_issue"),
                    code="band-table",
                )
            )
    return found


def _band_table(
    entries: Sequence[Mapping[str, Any]],
    top_levels: Sequence[tuple[str, int]],
    file: str,
    where: Where,
) -> list[Finding]:
    """Thresholds strictly falling down the list, the lowest at 1, none above the highest score:
    then every possible score falls in exactly one band."""
    found: list[Finding] = []
    index = {str(b["name"]): i for i, b in enumerate(entries)}

    def at(name: str, message: str) -> None:
        path = ("bands", index[name], "min_score")
        found.append(error(file, where(path), message, path=path, code="band-table"))

    names = list(index)
    start = {name: int(entries[i]["min_score"]) for name, i in index.items()}
    rising = " to ".join(reversed(names))
    upside_down = all(start[a] < start[b] for a, b in itertools.pairwise(names))
    for high, low in itertools.pairwise(names):
        if start[high] <= start[low]:
            hint = "; list the bands from the highest to the lowest" if upside_down else ""
            at(
                high,
                f"band '{high}' starts at {start[high]}, not above '{low}' ({start[low]}): "
                f"thresholds must rise strictly from {rising}, or a score falls in two bands"
                f"{hint}",
            )
            if upside_down:
                break
    lowest = names[-1]
    if start[lowest] != LOWEST_SCORE and not upside_down:
        gap = (
            f"scores {LOWEST_SCORE}–{start[lowest] - 1} fall in no band"
            if start[lowest] > LOWEST_SCORE + 1
            else f"score {LOWEST_SCORE} falls in no band"
        )
        ones = " × ".join(f"{factor} 1" for factor, _ in top_levels)
        at(
            lowest,
            f"band '{lowest}' starts at {start[lowest]}: {gap}; the lowest band must start at "
            f"{LOWEST_SCORE} ({ones})",
        )
    highest = 1
    for _, level in top_levels:
        highest *= level
    tops = " × ".join(str(level) for _, level in top_levels)
    for name, value in start.items():
        if value > highest:
            at(name, f"band '{name}' starts at {value}: no score reaches it ({tops} = {highest})")
    return found


def _table(
    data: Mapping[str, Any],
    impact: Sequence[int],
    probability: Sequence[int],
    bands: Sequence[str],
    file: str,
    where: Where,
) -> tuple[dict[tuple[int, int], str], list[Finding]]:
    """The lookup table: one entry per impact level, one known band per probability level."""
    found: list[Finding] = []
    cells: dict[tuple[int, int], str] = {}
    entries = data["method"].get("table", [])
    seen: dict[int, int] = {}

    def refuse(path: JsonPath, message: str) -> None:
        found.append(error(file, where(path), message, path=path, code="method-table"))

    for i, entry in enumerate(entries):
        level = int(entry["impact"])
        path: JsonPath = ("method", "table", i)
        if level not in impact:
            refuse(
                (*path, "impact"),
                f"method.table: impact {level} is not a level of the impact scale "
                f"(1–{len(impact)})",
            )
            continue
        if level in seen:
            refuse(
                (*path, "impact"),
                f"method.table: impact {level} has two rows (the first at line "
                f"{where(('method', 'table', seen[level], 'impact'))})",
            )
            continue
        seen[level] = i
        row = [str(b) for b in entry["bands"]]
        if len(row) != len(probability):
            refuse(
                (*path, "bands"),
                f"method.table: impact {level} gives {len(row)} cells, the probability scale "
                f"has {len(probability)} levels: one band per probability level, lowest first",
            )
            continue
        for p, name in zip(probability, row, strict=True):
            if name not in bands:
                refuse(
                    (*path, "bands"),
                    f"method.table: impact {level}, probability {p} names unknown band "
                    f"'{name}'{did_you_mean(name, bands)} (bands: {', '.join(bands)})",
                )
            cells[(level, p)] = name
    missing = [str(level) for level in impact if level not in seen]
    if missing:
        refuse(
            ("method", "table"),
            f"method.table has no row for impact {', '.join(missing)}: every cell of the "
            "impact × probability matrix needs a band",
        )
    return cells, found


def method_from_data(
    data: Mapping[str, Any], file: str, where: Where
) -> tuple[Method | None, list[Finding]]:
    """The method of a schema-valid policy mapping, or None and the findings that stop it."""
    found: list[Finding] = []
    spec = data.get("method", {})
    formula = str(spec.get("formula", PRODUCT))
    detection = bool(spec.get("detection", False))
    impact = {
        int(i["level"]): ImpactLevel(
            int(i["level"]),
            str(i["label"]),
            str(i.get("meaning", "")),
            _float(i.get("schedule_slip_weeks", {}).get("min")),
            _float(i.get("schedule_slip_weeks", {}).get("max")),
        )
        for i in data["impact_scale"]
    }
    probability = {
        int(p["level"]): ProbabilityLevel(
            int(p["level"]),
            str(p["label"]),
            str(p.get("range", "")),
            _float(p.get("percent", {}).get("min")),
            _float(p.get("percent", {}).get("max")),
        )
        for p in data["probability_scale"]
    }
    detection_scale = {
        int(d["level"]): DetectionLevel(int(d["level"]), str(d["label"]), str(d.get("meaning", "")))
        for d in data.get("detection_scale", [])
    }
    found += _ranges(data, file, where)
    for name in ("impact_scale", "probability_scale", "detection_scale"):
        if name in data:
            found += _scale_levels(data, name, file, where)
    if detection and "detection_scale" not in data:
        found.append(
            error(
                file,
                where(("method", "detection")),
                "method.detection is true but the policy has no detection_scale (2 to 10 "
                "levels, like the impact scale)",
                path=("method", "detection"),
                code="policy",
            )
        )
    if "detection_scale" in data and not detection:
        found.append(
            error(
                file,
                where(("detection_scale",)),
                "detection_scale is given but the method does not score detection: set "
                "method.detection: true (score = impact × probability × detection), or remove it",
                path=("detection_scale",),
                code="policy",
            )
        )
    if formula == TABLE and "table" not in spec:
        found.append(
            error(
                file,
                where(("method", "formula")),
                "method.formula is table but method.table is missing: one row per impact level "
                "with the band of each probability level",
                path=("method", "formula"),
                code="method-table",
            )
        )
    if formula != TABLE and "table" in spec:
        found.append(
            error(
                file,
                where(("method", "table")),
                "method.table is given but method.formula is not table: set formula: table, or "
                "remove the table",
                path=("method", "table"),
                code="method-table",
            )
        )
    if formula == TABLE and detection:
        found.append(
            error(
                file,
                where(("method", "detection")),
                "a lookup table gives the band of impact × probability: it cannot weigh "
                "detection; use the product formula with detection",
                path=("method", "detection"),
                code="method-table",
            )
        )
    bands, band_findings = _bands(data["bands"], formula, file, where)
    if not found and not band_findings and formula == PRODUCT:
        top_levels = [("impact", len(impact)), ("probability", len(probability))]
        if detection:
            top_levels.append(("detection", len(detection_scale)))
        band_findings += _band_table(data["bands"], top_levels, file, where)
    cells: dict[tuple[int, int], str] = {}
    if not found and not band_findings and formula == TABLE:
        cells, band_findings = _table(
            data, sorted(impact), sorted(probability), [b.name for b in bands], file, where
        )
    found += band_findings
    if found:
        return None, found
    labels = {str(k): str(v) for k, v in spec.get("factor_labels", {}).items()}
    method = Method(
        impact_scale=impact,
        probability_scale=probability,
        bands=bands,
        detection_scale=detection_scale,
        formula=formula,
        table=cells,
        factor_labels=labels,
        name=str(spec.get("name", "")),
    )
    return method, found
