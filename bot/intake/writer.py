"""The writer of risk files: file names (id and slug) and the file text, for every command.

`riskbot import`, `riskbot new` and the export's round trip write risk files through here, so one
register written twice from the same data gives the same bytes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from bot.register.load import RISKS_DIR

SCHEMA_COMMENT = "# yaml-language-server: $schema=../schema/risk.schema.json"
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
ID_IN_NAME = re.compile(r"^R-([0-9]{3,})(?:[-.]|$)")


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
