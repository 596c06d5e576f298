"""The writer of risk files: file names (id and slug) and the file text, for every command.

`riskbot import`, `riskbot new` and the export's round trip write risk files through here, so one
register written twice from the same data gives the same bytes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache
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


WIDTH = 88
# A text PyYAML writes plain as it is: it starts with a letter or digit and holds no character
# that could start a comment, a key, a quote or an alias. Anything else, and any line past the
# width (which PyYAML folds), is written by PyYAML itself.
PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ,.()/&+_%'=<>~-]*(?<! )")
_RESOLVER = yaml.resolver.Resolver()
_STR = yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG


@lru_cache(maxsize=1 << 16)
def _plain(text: str, column: int) -> bool:
    return (
        column + len(text) <= WIDTH
        and PLAIN.fullmatch(text) is not None
        and _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR  # type: ignore[no-untyped-call]
    )


def _scalar(value: Any, column: int) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and _plain(value, column):
        return value
    return None


def _block(key: str, value: Any, indent: int, out: list[str]) -> bool:
    """``key: value`` in the register's block style, as PyYAML writes it; False when the value
    holds anything this fast path does not know to write exactly (then PyYAML writes it)."""
    pad = " " * indent
    if not _plain(key, indent):
        return False
    if isinstance(value, dict):
        if not value:
            out.append(f"{pad}{key}: {{}}")
            return True
        out.append(f"{pad}{key}:")
        return all(isinstance(k, str) and _block(k, v, indent + 2, out) for k, v in value.items())
    if isinstance(value, list):
        if not value:
            out.append(f"{pad}{key}: []")
            return True
        out.append(f"{pad}{key}:")
        for item in value:
            text = _scalar(item, indent + 4)
            if text is None:
                return False
            out.append(f"{pad}  - {text}")
        return True
    text = _scalar(value, indent + len(key) + 2)
    if text is None:
        return False
    out.append(f"{pad}{key}: {text}")
    return True


def dump_risk(data: Mapping[str, Any]) -> str:
    """The YAML of a risk file's mapping, exactly as PyYAML with :class:`RiskDumper` writes it,
    one top-level key at a time: the common values directly, the others by PyYAML (a 5,000-row
    import spends most of its time here)."""
    lines: list[str] = []
    for key, value in data.items():
        mine: list[str] = []
        if isinstance(key, str) and _block(key, value, 0, mine):
            lines.extend(mine)
            continue
        text = yaml.dump(
            {key: value}, Dumper=RiskDumper, sort_keys=False, allow_unicode=True, width=WIDTH
        )
        lines.extend(text.rstrip("\n").split("\n"))
    return "\n".join(lines) + "\n" if lines else "{}\n"


def render_risk_file(data: Mapping[str, Any], comments: Sequence[str] = ()) -> str:
    """A risk file's text: the editor's schema line, comment lines, then the YAML."""
    head = [SCHEMA_COMMENT] + [f"# {c}" for c in comments]
    return "\n".join(head) + "\n" + dump_risk(dict(data))
