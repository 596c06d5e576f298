"""Intake, end to end: detect the shape, read, map, resolve the levels, audit, write.

:func:`import_document` takes a document's bytes and returns the files an import would write,
the findings (each on the document's line), the table of risks for a preview and the summary.
Nothing here touches the file system: the command writes what it returns.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import ftfy
import yaml

from bot.intake import compose
from bot.intake.audit import audit
from bot.intake.export import restore
from bot.intake.mapper import Mapped, map_all
from bot.intake.read_delimited import delimiter_of, read_delimited
from bot.intake.read_markdown import read_markdown
from bot.intake.read_xlsx import XLSX_MAGIC, SheetError, WorkbookTooLarge, read_xlsx
from bot.intake.read_yaml import compose as compose_yaml
from bot.intake.read_yaml import load as load_yaml
from bot.intake.read_yaml import read_yaml, risk_list
from bot.intake.records import Document
from bot.intake.resolve import (
    Method,
    Resolved,
    _inferred,
    choose_method,
    disagreements,
    resolve_risk,
    said_bands,
)
from bot.intake.writer import RiskDumper, render_risk_file, risk_file_name, risk_id
from bot.register.findings import Finding, FindingsHolder, error, sort_key
from bot.register.load import POLICY_PATH

POLICY_SCHEMA_COMMENT = "# yaml-language-server: $schema=../schema/policy.schema.json"
OWN_NUMBERED = re.compile(r"^(?:r|risk|rsk)?[\s#_-]*0*(\d{1,6})$", re.IGNORECASE)
MOJIBAKE = re.compile("[ÃÂâð][\x80-\xbf\u0152-\u2122]")


@dataclass(frozen=True)
class Options:
    """What the user asks of an import."""

    mapping: Mapping[str, str] = field(default_factory=dict)
    sheet: str = ""
    shape: str = ""
    """A shape to read the document as (``--format``); detected from the content when empty."""
    strict: bool = False


@dataclass(frozen=True)
class Row:
    """One line of the preview table."""

    id: str
    own_id: str
    title: str
    levels: str
    score: int
    band: str
    owner: str


@dataclass
class IntakeResult(FindingsHolder):
    """The files an import would write (path → text), its findings, preview and summary."""

    document: str
    shape: str = ""
    method: str = ""
    files: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    risks: dict[str, str] = field(default_factory=dict)
    """Each imported risk's id and its file."""
    read: int = 0
    """How many risks the document holds (imported or not)."""
    policy: dict[str, Any] = field(default_factory=dict)


def detect(raw: bytes, name: str, shape: str = "") -> str:
    """The document's shape from its content (the file name's suffix only breaks a tie)."""
    if shape:
        return shape
    if raw.startswith(XLSX_MAGIC):
        return "xlsx"
    text = decode(raw)
    suffix = PurePath(name).suffix.casefold()
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    markdownish = first.startswith(("#", "|", "- ", "* ", "**", ">", "<")) or bool(
        re.search(r"^#{1,6}\s|^\|.*\|\s*$", text, re.M)
    )
    if not first.startswith(("#", "|")) or suffix in (".yaml", ".yml", ".json"):
        root = compose_yaml(text)
        named = suffix in (".yaml", ".yml", ".json")
        if isinstance(root, yaml.SequenceNode | yaml.MappingNode) and (
            named or risk_list(root, {}) is not None
        ):
            return "yaml"
    if not markdownish or suffix in (".csv", ".tsv"):
        delimiter = delimiter_of(text)
        lines = [line for line in text.splitlines()[:5] if line.strip()]
        rows = (
            len(lines) >= 2 and all(delimiter in line for line in lines[:2]) if delimiter else False
        )
        named = suffix in (".csv", ".tsv") or bool(
            lines and delimiter and lines[0].count(delimiter) >= 2
        )
        if delimiter and (rows or named):
            return "tsv" if delimiter == "\t" else "csv"
    return "markdown"


