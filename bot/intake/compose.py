"""From resolved risks to what the writer writes: each risk file's mapping, in the register's
key order, and the policy of the document's method."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.intake.levels import Level, Scale
from bot.intake.mapper import Mapped, is_placeholder
from bot.intake.resolve import Method, Resolved
from bot.intake.synonyms import words
from bot.intake.vocabulary import category_for, status_of
from bot.register.presets import CATEGORIES, preset_policy

PRESET_CATEGORIES = [str(c["name"]) for c in CATEGORIES]
"""The categories of a register whose document names none."""
MONITORING = ("daily", "weekly", "monthly", "quarterly")
"""Each band's cadence, from the top, when the document has more or fewer bands than its
method (else the method's band at the same place gives it)."""
CADENCE_WORDS = {
    "daily": "daily",
    "weekly": "weekly",
    "biweekly": "bi-weekly",
    "bi weekly": "bi-weekly",
    "fortnightly": "bi-weekly",
    "monthly": "monthly",
    "quarterly": "quarterly",
}
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
OWNER_SEPARATORS = re.compile(r"\s+/\s+|\s*;\s*|\s+&\s+")
ITEM_SPLIT = re.compile(r"\n+|;\s+|(?<=\.)\s+(?=\d+[.)]\s)")
ROLE_ID = re.compile(r"[^a-z0-9]+")


def items(text: str) -> list[str]:
    """A cell of measures as a list: one per line, or per ``;``; bullets and numbers dropped."""
    out = []
    for part in ITEM_SPLIT.split(text.strip()):
        part = re.sub(r"^\s*(?:[-*+•]|\d+[.)])\s+", "", part).strip()
        if part:
            out.append(part)
    return out


def owners_of(text: str) -> list[str]:
    """An owner cell as names (``Alice / Bob`` is two); placeholders are none."""
    if is_placeholder(text):
        return []
    names = [n.strip() for n in OWNER_SEPARATORS.split(text.strip()) if n.strip()]
    return list(dict.fromkeys(names))[:5]


def role_id(name: str) -> str:
    ident = ROLE_ID.sub("-", name.casefold()).strip("-")
    ident = ident if re.match(r"^[a-z]", ident) else f"role-{ident or 'x'}"
    return "owner-risk-owner" if ident == "risk-owner" else ident


def extra_key(label: str) -> str:
    """An extension key from a label: ``Trigger / Review`` → ``trigger_review``."""
    return words(label).replace(" ", "_").replace("#", "number") or "note"


def _narrative(level: Level) -> dict[str, Any]:
    text = level.text.strip()
    if not text or text == str(level.level):
        return {"level": level.level}
    return {"level": level.level, "narrative": text}


class Summary:
    """What the import did for many risks at once, each said once (not once per risk)."""

    def __init__(self) -> None:
        self.no_status: list[str] = []
        self.no_owner: list[str] = []
        self.no_description: list[str] = []
        self.inferred_category: list[str] = []
        self.extra_keys: dict[str, int] = {}

    def lines(self) -> list[str]:
        out: list[str] = []

        def n(ids: list[str]) -> str:
            return f"{len(ids)} risk" + ("s" if len(ids) != 1 else "")

        def some(ids: list[str]) -> str:
            shown = ", ".join(ids[:6])
            return shown + (f" and {len(ids) - 6} more" if len(ids) > 6 else "")

        if self.no_status:
            out.append(
                f"{n(self.no_status)} with no status: imported as planning ({some(self.no_status)})"
            )
        if self.no_owner:
            out.append(
                f"{n(self.no_owner)} with no owner: left out, for `riskbot check` to "
                f"flag ({some(self.no_owner)})"
            )
        if self.no_description:
            out.append(
                f"{n(self.no_description)} with no description: their title is used "
                f"({some(self.no_description)})"
            )
        if self.inferred_category:
            out.append(
                f"{n(self.inferred_category)} with no category: set by keyword "
                f"({some(self.inferred_category)})"
            )
        if self.extra_keys:
            keys = ", ".join(f"{k} ({n})" for k, n in self.extra_keys.items())
            out.append(f"kept under `extra:` (riskbot does not use them): {keys}")
        return out


def risk_data(
    r: Resolved,
    ident: str,
    method: Method,
    categories: Sequence[str],
    document: str,
    summary: Summary,
    *,
    sheet: str = "",
    with_source: bool = True,
) -> tuple[dict[str, Any], list[str]]:
    """One risk file's mapping, and its owners (each becomes a policy role)."""
    risk: Mapped = r.risk
    title = risk.title or risk.own_id or f"Risk on line {risk.line}"
    description = risk.text("description")
    if not description:
        description = title
        summary.no_description.append(ident)
    category = risk.text("category")
    if not category:
        category = category_for(title, description, categories)
        summary.inferred_category.append(ident)
    data: dict[str, Any] = {"id": ident, "title": title[:200], "category": category}
    data["phase"] = risk.text("phase") or "All"
    identified = risk.text("identified")
    if ISO_DATE.match(identified):
        data["identified"] = identified
    data["description"] = description
    impact = _narrative(r.levels["impact"])
    if risk.text("impact narrative"):
        impact["narrative"] = risk.text("impact narrative")
    probability = _narrative(r.levels["probability"])
    if risk.text("probability narrative"):
        probability["narrative"] = risk.text("probability narrative")
    data["impact"], data["probability"] = impact, probability
    if "detection" in r.levels:
        data["detection"] = _narrative(r.levels["detection"])
    # A score or band the document states is declared, as the method computes it: one that the
    # document got wrong is the auditor's warning on the document's line, not a risk file that
    # fails `riskbot check` from the start.
    levels = {f: lv.level for f, lv in r.levels.items()}
    if r.stated_score is not None:
        data["score"] = method.score(levels)
    if r.band_word is not None and method.band_named(r.band_word[0]) is not None:
        data["band"] = method.band_of(levels).name
    mitigation = {
        "prevention": items("\n".join(c.text for c in risk.fields.get("mitigation", [])))
        + items(risk.text("prevention")),
        "detection": items(risk.text("detection measures")),
        "response": items(risk.text("response")),
    }
    data["mitigation"] = mitigation
    owners = owners_of(risk.text("owner"))
    if owners:
        data["owner"] = owners[0] if len(owners) == 1 else owners
    else:
        summary.no_owner.append(ident)
    status_text = risk.text("status")
    state = status_of(status_text) if status_text else None
    if state is None:
        state = {"state": "planning"}
        if status_text:
            state["note"] = status_text
        else:
            summary.no_status.append(ident)
    if risk.text("status note"):
        state["note"] = risk.text("status note")
    data["status"] = state
    review: dict[str, Any] = {}
    cadence = CADENCE_WORDS.get(words(risk.text("cadence")))
    if cadence:
        review["cadence"] = cadence
    if ISO_DATE.match(risk.text("last reviewed")):
        review["last_reviewed"] = risk.text("last reviewed")
    if review:
        data["review"] = review
    progress = risk.text("progress")
    if progress:
        data["mitigation_status"] = {"summary": progress}
        if m := re.match(r"^(\d{1,3})\s*%", progress):
            data["mitigation_status"]["percent"] = min(int(m.group(1)), 100)
    if with_source:
        source: dict[str, Any] = {"document": document}
        if risk.own_id:
            source["id"] = risk.own_id
        source["line"] = risk.line
        if sheet:
            source["sheet"] = sheet
        data["source"] = source
    extra: dict[str, str] = {}
    unused = [c for c in risk.extras]
    if cadence is None and risk.text("cadence"):
        unused.append(risk.first("cadence"))  # type: ignore[arg-type]
    if identified and "identified" not in data:
        unused.append(risk.first("identified"))  # type: ignore[arg-type]
    for cell in unused:
        key = extra_key(cell.label)
        if key not in extra:
            extra[key] = cell.text
            summary.extra_keys[key] = summary.extra_keys.get(key, 0) + 1
    if extra:
        data["extra"] = extra
    return data, owners


# What a preset says about one of its levels in the words of its own label: dropped when the
# document names the level otherwise.
LABEL_TEXTS = ("meaning", "range")


def _scale_levels(scale: Scale, preset: list[dict[str, Any]], factor: str) -> list[dict[str, Any]]:
    """A factor's scale for the policy: the preset's levels when the sizes agree, under the
    document's labels and with its percent ranges where it gives them."""
    same = len(preset) == scale.size
    out: list[dict[str, Any]] = []
    for level in range(1, scale.size + 1):
        entry: dict[str, Any] = dict(preset[level - 1]) if same else {"level": level}
        entry["level"] = level
        label = scale.labels[level - 1] if scale.own or scale.words else ""
        if label and label.casefold() != str(entry.get("label", "")).casefold():
            entry["label"] = label
            for key in LABEL_TEXTS:
                entry.pop(key, None)
        entry.setdefault("label", str(level))
        if factor == "probability" and level in scale.percents:
            low, high = scale.percents[level]
            entry["percent"] = {"min": _num(low), "max": _num(high)}
            entry.pop("range", None)
        out.append(entry)
    return out


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _bands(method: Method, preset: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The document's bands (names, labels, thresholds) with the preset's cadence, meaning and
    issue rule of the band at the same place; by place from the top when the counts differ
    (then only the top band opens issues)."""
    same = len(preset) == len(method.bands)
    out: list[dict[str, Any]] = []
    for i, band in enumerate(method.bands):
        entry: dict[str, Any] = {"name": band.name, "label": band.label}
        if not method.table:  # a lookup table gives each band its cells, not a threshold
            entry["min_score"] = band.min_score
        if same:
            theirs = preset[i]
            if "meaning" in theirs:
                entry["meaning"] = theirs["meaning"]
            entry["monitoring"] = theirs["monitoring"]
            if theirs.get("opens_issue"):
                entry["opens_issue"] = True
        else:
            entry["monitoring"] = MONITORING[min(i, len(MONITORING) - 1)]
        if band.mark:
            entry["mark"] = band.mark
        out.append(entry)
    return out


def policy_data(
    method: Method,
    *,
    program: str,
    owners: Sequence[str],
    categories: Sequence[str],
    phases: Sequence[str],
) -> dict[str, Any]:
    """The policy of the document's method: the preset's (:func:`preset_policy`), with the
    document's scale labels, thresholds and band names, its owners as roles, its categories and
    phases."""
    policy = preset_policy(method.preset)
    policy["program"] = program
    sizes = {f: s.size for f, s in method.scales.items()}
    preset_sizes = {f: len(policy[f"{f}_scale"]) for f in sizes}
    same_shape = sizes == preset_sizes
    for factor, scale in method.scales.items():
        key = f"{factor}_scale"
        policy[key] = _scale_levels(scale, policy[key], factor)
    policy["bands"] = _bands(method, policy["bands"])
    if not same_shape:
        policy["method"].pop("name", None)  # not the preset's shape: no preset's name
    if method.table:
        policy["method"]["formula"] = "table"
        policy["method"]["table"] = [
            {
                "impact": impact,
                "bands": [
                    method.table[(impact, probability)].name
                    for probability in range(1, sizes["probability"] + 1)
                ],
            }
            for impact in range(1, sizes["impact"] + 1)
        ]
    escalation = policy["escalation"]
    escalation["same_level"]["bands"] = [method.bands[0].name]
    if not same_shape:
        scale_top = 1
        for size in sizes.values():
            scale_top *= size
        escalation["score_increase"]["min_increase"] = max(1, round(scale_top / 5))
        escalation.pop("schedule_impact", None)  # its level is on the preset's impact scale
    roles = policy["roles"]
    seen = {r["id"] for r in roles}
    for name in owners:
        if name.startswith("@"):
            continue
        ident = role_id(name)
        if ident not in seen:
            seen.add(ident)
            roles.append({"id": ident, "name": name, "logins": []})
    if categories:
        policy["categories"] = [{"name": c} for c in categories]
    releases = [p for p in phases if p not in ("All", "Long-term")] or ["next"]
    policy["releases"] = [{"name": r, "buffer_weeks": 0} for r in releases]
    policy["phases"] = [
        *(
            {"name": r, "description": f"Release {r}", "counts_toward": [r]}
            for r in releases
            if r != "next"
        ),
        {"name": "All", "description": "Every planned release", "counts_toward": releases},
        {"name": "Long-term", "description": "Beyond the planned releases", "counts_toward": []},
    ]
    return policy


def categories_in(risks: Sequence[Mapped]) -> list[str]:
    """The categories the document names, in its order."""
    return list(dict.fromkeys(r.text("category") for r in risks if r.text("category")))


def phases_in(data: Sequence[Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(str(d["phase"]) for d in data))
