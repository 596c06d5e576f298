"""The auditor: the document's own arithmetic and consistency, reported on its lines.

A stated score that is not the product of the risk's levels, a band word its thresholds
contradict, a level word whose percentage falls outside that level's range, a count the document
states about itself that its entries do not bear out, a risk listed twice with different values,
and an id two risks share. All are warnings: the risks still import, with the levels the
document states and the score and band its method gives them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.intake.levels import plain, resolve
from bot.intake.mapper import Mapped, Twice
from bot.intake.records import Document
from bot.intake.resolve import Method, Resolved, resolve_risk
from bot.intake.vocabulary import status_of
from bot.register.findings import Finding, warning

COMPARED = ("impact", "probability", "detection", "score", "band", "owner", "status")
STATE_COUNT_WORDS = {
    "open": ("planning", "active", "monitor"),
    "active": ("active",),
    "closed": ("closed",),
    "mitigated": ("closed",),
    "resolved": ("closed",),
    "monitored": ("monitor",),
    "accepted": ("monitor",),
}


def _times(levels: Sequence[int]) -> str:
    return " × ".join(str(n) for n in levels)


def audit(
    doc: Document, method: Method, found: Sequence[Resolved], twice: Sequence[Twice]
) -> list[Finding]:
    """Every mistake the document makes about itself, each on its line."""
    out: list[Finding] = []
    name = doc.name

    def warn(line: int, message: str) -> None:
        out.append(warning(name, abs(line), message, code="document"))

    thresholds = {
        "document": "the document's thresholds",
        "matrix": "the thresholds of the document's matrix",
        "table": "the document's matrix",
        "risks": "the thresholds its other risks follow",
        "method": f"the {method.preset} method's thresholds (the document states none)",
    }[method.thresholds]
    for r in found:
        if not r.ok:
            continue
        levels = [r.levels[f].level for f in method.factors]
        score = method.score({f: r.levels[f].level for f in method.factors})
        if r.product is not None:
            out.extend(_product_levels(name, method, r))
            factors, stated, cell = r.product
            product = 1
            for n in factors:
                product *= n
            if stated != product:
                warn(
                    cell.line,
                    f"{r.risk.name}: stated score {stated} is not {_times(factors)} = {product}",
                )
        elif r.stated_score is not None and r.stated_score[0] != score:
            stated, cell = r.stated_score
            named = [
                f"{r.levels[f].text} = {r.levels[f].level}"
                for f in method.factors
                if r.levels[f].text != str(r.levels[f].level)
            ]
            words = f" ({', '.join(named)})" if named else ""
            warn(
                cell.line,
                f"{r.risk.name}: stated score {stated} is not {_times(levels)} = {score}{words}",
            )
        if r.band_word is not None:
            word, cell = r.band_word
            said = method.band_named(word)
            right = method.band_of({f: r.levels[f].level for f in method.factors})
            if said is not None and said.name != right.name:
                warn(
                    cell.line,
                    f"{r.risk.name}: '{word}' contradicts {thresholds}: {_why(method, r)}",
                )
        p = r.levels.get("probability")
        scale = method.scales["probability"]
        if p is not None and p.percent is not None and p.word and scale.percents and scale.own:
            low, high = scale.percents.get(p.level, (0.0, 100.0))
            if not low <= p.percent <= high:
                where = r.risk.first("probability")
                warn(
                    where.line if where else r.risk.line,
                    f"{r.risk.name}: '{p.text}': {p.percent:g}% is outside "
                    f"{scale.labels[p.level - 1]}'s {low:g}-{high:g}%",
                )
        out.extend(_listings(name, method, r))
    for t in twice:
        warn(
            t.second.line,
            f"id {t.own_id} is used twice: '{t.first.title}' (line {t.first.line}) and "
            f"'{t.second.title}'; both are imported, under ids of their own",
        )
    out.extend(_counts(doc, method, found))
    out.extend(_matrix(doc, method))
    return out


def _why(method: Method, r: Resolved) -> str:
    """Why a risk is in its band: ``score 12 (4 × 3) is High (≥ 10)``, or its cell of the
    table, ``impact 4 × probability 2 is High``."""
    levels = {f: r.levels[f].level for f in method.factors}
    band = method.band_of(levels)
    if method.table:
        return f"impact {levels['impact']} × probability {levels['probability']} is {band.label}"
    score = method.score(levels)
    times = _times([levels[f] for f in method.factors])
    return f"score {score} ({times}) is {band.label} (≥ {band.min_score})"


def _matrix(doc: Document, method: Method) -> list[Finding]:
    """A cell of the document's matrix that its own thresholds give another band."""
    matrix = doc.matrix
    if matrix is None or method.table or method.thresholds not in ("document", "matrix"):
        return []
    if "detection" in method.scales:
        return []
    out = []
    for (down, across), cell in sorted(matrix.cells.items(), key=lambda c: c[1].line):
        levels = {matrix.rows: down, matrix.columns: across}
        said = method.band_named(cell.text)
        if levels["impact"] > method.scales["impact"].size:
            return []  # drawn on other scales than the risks': no cell to compare
        if levels["probability"] > method.scales["probability"].size:
            return []
        right = method.band_of(levels)
        if said is not None and said.name != right.name:
            out.append(
                warning(
                    doc.name,
                    cell.line,
                    f"the matrix gives {cell.label} '{cell.text}', but the document's thresholds "
                    f"make impact {levels['impact']} × probability {levels['probability']} = "
                    f"{method.score(levels)} {right.label} (≥ {right.min_score})",
                    code="document",
                )
            )
    return out


