"""Writing risk files: file names (id and slug), the next free id, the file text, `riskbot new`.

A new risk is checked with the same code as `riskbot check` (the whole register, with the new
file added, in memory) before anything is written.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.documents.output import write_files
from bot.register import clock
from bot.register.findings import Finding
from bot.register.load import POLICY_PATH, RISKS_DIR, Register, SourceFile, build_register
from bot.register.method import Level, levels_text
from bot.register.yamlfile import load_yaml
from bot.repo.ids import next_free_id
from bot.repo.worktree import discover

SCHEMA_COMMENT = "# yaml-language-server: $schema=../schema/risk.schema.json"
UNMITIGATED = "red-unmitigated"

# The slug rule: lower-case ASCII words of the title, stop words dropped; a connective ends it
# once two words are kept ("Community Resistance to Breaking Changes" → community-resistance,
# but "Loss of Key Staff" → loss-key-staff); at most three words and SLUG_MAX_CHARS characters,
# cut on a word boundary. The words below are data, not code: edit them, not the rule.
SLUG_CONNECTIVES = frozenset({"to", "under", "of", "for", "with", "in", "on", "at", "by", "from"})
# English articles and conjunctions, and words that name no risk of their own ("risk", "issue").
SLUG_STOP_WORDS = frozenset(
    {"a", "an", "the", "and", "or", "risk", "risks", "issue", "issues", "potential", "possible"}
)
# Qualifiers the committed register's file names leave out (R-001 … R-010 were named by hand
# when the program's plan was first imported: "Federated Network Byzantine Failure" is
# R-003-byzantine-failure). They are kept so that re-importing that plan reproduces those names;
# other plans do not need words of their own here to get sensible names.
SLUG_PLAN_QUALIFIERS = frozenset(
    {"autonomous", "complexity", "dependency", "federated", "model", "network"}
)
SLUG_MAX_WORDS = 3
SLUG_MAX_CHARS = 40
ID_IN_NAME = re.compile(r"^R-([0-9]{3,})(?:[-.]|\Z)")


def slug_for(title: str) -> str:
    """A title's file-name slug: ``PostgreSQL Migration Complexity`` → ``postgresql-migration``."""
    # File names stay ASCII: accents are dropped (Ünïcode → unicode), other letters too.
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words: list[str] = []
    for word in re.findall(r"[a-z0-9]+", ascii_title.casefold()):
        if word in SLUG_CONNECTIVES:
            if len(words) >= 2:
                break
            continue
        if word not in SLUG_STOP_WORDS and word not in SLUG_PLAN_QUALIFIERS:
            words.append(word)
    slug = ""
    for word in words[:SLUG_MAX_WORDS]:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > SLUG_MAX_CHARS:
            slug = slug or word[:SLUG_MAX_CHARS]  # one very long word: cut it
            break
        slug = longer
    return slug or "risk"


def risk_file_name(risk_id: str, title: str) -> str:
    """``risks/R-0NN-slug.yaml``."""
    return f"{RISKS_DIR}/{risk_id}-{slug_for(title)}.yaml"


def risk_id(number: int) -> str:
    return f"R-{number:03d}"


class RiskDumper(yaml.SafeDumper):
    """Block style, but lists indented under their key as people write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def render_risk_file(data: Mapping[str, Any], comments: Sequence[str] = ()) -> str:
    """A risk file's text: the editor's schema line, comment lines, then the YAML."""
    head = [SCHEMA_COMMENT] + [f"# {c}" for c in comments]
    body = yaml.dump(dict(data), Dumper=RiskDumper, sort_keys=False, allow_unicode=True, width=88)
    return "\n".join(head) + "\n" + body


@dataclass
class NewRisk:
    """What `riskbot new` asks for."""

    title: str
    category: str
    phase: str
    impact: int
    probability: int
    owner: str
    description: str
    identified: dt.date = field(default_factory=clock.today)
    detection: int | None = None
    """The detection level, for a policy whose method scores it (FMEA)."""


def new_risk_data(
    risk: NewRisk, risk_ident: str, score: int | None = None, band: str | None = None
) -> dict[str, Any]:
    """The mapping of a new risk file, in the register's key order.

    ``score`` and ``band`` are written only when given (see :func:`declares_derived_fields`).
    The risk counts as reviewed the day it was identified, so it is not overdue at birth.
    """
    data: dict[str, Any] = {
        "id": risk_ident,
        "title": risk.title,
        "category": risk.category,
        "phase": risk.phase,
        "identified": risk.identified.isoformat(),
        "description": risk.description,
        "impact": {"level": risk.impact},
        "probability": {"level": risk.probability},
        "detection": None if risk.detection is None else {"level": risk.detection},
        "score": score,
        "band": band,
        "mitigation": {"prevention": [], "detection": [], "response": []},
        "owner": risk.owner,
        "status": {"state": "planning", "note": "New risk: mitigation to be planned"},
        "review": {"last_reviewed": risk.identified.isoformat()},
    }
    return {k: v for k, v in data.items() if v is not None}


def declares_derived_fields(sources: Sequence[SourceFile]) -> bool:
    """Whether most risk files of the register declare ``score`` (and so a new one should too).

    A declared score is one more line to keep right by hand (`check --fix` rewrites it), so a
    new risk writes it only to look like its neighbours.
    """
    declaring = 0
    for source in sources:
        loaded = load_yaml(source.name, source.raw)
        if loaded.ok and "score" in loaded.data:
            declaring += 1
    return declaring * 2 > len(sources)


def scale_hint(scale: Mapping[int, Level]) -> str:
    """``1 Negligible, 2 Minor, ...`` for a prompt."""
    return ", ".join(f"{level} {scale[level].label}" for level in sorted(scale))


@dataclass
class Created:
    """The outcome of `riskbot new`: the file (written only when there are no findings)."""

    path: str
    text: str
    score: int
    band: str
    score_text: str
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        """No finding but the one every new Red risk has: its mitigation is still to be planned."""
        return all(f.code == UNMITIGATED for f in self.findings)


def create_risk(root: Path, risk: NewRisk, *, write: bool = True) -> Created:
    """Check the new risk with the whole register; write it only when it has no findings."""
    policy_source, sources = discover(root)
    ident = next_free_id(root)  # above every id ever used, in git too: ids are never reused
    name = risk_file_name(ident, risk.title)
    loaded = build_register(policy_source, [])
    policy = loaded.policy if isinstance(loaded, Register) else None
    levels = (risk.impact, risk.probability, risk.detection)
    fits = policy is not None and policy.method.fits(*levels)
    score = policy.method.score(*levels) if policy is not None else risk.impact * risk.probability
    band = policy.method.band_of(*levels) if policy is not None and fits else None
    if declares_derived_fields(sources) and band is not None:
        data = new_risk_data(risk, ident, score, band.name)
    else:
        data = new_risk_data(risk, ident)
    text = render_risk_file(data)
    words = f"{levels_text(*levels)} = {score}"
    if policy is not None and band is not None:
        method = policy.method
        named = [
            f"{level} {method.scale(factor)[level].label}"
            for factor, level in zip(method.factors, levels, strict=False)
            if level is not None
        ]
        words = f"{' × '.join(named)} = {score} ({band.label})"
    register = build_register(
        policy_source, [*sources, SourceFile(name, text.encode("utf-8"))], today=risk.identified
    )
    findings = [f for f in register.findings if f.file in (name, POLICY_PATH)]
    findings = [f for f in findings if f.severity == "error" or f.file == name]
    created = Created(name, text, score, band.name if band else "", words, findings)
    if created.ok and write:
        write_files(root, [(root / name, text)], replace=False)
    return created