def decode(raw: bytes) -> str:
    """Text: UTF-8 (a byte order mark dropped), else Windows-1252 as spreadsheets save CSV;
    mis-encoded text (``Ã—`` for ``×``) repaired with ftfy, line by line."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if not MOJIBAKE.search(text):
        return text
    return "\n".join(ftfy.fix_text(line) for line in text.split("\n"))


Reader = Callable[[bytes, str, "Options"], Document]
READERS: dict[str, Reader] = {
    "markdown": lambda raw, name, o: read_markdown(decode(raw), name, o.mapping),
    "yaml": lambda raw, name, o: read_yaml(decode(raw), name, o.mapping),
    "csv": lambda raw, name, o: read_delimited(decode(raw), name, o.mapping),
    "tsv": lambda raw, name, o: read_delimited(decode(raw), name, o.mapping, "\t"),
    "xlsx": lambda raw, name, o: read_xlsx(raw, name, o.mapping, o.sheet),
}
"""One reader per shape, each yielding the same candidate records; the keys are also the
shapes `--format` names. A new shape is a new reader here (and its sign in :func:`detect`)."""


def read_document(raw: bytes, name: str, options: Options) -> Document:
    """The document read by the reader of its shape."""
    return READERS[detect(raw, name, options.shape)](raw, name, options)


def own_numbers(risks: list[Mapped]) -> list[int] | None:
    """The numbers of the document's own ids when they are plain risk numbers (``R-01``,
    ``RISK-003``, ``Risk #3``, ``7``), all different; else None (then risks are numbered in
    the document's order)."""
    numbers = []
    for r in risks:
        m = OWN_NUMBERED.match(r.own_id.strip())
        if m is None or int(m.group(1)) == 0:
            return None
        numbers.append(int(m.group(1)))
    return numbers if len(set(numbers)) == len(numbers) else None


def number_ids(risks: list[Mapped], used: Collection[int], reserved: Collection[str]) -> list[str]:
    """Each risk's id: its own number where the document's ids are plain numbers and none is
    taken, else 1, 2, 3 … in order; above every id in use when any would clash."""
    wanted = own_numbers(risks) or list(range(1, len(risks) + 1))
    taken = set(used) | {int(i[2:]) for i in reserved if i[2:].isdigit()}
    if taken & set(wanted):
        top = max(taken)
        order = sorted(range(len(wanted)), key=lambda i: wanted[i])
        for rank, i in enumerate(order, start=1):
            wanted[i] = top + rank
    return [risk_id(n) for n in wanted]


def _unreadable(doc: Document, r: Resolved) -> Finding:
    risk = r.risk
    return error(
        doc.name,
        risk.line,
        f"{risk.name}: not imported: {'; '.join(r.unreadable)}",
        code="unreadable",
    )


def _nothing_read(doc: Document, options: Options) -> Finding:
    looks = doc.looks or f"{doc.shape} with no risk sections, tables or lists"
    shape = doc.shape.split()[0].casefold()
    hint = {
        "markdown": "give each risk a heading (`### R-01: Title`) with `**Likelihood**:` and "
        "`**Impact**:` lines, or a table with Risk, Likelihood and Impact columns",
        "yaml": "put the risks in a list (`risks:` with `- title: …` items that have "
        "`likelihood:` and `impact:`)",
        "csv": "add a header row naming the columns (Risk, Likelihood, Impact, Owner)",
        "tsv": "add a header row naming the columns (Risk, Likelihood, Impact, Owner)",
        "xlsx": "name the sheet with --sheet, or add a header row (Risk, Likelihood, Impact)",
    }.get(shape, "")
    if "no row under" in looks:
        hint = "add a row per risk under its header"
    return error(
        doc.name,
        1,
        f"no risk found: the document is {looks}; {hint}; or name your columns with "
        "--map COLUMN=FIELD (e.g. --map 'Threat=title' --map 'Chance=probability')",
        code="no-risks",
    )


def _formula(method: Method, found: list[Resolved]) -> Method:
    """A document that states no formula: its score lines' factors (``4 × 5 = 20``) are in the
    order that agrees with the levels its risks state (Likelihood × Impact, or the other way)."""
    orders = [method.factors, (method.factors[1], method.factors[0], *method.factors[2:])]
    votes = [0, 0]
    for r in found:
        if r.product is None:
            continue
        stated = {f: lv.level for f, lv in r.levels.items() if r.risk.first(f) is not None}
        for i, order in enumerate(orders):
            pairs = list(zip(order, r.product[0], strict=False))
            if pairs and all(stated.get(f) == n for f, n in pairs if f in stated):
                votes[i] += 1
    if votes[1] > votes[0]:
        return dataclasses.replace(method, formula=orders[1])
    return method


