"""Intake's parts on small inputs: the shapes of headings and fields, format detection, the
level resolver, the mapper's synonyms and --map, and the one error when nothing reads."""

from __future__ import annotations

import pytest

from bot.intake.levels import own_scale, resolve, word_scale
from bot.intake.pipeline import Options, detect, import_document
from bot.intake.read_markdown import read_markdown
from bot.intake.records import ScaleEntry
from bot.intake.synonyms import field_of, parse_map

FIELDS = "**Likelihood**: High\n**Impact**: Low\n**Owner**: Ops\n"


@pytest.mark.parametrize(
    ("heading", "own_id", "title"),
    [
        ("### R-01: Cache stampede", "R-01", "Cache stampede"),
        ("## RISK R-001: Cache stampede", "R-001", "Cache stampede"),
        ("### CR-001 – Cache stampede", "CR-001", "Cache stampede"),
        ("#### T1: Cache stampede", "T1", "Cache stampede"),
        ("### T-001 Cache stampede", "T-001", "Cache stampede"),
        ("### Risk T1.1: Cache stampede", "T1.1", "Cache stampede"),
        ("### 1.1 Cache stampede", "1.1", "Cache stampede"),
        ("**T001: Cache stampede**", "T001", "Cache stampede"),
        ("### Risk #3: Cache stampede", "Risk #3", "Cache stampede"),
        ("### Risk 3 - Cache stampede", "Risk 3", "Cache stampede"),
        ("### Cache stampede", "", "Cache stampede"),
    ],
)
def test_a_risk_section_whatever_its_headings_id(heading: str, own_id: str, title: str) -> None:
    doc = read_markdown(f"# Register\n\n{heading}\n{FIELDS}", "doc.md", {})
    (risk,) = doc.candidates
    assert (risk.own_id, risk.title, risk.line) == (own_id, title, 3)


@pytest.mark.parametrize(
    "body",
    [
        "**Likelihood**: High\n**Impact**: Low\n",
        "**Likelihood:** High\n**Impact:** Low\n",
        "- **Likelihood:** High\n- **Impact:** Low\n",
        "* Likelihood: High\n* Impact: Low\n",
        "| Field | Value |\n|---|---|\n| Likelihood | High |\n| Impact | Low |\n",
        "Likelihood: High | Impact: Low | Owner: Ops\n",
        "```yaml\nlikelihood: High\nimpact: Low\n```\n",
        "**Likelihood**\nHigh\n\n**Impact**\nLow\n",
        "#### Likelihood\nHigh\n\n#### Impact\nLow\n",
    ],
)
def test_fields_wherever_a_section_keeps_them(body: str) -> None:
    text = f"# Register\n\n### R-01: Cache stampede\n\n{body}"
    result = import_document(text.encode(), "doc.md")
    assert result.errors == [], [f.as_text() for f in result.errors]
    (row,) = result.rows
    assert (row.own_id, row.levels, row.score, row.band) == ("R-01", "1 × 3", 3, "Medium")


def test_a_section_that_is_no_risk_is_the_documents_legend() -> None:
    text = (
        "# Register\n\n## Scoring\n- **Likelihood:** Low / Medium / High\n"
        "- **Impact:** Low / Medium / High\n\n## 4. Next steps\n- **Owner**: PMO\n\n"
        "### R-01: Cache stampede\n" + FIELDS
    )
    doc = read_markdown(text, "doc.md", {})
    assert [c.own_id for c in doc.candidates] == ["R-01"]
    assert [s.label for s in doc.scales if s.factor == "probability"] == ["Low", "Medium", "High"]


@pytest.mark.parametrize(
    ("raw", "name", "shape"),
    [
        (b"- id: R1\n  risk: x\n  likelihood: low\n  impact: high\n", "notes.txt", "yaml"),
        (b'[{"risk": "x", "likelihood": 2, "impact": 3}]', "data", "yaml"),
        (b"Risk,Likelihood,Impact\nx,2,3\n", "export.dat", "csv"),
        (b"Risk\tLikelihood\tImpact\nx\t2\t3\n", "register.txt", "tsv"),
        (
            b"# Register\n\n| Risk | Likelihood | Impact |\n|---|---|---|\n| x | 2 | 3 |\n",
            "r.csv",
            "markdown",
        ),
        (b"PK\x03\x04rest", "register.md", "xlsx"),
    ],
)
def test_the_format_is_detected_from_the_content(raw: bytes, name: str, shape: str) -> None:
    assert detect(raw, name) == shape


def test_a_yaml_register_under_a_key_or_as_a_mapping() -> None:
    under = b"project: X\nrisks:\n  - title: a\n    likelihood: 2\n    impact: 2\n"
    mapping = b"risks:\n  K-1:\n    title: a\n    likelihood: 4\n    impact: 1\n"
    assert [r.levels for r in import_document(under, "a.yaml").rows] == ["2 × 2"]
    (row,) = import_document(mapping, "b.yaml").rows
    assert (row.own_id, row.levels) == ("K-1", "1 × 4")


