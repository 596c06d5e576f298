"""Risk matrices a document draws: read on their axes, as the document's thresholds when a
ladder of them gives every cell, else as a lookup table; a cell its own thresholds contradict
is a mistake on its line; a heat map of risks is no matrix of bands."""

from __future__ import annotations

import yaml

from bot.intake.matrix import axes, axis_levels, band_key
from bot.intake.pipeline import import_document
from bot.register.load import POLICY_PATH

RISKS = """
## R-1: Supplier goes out of business
- **Likelihood:** High
- **Impact:** Low
- **Owner:** Buyer

## R-2: Key engineer leaves
- **Likelihood:** Low
- **Impact:** High
- **Owner:** Lead
"""


def policy_of(text: str) -> dict[str, object]:
    result = import_document(text.encode(), "doc.md")
    assert result.errors == [], result.errors
    data = yaml.safe_load(result.files[POLICY_PATH])
    assert isinstance(data, dict)
    return data


def test_axis_levels_as_numbers_or_words_of_a_ladder() -> None:
    assert axis_levels(["Rare (1)", "Possible (3)", "Likely (2)"]) == [1, 3, 2]
    assert axis_levels(["5 - Almost certain", "4", "3", "2", "1"]) == [5, 4, 3, 2, 1]
    assert axis_levels(["High", "Medium", "Low"]) == [3, 2, 1]
    assert axis_levels(["R-01, R-03", "R-02"]) is None
    assert axis_levels(["1", "1"]) is None


def test_axes_from_the_corner_an_arrow_or_the_lead() -> None:
    assert axes("Likelihood \\ Consequence", "") == ("probability", "impact")
    assert axes("Impact ↓ / Likelihood →", "") == ("impact", "probability")
    assert axes("Impact →", "") == ("probability", "impact")
    assert axes("Severity", "") == ("impact", "probability")
    assert axes("", "Impact × Likelihood matrix") == ("impact", "probability")
    assert axes("", "Matrix") == ("probability", "impact")


def test_a_cells_band_by_word_mark_or_initial() -> None:
    assert band_key("15 🔴") == "red"
    assert band_key("**Amber**") == "yellow"
    assert band_key("G") == "green"
    assert band_key("H") == "high"
    assert band_key("Very High (20)") == "very high"
    assert band_key("R-07") == "r"  # an id, not an initial: no band (refused as no level word)


def test_a_lookup_table_weighs_impact_over_likelihood() -> None:
    """High impact with low likelihood is High, the other way round Medium: no thresholds."""
    text = (
        "| Impact ↓ / Likelihood → | Low | Medium | High |\n|---|---|---|---|\n"
        "| High | High | High | High |\n| Medium | Medium | Medium | High |\n"
        "| Low | Low | Medium | Medium |\n" + RISKS
    )
    policy = policy_of(text)
    method = policy["method"]
    assert isinstance(method, dict)
    assert method["formula"] == "table"
    assert method["table"] == [
        {"impact": 1, "bands": ["low", "medium", "medium"]},
        {"impact": 2, "bands": ["medium", "medium", "high"]},
        {"impact": 3, "bands": ["high", "high", "high"]},
    ]
    result = import_document(text.encode(), "doc.md")
    assert [(r.own_id, r.score, r.band) for r in result.rows] == [
        ("R-1", 3, "Medium"),
        ("R-2", 3, "High"),
    ]


def test_a_matrix_its_thresholds_explain_gives_them() -> None:
    text = (
        "| | 1 | 2 | 3 |\n|---|---|---|---|\n| 3 | M | H | H |\n| 2 | L | H | H |\n"
        "| 1 | L | L | M |\n" + RISKS
    )
    policy = policy_of(text)
    assert policy["method"] == {"name": "3x3", "formula": "product", "detection": False}
    bands = policy["bands"]
    assert isinstance(bands, list)
    assert [(b["name"], b["min_score"]) for b in bands] == [("high", 4), ("medium", 3), ("low", 1)]


def test_a_cell_the_documents_thresholds_contradict_is_reported_on_its_line() -> None:
    text = (
        "Bands: High 6-9, Medium 3-5, Low 1-2.\n\n"
        "| Likelihood \\ Impact | Low | Medium | High |\n|---|---|---|---|\n"
        "| High | Medium | High | High |\n| Medium | Medium | Medium | High |\n"
        "| Low | Low | Low | Medium |\n" + RISKS
    )
    result = import_document(text.encode(), "doc.md")
    (mistake,) = result.warnings
    assert mistake.line == 6
    assert mistake.message == (
        "the matrix gives Medium × Low 'Medium', but the document's thresholds make impact 1 × "
        "probability 2 = 2 Low (≥ 1)"
    )


def test_a_heat_map_of_risks_is_no_matrix_of_bands() -> None:
    text = (
        "| Likelihood ↓ / Impact → | Low | Medium | High |\n|---|---|---|---|\n"
        "| High | R-1 | R-3 | R-4 |\n| Medium | R-5 | R-6 | R-7 |\n| Low | R-8 | R-9 | R-2 |\n"
        + RISKS
    )
    result = import_document(text.encode(), "doc.md")
    policy = yaml.safe_load(result.files[POLICY_PATH])
    assert policy["method"]["formula"] == "product"
    assert [b["min_score"] for b in policy["bands"]] == [6, 3, 1]  # the 3x3 preset's
