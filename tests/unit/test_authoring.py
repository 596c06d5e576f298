"""Authoring risk files: slugs, the next id, the file text, and `new` checked like `check`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from bot.documents.authoring import NewRisk, create_risk
from bot.intake.writer import render_risk_file, slug_for
from bot.register.ids import id_of_name, next_id
from bot.render.check import check_report
from tests.factories import (
    REGISTER,
    copy_policy,
    copy_register,
    register_of,
    risk_data,
    risk_yaml,
)

COMMITTED = sorted((REGISTER / "risks").glob("R-*.yaml"))


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_slug_rule_yields_the_committed_file_names(path: Path) -> None:
    title = yaml.safe_load(path.read_text(encoding="utf-8"))["title"]
    risk_id = path.name[:5]
    assert f"{risk_id}-{slug_for(title)}.yaml" == path.name


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Key Person Leaves the Team", "key-person-leaves"),
        ("The Cloud Bill", "cloud-bill"),
        ("Risk to the Schedule", "schedule"),
        ("Loss of Key Staff", "loss-key-staff"),
        ("Failure of the Payment Provider", "failure-payment-provider"),
        ("Ünïcode & Symbols!", "unicode-symbols"),
        ("!!!", "risk"),
    ],
)
def test_slug_rule(title: str, slug: str) -> None:
    assert slug_for(title) == slug


def test_next_id_follows_the_highest_file_name() -> None:
    def next_risk_id(names: list[str]) -> str:
        return next_id(i for n in names if (i := id_of_name(n)) is not None)

    assert next_risk_id([]) == "R-001"
    assert next_risk_id(["risks/R-001-a.yaml", "risks/R-010-b.yaml", "risks/notes.yaml"]) == "R-011"
    assert next_risk_id(["risks/R-999-a.yaml"]) == "R-1000"


def test_rendered_file_reads_back_and_starts_with_the_schema_line() -> None:
    data = risk_data("R-100", title="Colon: and → arrow", owner=["QA Lead", "@octocat"])
    text = render_risk_file(data, ["a comment"])
    assert text.startswith(
        "# yaml-language-server: $schema=../schema/risk.schema.json\n# a comment\n"
    )
    assert yaml.safe_load(text) == data


def example(**changes: object) -> NewRisk:
    fields: dict[str, object] = {
        "title": "Key Person Leaves",
        "category": "Organizational",
        "phase": "All",
        "impact": 3,
        "probability": 3,
        "owner": "Team Lead",
        "description": "Bus factor of one on the registry.",
        "identified": dt.date(2025, 2, 3),
    }
    fields.update(changes)
    return NewRisk(**fields)  # type: ignore[arg-type]


def test_new_risk_gets_the_next_id_and_passes_check(tmp_path: Path) -> None:
    root = copy_register(tmp_path)
    created = create_risk(root, example())
    assert created.ok, created.findings
    assert created.path == "risks/R-011-key-person-leaves.yaml"
    assert created.score == 9
    assert created.band == "yellow"
    assert created.score_text == "3 Moderate × 3 Possible = 9 (Yellow)"
    data = yaml.safe_load((root / created.path).read_text(encoding="utf-8"))
    assert data["id"] == "R-011"
    assert data["identified"] == "2025-02-03"
    register = register_of(root)
    report = check_report(register)
    assert report.ok
    assert [f for f in report.register.findings if f.file == created.path] == []
    assert register.get("R-011") is not None


def test_first_risk_of_an_empty_register(tmp_path: Path) -> None:
    root = copy_policy(tmp_path)
    created = create_risk(root, example(title="Only One"))
    assert created.path == "risks/R-001-only-one.yaml"
    assert (root / created.path).is_file()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"category": "Weather"}, "unknown category 'Weather'"),
        ({"phase": "v9"}, "unknown phase 'v9'"),
        ({"owner": "Nobody In Particular"}, "owner 'Nobody In Particular' is neither"),
        ({"title": ""}, "$.title"),
    ],
)
def test_a_new_risk_with_findings_is_not_written(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    root = copy_register(tmp_path)
    created = create_risk(root, example(**changes))
    assert not created.ok
    assert any(message in f.message for f in created.findings), created.findings
    assert not (root / created.path).exists()
    assert len(list((root / "risks").iterdir())) == 10


def test_slugs_are_capped_on_a_word_boundary() -> None:
    words = "Catastrophically Overcommitted Infrastructure Procurement Negotiations Stall"
    slug = slug_for(words)
    assert len(slug) <= 40
    assert slug == "catastrophically-overcommitted"
    assert len(slug_for("x" * 150)) == 40
    long_title = " ".join(["Supercalifragilistic"] * 8)
    assert len(slug_for(long_title)) <= 40
    assert slug_for(long_title) == "supercalifragilistic"  # 41 characters with the next word


def test_a_new_risk_in_a_register_without_declared_scores_declares_none(tmp_path: Path) -> None:
    root = copy_policy(tmp_path)
    (root / "risks").mkdir()
    (root / "risks" / "R-001-a.yaml").write_text(risk_yaml("R-001"), encoding="utf-8")
    created = create_risk(root, example())
    data = yaml.safe_load((root / created.path).read_text(encoding="utf-8"))
    assert "score" not in data
    assert "band" not in data
    # A register whose files declare them (the frozen one does) gets them, to match.
    full = copy_register(tmp_path / "full")
    declared = yaml.safe_load(create_risk(full, example()).text)
    assert (declared["score"], declared["band"]) == (9, "yellow")


def test_a_new_risk_is_reviewed_the_day_it_is_identified(tmp_path: Path) -> None:
    root = copy_policy(tmp_path)
    created = create_risk(root, example())
    data = yaml.safe_load(created.text)
    assert data["review"] == {"last_reviewed": "2025-02-03"}
    register = register_of(root, dt.date(2025, 2, 3))
    (assessment,) = register.assessments
    assert assessment.next_review > dt.date(2025, 2, 3)