@pytest.mark.parametrize(
    ("words", "size"),
    [
        (["high", "medium", "low"], 3),
        (["h", "m", "l"], 3),
        (["low", "medium", "high", "critical"], 4),
        (["very low", "high"], 5),
        (["rare", "likely"], 5),
        (["minor", "moderate", "major"], 5),
    ],
)
def test_the_word_scale_that_holds_a_documents_words(words: list[str], size: int) -> None:
    scale = word_scale(words)
    assert scale is not None
    assert scale.size == size
    assert all(scale.word_level(w) is not None for w in words)


def test_levels_as_documents_write_them() -> None:
    three = word_scale(["low", "medium", "high"])
    assert three is not None
    cases = [("High", 3), ("MEDIUM", 2), ("Med", 2), ("🔴", 3), ("🟢 Low", 1), ("Medium (60%)", 2),
             ("High – launch slips", 3), ("2", 2), ("2/3", 2)]  # fmt: skip
    for text, level in cases:
        found = resolve(text, three)
        assert found is not None, text
        assert found.level == level, text
    assert resolve("often", three) is None
    own = own_scale(
        [
            ScaleEntry("probability", 1, "Very Low", "0-10% chance", 1),
            ScaleEntry("probability", 2, "Low", "10-30% chance", 2),
            ScaleEntry("probability", 3, "Medium", "30-60% chance", 3),
        ]
    )
    assert own is not None
    assert own.percents == {1: (0.0, 10.0), 2: (10.0, 30.0), 3: (30.0, 60.0)}
    found = resolve("45%", own)
    assert found is not None
    assert found.level == 3
    found = resolve("CRITICAL", word_scale(["low", "medium", "high", "critical"]))  # type: ignore[arg-type]
    assert found is not None
    assert found.level == 4


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("Risk ID", "id"),
        ("Threat", "title"),
        ("Risk Description", "description"),
        ("Probability (%)", "probability"),
        ("Likelihood of occurrence", "probability"),
        ("Severity", "impact"),
        ("Consequence", "impact"),
        ("RPN", "score"),
        ("P×I", "score"),
        ("Risk Zone", "band"),
        ("Priority", "band"),
        ("Responsibility", "owner"),
        ("Response plan", "mitigation"),
        ("Current controls", "mitigation"),
        ("Contingency / Fallback", "response"),
        ("Trigger", "extra"),
    ],
)
def test_label_synonyms(label: str, field: str) -> None:
    assert field_of(label) == field


def test_map_adds_the_users_own_labels() -> None:
    raw = b"Hazard,Odds,Damage,Caretaker\nFlood,2,5,Facilities\n"
    nothing = import_document(raw, "odd.csv")
    assert [f.message.split(":")[0] for f in nothing.errors] == ["no risk found"]
    mapping = parse_map(["Odds=probability", "Damage=impact", "Caretaker=owner"])
    (row,) = import_document(raw, "odd.csv", Options(mapping)).rows
    assert (row.title, row.levels, row.owner) == ("Flood", "5 × 2", "Facilities")
    with pytest.raises(ValueError, match="'colour' is not a field"):
        parse_map(["RAG=colour"])
    with pytest.raises(ValueError, match="expected COLUMN=FIELD"):
        parse_map(["RAG"])


@pytest.mark.parametrize(
    ("raw", "name", "looks"),
    [
        (
            b"risks:\n" + b"".join(b"  - name: thing %d\n    notes: x\n" % i for i in range(9)),
            "a.yaml",
            "YAML with a `risks:` list of 9 items (keys: name, notes)",
        ),
        (
            b"# R\n\n| ID | Risk | Likelihood | Impact | Owner |\n|--|--|--|--|--|\n",
            "b.md",
            "a table with columns ID, Risk, Likelihood, Impact, Owner, but no row under it",
        ),
        (
            b"# Plan\n\n## Goals\n\nShip.\n\n## Risks\n\nMany.\n",
            "c.md",
            "2 sections (Goals, Risks)",
        ),
        (b"ID,Risk,Likelihood,Impact\n", "d.csv", "CSV file with columns ID, Risk, Likelihood"),
    ],
)
def test_when_nothing_reads_the_one_error_says_what_the_document_looks_like(
    raw: bytes, name: str, looks: str
) -> None:
    result = import_document(raw, name)
    (only,) = result.findings
    assert only.severity == "error"
    assert only.line == 1
    assert looks in only.message
    assert "--map COLUMN=FIELD" in only.message
    assert result.files == {}