def _thresholds(method: Method, found: list[Resolved]) -> Method:
    """The thresholds the document's own risks follow, when it states none and the method's
    contradict at least two more of its band words than those do, and those agree with three
    in four: a band word against the rest is the document's mistake, reported as such."""
    if method.thresholds != "method":
        return method
    bands = _inferred(method, found)
    if bands is None:
        return method
    said = said_bands(method, found)
    theirs, mine = disagreements(method.bands, said), disagreements(bands, said)
    if theirs - mine < 2 or mine * 4 > len(said):
        return method
    return dataclasses.replace(method, bands=bands, thresholds="risks")


def import_document(
    raw: bytes,
    name: str,
    options: Options | None = None,
    *,
    used: Collection[int] = (),
    reserved: Collection[str] = (),
) -> IntakeResult:
    """Read a document and build the register it holds (see the module doc).

    ``used`` are the id numbers the target register holds, ``reserved`` the ids it used and
    removed: imported risks are numbered around both.
    """
    options = options or Options()
    result = IntakeResult(name)
    try:
        doc = read_document(raw, name, options)
    except SheetError as exc:
        code = "too-large" if isinstance(exc, WorkbookTooLarge) else "unreadable"
        result.findings.append(error(name, 1, str(exc), code=code))
        return result
    result.shape = doc.shape
    result.findings.extend(doc.findings)
    if is_export(doc):
        return restore_export(doc, result)
    risks, twice = map_all(doc.candidates, options.mapping)
    result.read = len(risks)
    if not risks:
        result.findings.append(_nothing_read(doc, options))
        return result
    method = choose_method(doc, risks)
    found = [resolve_risk(r, method) for r in risks]
    if not doc.formula:
        ordered = _formula(method, found)
        if ordered.formula != method.formula:
            method, found = ordered, [resolve_risk(r, ordered) for r in risks]
    method = _thresholds(method, found)
    result.findings.extend(audit(doc, method, found, twice))
    result.findings.extend(_unreadable(doc, r) for r in found if not r.ok)
    good = [r for r in found if r.ok]
    result.method = method.preset
    if not good:
        result.findings.sort(key=sort_key)
        return result
    restore = all(r.risk.text("file") for r in good)
    ids = (
        [r.risk.own_id for r in good]
        if restore
        else number_ids([r.risk for r in good], used, reserved)
    )
    categories = compose.categories_in([r.risk for r in good])
    summary = compose.Summary()
    datas: list[tuple[Resolved, dict[str, Any]]] = []
    owners: list[str] = []
    for r, ident in zip(good, ids, strict=True):
        data, names = compose.risk_data(
            r,
            ident,
            method,
            categories or compose.PRESET_CATEGORIES,
            name,
            summary,
            sheet=doc.sheet,
            with_source=not restore,
        )
        owners.extend(names)
        datas.append((r, data))
    policy = compose.policy_data(
        method,
        program=doc_program(doc, name),
        owners=list(dict.fromkeys(owners)),
        categories=categories,
        phases=compose.phases_in([d for _, d in datas]),
    )
    result.policy = policy
    result.summary = summary.lines()
    result.files[POLICY_PATH] = render_policy(policy, name, method)
    for r, data in datas:
        file = (
            r.risk.text("file") if restore else risk_file_name(str(data["id"]), str(data["title"]))
        )
        result.files[file] = render_risk_file(data)
        result.risks[str(data["id"])] = file
        result.rows.append(_row(r, data, method))
    if options.strict and result.errors:
        result.files.clear()
    result.findings.sort(key=sort_key)
    return result


EXPORT_FILE = re.compile(r"^risks/R-[0-9]{3,}[-.][^/\\\n]*\.ya?ml\Z|^risks/R-[0-9]{3,}\.ya?ml\Z")


def is_export(doc: Document) -> bool:
    """A riskbot export: every row names its risk file (the ``file`` column)."""
    return bool(doc.candidates) and all(
        any(c.label.strip() == "file" and c.text.strip() for c in cand.cells)
        for cand in doc.candidates
    )