def _product_levels(name: str, method: Method, r: Resolved) -> list[Finding]:
    """A level the risk states that its own score line does not use."""
    assert r.product is not None
    factors, _, cell = r.product
    order = method.formula if len(factors) == len(method.formula) else method.factors
    out = []
    for f, used in zip(order, factors, strict=False):
        level = r.levels.get(f)
        said = r.risk.first(f)
        if level is not None and said is not None and level.level != used:
            out.append(
                warning(
                    name,
                    said.line,
                    f"{r.risk.name}: {f} '{said.text.strip()}' is level {level.level}, but its "
                    f"score line (line {cell.line}) uses {used}",
                    code="document",
                )
            )
    return out


def _value(risk: Mapped, field: str, method: Method) -> str:
    cell = risk.first(field)
    if cell is None:
        return ""
    if field in method.scales:
        level = resolve(cell.text, method.scales[field])
        return str(level.level) if level else plain(cell.text)
    if field == "status":
        state = status_of(cell.text)
        return state["state"] if state else plain(cell.text)
    return re.sub(r"\s+", " ", cell.text.strip().casefold())


def _listings(name: str, method: Method, r: Resolved) -> list[Finding]:
    out: list[Finding] = []
    for other in r.risk.listings:
        for field in COMPARED:
            if field == "score":
                mine = resolve_risk(r.risk, method).stated_score
                theirs = resolve_risk(other, method).stated_score
                a = str(mine[0]) if mine else ""
                b = str(theirs[0]) if theirs else ""
            elif field == "band":
                mine_w = r.band_word
                theirs_w = resolve_risk(other, method).band_word
                a = plain(mine_w[0]) if mine_w else ""
                b = plain(theirs_w[0]) if theirs_w else ""
            else:
                a, b = _value(r.risk, field, method), _value(other, field, method)
            if a and b and a != b:
                cell = other.first(field) or other.first("score") or other.first("band")
                line = abs(cell.line) if cell else other.line
                first = r.risk.first(field)
                out.append(
                    warning(
                        name,
                        line,
                        f"{r.risk.name} is listed twice with different {field}: "
                        f"'{other.text(field) or b}' here, '{r.risk.text(field) or a}' on line "
                        f"{abs(first.line) if first else r.risk.line}",
                        code="document",
                    )
                )
    return out


def _counts(doc: Document, method: Method, found: Sequence[Resolved]) -> list[Finding]:
    out: list[Finding] = []
    bands: dict[str, int] = {}
    states: dict[str, int] = {}
    for r in found:
        if r.ok:
            label = plain(method.band_of({f: r.levels[f].level for f in method.factors}).label)
            bands[label] = bands.get(label, 0) + 1
        state = status_of(r.risk.text("status")) if r.risk.text("status") else None
        key = state["state"] if state else "planning"
        states[key] = states.get(key, 0) + 1
    band_labels = {plain(b.label) for b in method.bands}
    for claim in doc.counts:
        words = [
            w for w in re.split(r"\s+|/", claim.label) if w not in ("risks", "risk", "number", "of")
        ]
        if words in (["total"], []):
            counted, what = len(found), "risks"
        elif all(w in band_labels for w in words):
            counted = sum(bands.get(w, 0) for w in words)
            what = f"{'/'.join(w.title() for w in words)} risks"
        elif len(words) == 1 and words[0] in STATE_COUNT_WORDS:
            counted = sum(states.get(s, 0) for s in STATE_COUNT_WORDS[words[0]])
            what = f"{words[0]} risks"
        elif " ".join(words) in band_labels:
            counted = bands.get(" ".join(words), 0)
            what = f"{' '.join(words).title()} risks"
        else:
            continue
        if counted != claim.count:
            out.append(
                warning(
                    doc.name,
                    claim.line,
                    f"the document counts {claim.count} {what}, but its entries give {counted}",
                    code="document",
                )
            )
    return out