def test_the_import_commands_formats_are_the_readers() -> None:
    import click

    from bot.cli import import_plan_command
    from bot.intake.pipeline import READERS

    (fmt,) = [p for p in import_plan_command.params if p.name == "fmt"]
    assert isinstance(fmt.type, click.Choice)
    assert list(fmt.type.choices) == ["auto", *READERS]


def test_setext_headings_and_a_legend_written_as_a_sentence() -> None:
    text = (
        "Risk Register\n=============\n\nAssessment\n----------\n"
        "- Likelihood: High, Medium, or Low\n- Impact: High, Medium, or Low\n\n"
        "Vendor outage\n-------------\n- **Likelihood:** Low\n- **Impact:** High\n"
    )
    doc = read_markdown(text, "doc.md", {})
    assert doc.title == "Risk Register"
    assert [(c.title, c.line) for c in doc.candidates] == [("Vendor outage", 9)]
    assert [s.label for s in doc.scales if s.factor == "probability"] == ["High", "Medium", "Low"]


def test_emphasis_and_rag_letters_in_a_table() -> None:
    text = (
        "| Risk ID | Risk Description | Impact (1-5) | Likelihood (1-5) | Risk Score | Zone |\n"
        "|---|---|---|---|---|---|\n"
        "| *R001* | *Model drifts* | *3* | *2* | *6* | *G* |\n"
        "| *R002* | *Annotators leave* | *4* | *4* | *16* | *A* |\n"
    )
    result = import_document(text.encode(), "rag.md")
    assert [(r.own_id, r.levels, r.band) for r in result.rows] == [
        ("R001", "3 × 2", "Green"),
        ("R002", "4 × 4", "Red"),
    ]
    (warned,) = result.warnings
    assert (warned.line, warned.message.split(":")[0]) == (4, "R002")
    assert "'A' contradicts" in warned.message


def test_thresholds_the_documents_own_risks_agree_on() -> None:
    rows = [
        ("A", 4, 3, "High"),
        ("B", 3, 4, "High"),
        ("C", 2, 5, "Medium"),
        ("D", 3, 2, "Medium"),
        ("E", 1, 5, "Medium"),
        ("F", 2, 2, "Low"),
        ("G", 1, 3, "Low"),
    ]
    text = "Risk,Likelihood,Impact,Level\n" + "".join(f"{r},{p},{i},{b}\n" for r, p, i, b in rows)
    result = import_document(text.encode(), "levels.csv")
    assert result.warnings == []
    assert [(b["label"], b["min_score"]) for b in result.policy["bands"]] == [
        ("High", 12),
        ("Medium", 5),
        ("Low", 1),
    ]
    assert "inferred from the document's own risks" in result.files[".github/riskbot.yml"]
    # One word against the rest is the document's mistake, not another threshold.
    slip = text.replace("G,1,3,Low", "G,1,3,High")
    (warned,) = import_document(slip.encode(), "levels.csv").warnings
    assert warned.line == 8
    assert "'High' contradicts the thresholds its other risks follow" in warned.message


def test_a_level_out_of_five_sets_the_scale_of_the_words_beside_it() -> None:
    text = (
        "### Risk 1: Migration fails\n- **Probability**: Medium\n- **Impact**: High\n"
        "- **Risk Level**: 🔴 HIGH\n\n"
        "### Risk 2: Rate limits\n**Likelihood:** 3/5 | **Impact:** 4/5 | **Score:** 12\n\n"
        "### Risk 3: Key developer leaves\n- **Probability**: Low\n- **Impact**: Critical\n"
    )
    result = import_document(text.encode(), "mixed.md")
    assert [(r.own_id, r.levels) for r in result.rows] == [
        ("Risk 1", "4 × 3"),
        ("Risk 2", "4 × 3"),
        ("Risk 3", "5 × 2"),
    ]
    (warned,) = result.warnings  # the red mark names the band its word does not
    assert (warned.line, "'🔴 HIGH' contradicts" in warned.message) == (4, True)


def test_counts_on_one_summary_line_are_audited() -> None:
    """``Total: 3 | Open: 3``: a line of counts, one of them a total; each is checked."""
    text = (
        "# Register\n\n*Updated: 2025-03-02 | Total risks: 3 | Open: 3 | High: 2*\n\n"
        "| ID | Risk | Likelihood | Impact | Status |\n|---|---|---|---|---|\n"
        "| R1 | A | High | High | Open |\n| R2 | B | Low | High | Closed |\n"
        "| R3 | C | Low | Low | Open |\n\n"
        "- **Total Risks**: 4 (manageable)\n"
        "Likelihood: 3 | Impact: 2\n"
        "Open: 2 | High: 1\n"
    )
    result = import_document(text.encode(), "register.md")
    assert [(f.line, f.message) for f in result.warnings] == [
        (3, "the document counts 2 High risks, but its entries give 1"),
        (3, "the document counts 3 open risks, but its entries give 2"),
        (11, "the document counts 4 risks, but its entries give 3"),
    ]