def restore_export(doc: Document, result: IntakeResult) -> IntakeResult:
    """Each row of an export back to its risk file (see :mod:`bot.intake.export`)."""
    result.method = "export"
    result.read = len(doc.candidates)
    rewritten: list[str] = []
    for cand in doc.candidates:
        record = {c.label.strip(): c.text for c in cand.cells}
        path = record.get("file", "").strip()
        if not EXPORT_FILE.match(path):
            result.findings.append(
                error(
                    doc.name,
                    cand.line,
                    f"file '{path}' is not a risk file under risks/ "
                    "(risks/R-NNN-name.yaml); row not restored",
                    code="unreadable",
                )
            )
            continue
        try:
            name, text, kept = restore(record)
        except (ValueError, KeyError) as exc:
            result.findings.append(
                error(doc.name, cand.line, f"{path}: cannot be rebuilt ({exc})", code="unreadable")
            )
            continue
        if name in result.files:
            result.findings.append(
                error(
                    doc.name,
                    cand.line,
                    f"{name} is exported twice; row not restored",
                    code="duplicate-id",
                )
            )
            continue
        result.files[name] = text
        data = load_yaml(text)
        ident = str(data.get("id", "")) if isinstance(data, dict) else ""
        result.risks[ident] = name
        if not kept:
            rewritten.append(ident or name)
        if isinstance(data, dict):
            result.rows.append(_export_row(data))
    result.summary.append(
        f"restored {len(result.files)} risk files from a riskbot export (the policy is not "
        "part of an export: the register's own is kept)"
    )
    if rewritten:
        result.summary.append(
            f"edited in the export, so rewritten from its columns: {', '.join(rewritten)}"
        )
    result.findings.sort(key=sort_key)
    return result


def _export_row(data: Mapping[str, Any]) -> Row:
    def level(key: str) -> int:
        value = data.get(key)
        return int(value.get("level", 0)) if isinstance(value, dict) else 0

    levels = [level(k) for k in ("impact", "probability", "detection") if level(k)]
    score = 1
    for n in levels:
        score *= n
    owner = data.get("owner", "")
    return Row(
        str(data.get("id", "")),
        str(data.get("id", "")),
        str(data.get("title", "")),
        " × ".join(str(n) for n in levels),
        score,
        str(data.get("band", "")),
        " / ".join(owner) if isinstance(owner, list) else str(owner),
    )


def doc_program(doc: Document, name: str) -> str:
    """The program the register is for: the document's title, else its file name."""
    if doc.title:
        return doc.title
    return PurePath(name).stem.replace("_", " ").replace("-", " ").strip().title() or "Program"


def _row(r: Resolved, data: Mapping[str, Any], method: Method) -> Row:
    levels = {f: lv.level for f, lv in r.levels.items()}
    score = method.score(levels)
    owner = data.get("owner", "")
    return Row(
        str(data["id"]),
        r.risk.own_id,
        str(data["title"]),
        " × ".join(str(levels[f]) for f in method.factors),
        score,
        method.band_of(levels).label,
        " / ".join(owner) if isinstance(owner, list) else str(owner),
    )


def render_policy(policy: Mapping[str, Any], document: str, method: Method) -> str:
    """The policy file's text, saying where its method and thresholds come from."""
    where = {
        "document": "band thresholds as the document states them",
        "matrix": "band thresholds as the document's matrix draws them",
        "table": "bands by each cell of the document's matrix (a lookup table)",
        "risks": "band thresholds inferred from the document's own risks (it states none)",
        "method": "the method's band thresholds (the document states none)",
    }[method.thresholds]
    head = [
        POLICY_SCHEMA_COMMENT,
        f"# riskbot policy for the register imported from {document} by `riskbot import`.",
        f"# Method: {method.preset}; scale labels from the document where it names them;",
        f"# {where}.",
        "# Set each role's logins, and the releases with their buffers.",
    ]
    body = yaml.dump(dict(policy), Dumper=RiskDumper, sort_keys=False, allow_unicode=True, width=88)
    return "\n".join(head) + "\n" + body


__all__ = ["READERS", "IntakeResult", "Options", "Row", "detect", "import_document"]
