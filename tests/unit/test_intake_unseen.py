"""Generality: documents written in the styles of public registers and left as they were
written, not tuned for. None is refused whole, and at least 90 % of their risks import with
the levels the documents give them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.intake.pipeline import import_document
from bot.register.load import POLICY_PATH

UNSEEN = Path(__file__).resolve().parent.parent / "data" / "documents" / "unseen"


@pytest.mark.parametrize("path", sorted(UNSEEN.iterdir()), ids=lambda p: p.name)
def test_an_unseen_document_is_not_refused(path: Path) -> None:
    result = import_document(path.read_bytes(), path.name)
    assert result.files, [f.as_text() for f in result.findings]
    assert len(result.rows) * 10 >= result.read * 9
    for name, text in result.files.items():
        if name == POLICY_PATH:
            continue
        data = yaml.safe_load(text)
        # The document's own words for the levels are kept beside the numbers.
        assert data["impact"]["level"] >= 1
        assert data["source"]["document"] == path.name


def test_unseen_documents_hold_at_least_ninety_percent_of_their_risks() -> None:
    read = imported = 0
    for path in sorted(UNSEEN.iterdir()):
        result = import_document(path.read_bytes(), path.name)
        read += result.read
        imported += len(result.rows)
    assert read >= 20
    assert imported * 10 >= read * 9


def test_severity_ranks_run_the_other_way() -> None:
    result = import_document((UNSEEN / "ops-register.md").read_bytes(), "ops-register.md")
    levels = {r.own_id: r.levels.split(" × ")[0] for r in result.rows}
    assert levels == {"R-001": "3", "R-002": "1", "R-003": "2", "R-004": "1"}
    policy = yaml.safe_load(result.files[POLICY_PATH])
    assert [x["label"] for x in policy["impact_scale"]] == ["Sev-3", "Sev-2", "Sev-1"]
