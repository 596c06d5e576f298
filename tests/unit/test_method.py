"""The method as the policy's data: scales of 2 to 10 levels, 2 to 7 bands, the product or a
lookup table, detection for FMEA; and what the loader refuses, each on its line."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.register.load import SourceFile, build_register, load_policy
from bot.register.method import LOOKS_FOR, Method
from bot.register.policy import Policy
from bot.register.presets import PRESETS, preset_policy
from tests.factories import POLICY, line_of, risk_yaml

TODAY = dt.date(2026, 11, 27)
FILE = ".github/riskbot.yml"

# A 5 × 5 table that weighs impact over probability: impact 5 is at least High whatever the
# probability, and impact 1 never more than Low, which no threshold on the product can say.
TABLE: list[dict[str, Any]] = [
    {"impact": 5, "bands": ["high", "high", "critical", "critical", "critical"]},
    {"impact": 4, "bands": ["medium", "high", "high", "critical", "critical"]},
    {"impact": 3, "bands": ["low", "medium", "medium", "high", "high"]},
    {"impact": 2, "bands": ["low", "low", "medium", "medium", "medium"]},
    {"impact": 1, "bands": ["low", "low", "low", "low", "low"]},
]


def policy_text(change: Callable[[dict[str, Any]], None] | None = None, name: str = "plan") -> str:
    data = preset_policy(name)
    if change is not None:
        change(data)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def load(text: str) -> tuple[Policy | None, list[tuple[int, str]]]:
    policy, findings = load_policy(SourceFile(FILE, text.encode("utf-8")))
    return policy, [(f.line, f.message) for f in findings]


def loaded(text: str) -> Policy:
    policy, found = load(text)
    assert policy is not None, found
    return policy


def as_table(data: dict[str, Any]) -> None:
    data["method"] = {"name": "weighted", "formula": "table", "table": TABLE}
    data["bands"] = preset_policy("5x5-4band")["bands"]
    data["escalation"]["same_level"]["bands"] = ["critical"]


# -- presets -------------------------------------------------------------------------------------


def test_every_preset_loads_and_the_plan_preset_is_the_plans_method() -> None:
    for name in PRESETS:
        loaded(policy_text(name=name))
    plan = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    preset = preset_policy("plan")
    for section in ("impact_scale", "probability_scale", "bands", "cadences", "categories"):
        assert preset[section] == plan[section], section


def test_a_method_goes_to_json_and_back_equal() -> None:
    """A portfolio keeps each register's method in its JSON: every preset and a lookup table
    come back equal, through real JSON text, and score and band as before."""
    methods = [loaded(policy_text(name=name)).method for name in PRESETS]
    methods.append(loaded(policy_text(as_table)).method)
    for method in methods:
        back = Method.from_json(json.loads(json.dumps(method.as_json())))
        assert back == method
        assert back.issue_bands == method.issue_bands
        assert back.no_odds == method.no_odds
        levels = [(i, p) for i in method.impact_scale for p in method.probability_scale]
        assert [back.band_of(i, p, 1 if method.detection else None) for i, p in levels] == [
            method.band_of(i, p, 1 if method.detection else None) for i, p in levels
        ]


def test_fmea_scores_severity_occurrence_and_detection_up_to_1000() -> None:
    method = loaded(policy_text(name="fmea")).method
    assert method.detection
    assert method.score(10, 10, 10) == 1000
    assert [method.band_of(*x).name for x in [(10, 10, 2), (7, 7, 4), (5, 5, 4), (6, 6, 1)]] == [
        "critical",
        "high",
        "high",
        "low",
    ]
    assert method.formula_text() == "severity × occurrence × detection"
    assert [b.name for b in method.issue_bands] == ["critical", "high"]


def test_the_plans_policy_file_opens_issues_for_red_only_and_keeps_its_colours() -> None:
    method = loaded(POLICY.read_text(encoding="utf-8")).method
    assert [(b.name, b.opens_issue, b.mark, b.colour) for b in method.bands] == [
        ("red", True, "🟥", "#d1242f"),
        ("yellow", False, "🟨", "#d4a72c"),
        ("green", False, "🟩", "#1a7f37"),
    ]
    assert method.no_odds is None


# -- the band table covers every score exactly once -----------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.tuples(st.integers(2, 10), st.integers(2, 10)),
    starts=st.lists(st.integers(1, 120), min_size=1, max_size=6, unique=True),
)
def test_thresholds_that_load_give_every_score_exactly_one_band(
    sizes: tuple[int, int], starts: list[int]
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["impact_scale"] = [{"level": n, "label": f"I{n}"} for n in range(1, sizes[0] + 1)]
        data["probability_scale"] = [{"level": n, "label": f"P{n}"} for n in range(1, sizes[1] + 1)]
        values = sorted({*starts, 1}, reverse=True)
        del data["escalation"]["same_level"]["bands"]
        del data["escalation"]["schedule_impact"]
        data["bands"] = [
            {"name": f"b{i}", "min_score": v, "monitoring": "weekly"} for i, v in enumerate(values)
        ]

    text = policy_text(change)
    policy, found = load(text)
    top = sizes[0] * sizes[1]
    values = sorted({*starts, 1}, reverse=True)
    if not 2 <= len(values) <= 7 or any(v > top for v in values):
        assert policy is None
        return
    assert policy is not None, found
    for score in range(1, top + 1):
        holding = [b for b in policy.bands if b.min_score <= score]
        assert policy.band_for(score) == holding[0]  # the highest it reaches, and only one


def test_a_threshold_above_the_highest_score_names_the_product() -> None:
    def change(data: dict[str, Any]) -> None:
        data["bands"][0]["min_score"] = 10

    text = policy_text(change, name="3x3")
    _, found = load(text)
    assert found == [
        (
            line_of(text, "min_score: 10"),
            "band 'high' starts at 10: no score reaches it (3 × 3 = 9)",
        )
    ]


def test_the_lowest_band_must_start_at_one_every_factor_at_one() -> None:
    def change(data: dict[str, Any]) -> None:
        data["bands"][-1]["min_score"] = 5

    text = policy_text(change, name="fmea")
    _, found = load(text)
    assert found == [
        (
            line_of(text, "min_score: 5"),
            "band 'low' starts at 5: scores 1–4 fall in no band; the lowest band must start at 1 "
            "(impact 1 × probability 1 × detection 1)",
        )
    ]


def test_four_bands_out_of_order_name_the_pair_and_the_order() -> None:
    def change(data: dict[str, Any]) -> None:
        data["bands"][2]["min_score"] = 12  # medium above high (10)

    text = policy_text(change, name="5x5-4band")
    _, found = load(text)
    assert found == [
        (
            line_of(text, "min_score: 10"),
            "band 'high' starts at 10, not above 'medium' (12): thresholds must rise strictly "
            "from low to medium to high to critical, or a score falls in two bands",
        )
    ]


def test_bands_listed_lowest_first_are_told_to_list_the_highest_first() -> None:
    def change(data: dict[str, Any]) -> None:
        data["bands"].reverse()

    _, found = load(policy_text(change))
    assert len(found) == 1
    assert found[0][1].endswith("; list the bands from the highest to the lowest")


def test_a_product_band_without_a_threshold_and_a_band_defined_twice() -> None:
    def change(data: dict[str, Any]) -> None:
        del data["bands"][1]["min_score"]
        data["bands"][2]["name"] = "red"

    text = policy_text(change)
    _, found = load(text)
    assert sorted(m.split(":")[0].split(" (")[0] for _, m in found) == [
        "band 'red' is defined twice",
        "band 'yellow' has no min_score",
    ]


def test_one_band_is_refused_by_the_schema() -> None:
    def one(data: dict[str, Any]) -> None:
        data["bands"] = data["bands"][:1]

    _, found = load(policy_text(one))
    assert len(found) == 1
    assert "$.bands" in found[0][1]


def test_default_looks_follow_the_position_for_any_number_of_bands() -> None:
    for count, looks in LOOKS_FOR.items():
        assert len(looks) == count
        assert looks[-1 if count < 5 else -2].mark == "🟩"


# -- which bands open issues ----------------------------------------------------------------------


def test_the_top_band_alone_opens_issues_by_default_and_others_join_from_the_top() -> None:
    assert [b.name for b in loaded(policy_text(name="3x3")).method.issue_bands] == ["high"]

    def gap(data: dict[str, Any]) -> None:
        data["bands"][1].pop("opens_issue")
        data["bands"][2]["opens_issue"] = True

    text = policy_text(gap, name="5x5-4band")
    _, found = load(text)
    assert [m for _, m in found] == [
        "band 'medium' opens issues but 'high' above it does not: the bands that open issues "
        "are the top bands"
    ]
    medium = line_of(text, "name: medium")
    assert found[0][0] > medium
    assert text.splitlines()[found[0][0] - 1].strip() == "opens_issue: true"

    def top_off(data: dict[str, Any]) -> None:
        data["bands"][0]["opens_issue"] = False

    _, found = load(policy_text(top_off, name="3x3"))
    assert [m for _, m in found] == [
        "band 'high' is the top band: its risks always get an issue (remove opens_issue: false)"
    ]


# -- scales ---------------------------------------------------------------------------------------


def test_a_scale_numbered_with_a_gap_names_the_missing_level() -> None:
    def change(data: dict[str, Any]) -> None:
        data["impact_scale"][2]["level"] = 4

    text = policy_text(change, name="3x3")
    _, found = load(text)
    assert found == [(line_of(text, "impact_scale:"), "impact_scale: level 3 is missing; "
                      "level 4 is not one of level 1, level 2, level 3")]  # fmt: skip


def test_detection_needs_its_scale_and_a_scale_needs_the_method_to_score_it() -> None:
    def no_scale(data: dict[str, Any]) -> None:
        del data["detection_scale"]

    _, found = load(policy_text(no_scale, name="fmea"))
    assert [m.split(" (")[0] for _, m in found] == [
        "method.detection is true but the policy has no detection_scale"
    ]

    def unused(data: dict[str, Any]) -> None:
        data["method"]["detection"] = False

    _, found = load(policy_text(unused, name="fmea"))
    assert found[0][1].startswith("detection_scale is given but the method does not score")


def test_a_scale_without_ranges_has_no_odds_and_says_why() -> None:
    method = loaded(policy_text(name="3x3")).method
    assert method.no_odds == "the impact scale gives no schedule slip ranges"
    policy = loaded(policy_text(name="plan"))
    assert policy.method.no_odds is None
    assert policy.no_odds == "the policy has no releases"


def test_rules_name_the_methods_bands_and_levels() -> None:
    def change(data: dict[str, Any]) -> None:
        data["escalation"]["same_level"]["bands"] = ["critcal"]
        data["escalation"]["schedule_impact"] = {"min_impact": 7, "notify": ["technical-lead"]}

    text = policy_text(change, name="5x5-4band")
    _, found = load(text)
    assert [m for _, m in found] == [
        "escalation.same_level names unknown band 'critcal' (did you mean 'critical'?) "
        "(bands: critical, high, medium, low)",
        "escalation.schedule_impact.min_impact 7 is above the impact scale (1–5): the rule could "
        "never trigger",
    ]

    def default(data: dict[str, Any]) -> None:
        del data["escalation"]["same_level"]["bands"]

    rule = loaded(policy_text(default, name="fmea")).same_level
    assert rule is not None
    assert rule.bands == ("critical",)


# -- the lookup table -----------------------------------------------------------------------------


def test_a_table_scores_a_risk_by_its_cell_not_by_the_product(tmp_path: Path) -> None:
    method = loaded(policy_text(as_table)).method
    # 5 × 1 = 5 and 1 × 5 = 5: one product, two cells, two bands.
    assert (method.score(5, 1), method.band_of(5, 1).name) == (5, "high")
    assert (method.score(1, 5), method.band_of(1, 5).name) == (5, "low")
    assert method.band_range(method.band("critical")) == "5 cells of the table"
    text = policy_text(as_table)
    risks = [
        SourceFile(
            f"risks/R-10{n}-x.yaml",
            risk_yaml(f"R-10{n}", impact={"level": i}, probability={"level": p}).encode(),
        )
        for n, (i, p) in enumerate([(5, 1), (1, 5)], start=1)
    ]
    register = build_register(SourceFile(FILE, text.encode()), risks, TODAY)
    assert {a.risk.id: (a.score, a.band.name) for a in register.assessments} == {
        "R-101": (5, "high"),
        "R-102": (5, "low"),
    }


def test_a_table_with_a_missing_or_unknown_cell_is_refused_on_its_line() -> None:
    def broken(data: dict[str, Any]) -> None:
        as_table(data)
        data["method"]["table"] = [dict(row) for row in TABLE]
        data["method"]["table"][1]["bands"] = ["medium", "high", "high", "critical"]
        data["method"]["table"][2]["bands"] = ["low", "medum", "medium", "high", "high"]
        del data["method"]["table"][4]

    text = policy_text(broken)
    _, found = load(text)
    lines = text.splitlines()
    assert [m for _, m in found] == [
        "method.table: impact 4 gives 4 cells, the probability scale has 5 levels: one band "
        "per probability level, lowest first",
        "method.table: impact 3, probability 2 names unknown band 'medum' (did you mean "
        "'medium'?) (bands: critical, high, medium, low)",
        "method.table has no row for impact 1: every cell of the impact × probability matrix "
        "needs a band",
    ]
    assert lines[found[0][0] - 1].strip() == "bands:"
    assert lines[found[0][0] + 1].strip() == "- high"
    assert found[1][0] > found[0][0]
    assert lines[found[2][0] - 1].strip() == "table:"


def test_a_tables_bands_are_ordered_by_their_min_score_when_each_has_one() -> None:
    def shuffled(data: dict[str, Any]) -> None:
        as_table(data)
        data["bands"] = [data["bands"][i] for i in (2, 0, 3, 1)]

    method = loaded(policy_text(shuffled)).method
    assert [b.name for b in method.bands] == ["critical", "high", "medium", "low"]
    assert [b.name for b in method.issue_bands] == ["critical", "high"]

    def unranked(data: dict[str, Any]) -> None:
        as_table(data)
        for band in data["bands"]:
            del band["min_score"]
            band.pop("opens_issue", None)

    method = loaded(policy_text(unranked)).method
    assert [b.name for b in method.bands] == ["critical", "high", "medium", "low"]
    assert [b.name for b in method.issue_bands] == ["critical"]


def test_a_table_row_for_no_level_twice_and_a_formula_without_its_table() -> None:
    def broken(data: dict[str, Any]) -> None:
        as_table(data)
        data["method"]["table"] = [*TABLE, {"impact": 6, "bands": ["low"] * 5}, TABLE[0]]

    _, found = load(policy_text(broken))
    assert [m.split(" (")[0] for _, m in found] == [
        "method.table: impact 6 is not a level of the impact scale",
        "method.table: impact 5 has two rows",
    ]

    def no_table(data: dict[str, Any]) -> None:
        data["method"] = {"formula": "table"}

    _, found = load(policy_text(no_table))
    assert found[0][1].startswith("method.formula is table but method.table is missing")

    def stray(data: dict[str, Any]) -> None:
        as_table(data)
        data["method"]["formula"] = "product"

    _, found = load(policy_text(stray))
    assert found[0][1].startswith("method.table is given but method.formula is not table")


# -- a risk's levels on the policy's scales -------------------------------------------------------


def check(policy: str, text: str) -> tuple[list[tuple[str, int, str]], list[str]]:
    register = build_register(
        SourceFile(FILE, policy.encode()), [SourceFile("risks/R-100-x.yaml", text.encode())], TODAY
    )
    return (
        [(f.code, f.line, f.message) for f in register.findings if f.severity == "error"],
        [a.risk.id for a in register.assessments],
    )


def test_a_level_off_the_scale_is_one_error_naming_the_scale_on_its_line() -> None:
    text = risk_yaml("R-100", phase="All", owner="Technical Lead", probability={"level": 4})
    found, assessed = check(policy_text(name="3x3"), text)
    assert found == [
        (
            "level",
            line_of(text, "level: 4"),
            "probability level 4 is outside the policy's probability scale, 1–3 (1 Low … 3 High)",
        )
    ]
    assert assessed == []


def test_fmea_asks_for_a_detection_level_and_other_methods_refuse_one() -> None:
    text = risk_yaml("R-100", phase="All", owner="Technical Lead")
    found, _ = check(policy_text(name="fmea"), text)
    assert [(code, message.split(";")[0]) for code, _, message in found] == [
        (
            "level",
            "missing detection level: the policy's method scores severity × occurrence × detection",
        )
    ]
    with_detection = risk_yaml("R-100", phase="All", owner="Technical Lead", detection={"level": 3})
    found, assessed = check(policy_text(name="fmea"), with_detection)
    assert (found, assessed) == ([], ["R-100"])
    found, _ = check(policy_text(name="plan"), with_detection)
    level_line = with_detection.splitlines().index("detection:") + 2
    assert found == [
        (
            "level",
            level_line,
            "detection level 3: the policy's method has no detection scale (it scores impact × "
            "probability); remove `detection`",
        )
    ]


def test_a_residual_level_off_the_scale_is_named_too() -> None:
    text = risk_yaml(
        "R-100", phase="All", owner="Technical Lead", residual={"impact": 0, "probability": 1}
    )
    found, assessed = check(policy_text(name="3x3"), text)
    assert [m for _, _, m in found] == [
        "residual impact level 0 is outside the policy's impact scale, 1–3 (1 Low … 3 High)"
    ]
    assert assessed == []


# -- the README's examples of the method section ---------------------------------------------------


def readme_yaml(needle: str) -> dict[str, Any]:
    """The README's YAML example that holds ``needle``."""
    from tests.test_readme import yaml_blocks

    (block,) = [b for b in yaml_blocks() if needle in b.text]
    data: dict[str, Any] = yaml.safe_load(block.text)
    return data


def test_the_readmes_method_section_is_a_policys_method() -> None:
    example = readme_yaml("opens_issue: true")

    def change(data: dict[str, Any]) -> None:
        data.update(example)

    method = loaded(policy_text(change, name="5x5-4band")).method
    assert [(b.name, b.min_score, b.opens_issue) for b in method.bands] == [
        ("critical", 15, True),
        ("high", 10, True),
        ("medium", 6, False),
        ("low", 1, False),
    ]
    assert method.factor_label("probability") == "Likelihood"


def test_the_readmes_lookup_table_scores_by_the_cell() -> None:
    example = readme_yaml("formula: table")

    def change(data: dict[str, Any]) -> None:
        data.update(example)

    method = loaded(policy_text(change, name="5x5-4band")).method
    assert (method.band_of(5, 1).name, method.band_of(1, 5).name) == ("high", "low")
    assert method.table == {
        (row["impact"], p): band for row in TABLE for p, band in enumerate(row["bands"], start=1)
    }
