"""Mermaid charts: what GitHub draws, parsed by Mermaid itself; labels cannot break out."""

from __future__ import annotations

import pytest

from bot.register.odds import odds_by_release
from bot.render.mermaid import Series, label, number, xychart
from bot.render.odds import exceed_chart, exceedance_chart, render_odds_markdown
from tests.factories import REGISTER, register_of
from tests.mermaid import assert_charts_parse

HOSTILE = [
    "```\n# Heading\n```mermaid",
    '%%{init: {"theme": "dark", "securityLevel": "loose"}}%%',
    '"] \n  line [1, 2]\n  title "x',
    "%\n%{init: {}}%\n%",
    "<script>alert(1)</script> & @user #12",
    "a" * 300,
    "ünïcödé – “quotes” — risk",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_labels_keep_only_a_safe_set_of_characters(text: str) -> None:
    out = label(text)
    assert len(out) <= 40
    assert not set(out) & set('`"\n\r{}[]<>&@#;|\\'), out
    assert "%%" not in out.replace(" ", "")


PALETTE = {"themeVariables": {"xyChart": {"plotColorPalette": "#0969da"}}}


def test_hostile_labels_parse_and_inject_no_configuration() -> None:
    charts = [
        xychart(text, text, [text, "b"], text, (0, 10), [Series("line", (1, 2))], ["#0969da"])
        for text in HOSTILE
    ]
    blocks = assert_charts_parse("\n\n".join(charts), at_least=len(HOSTILE))
    assert all(b["type"] == "xychart" for b in blocks)
    assert all(b["config"] == PALETTE for b in blocks), blocks


def test_colours_are_the_only_configuration() -> None:
    chart = xychart("t", "x", ["a"], "y", (0, 1), [Series("bar", (1,))], ["#d1242f"])
    (block,) = assert_charts_parse(chart)
    assert block["config"] == {"themeVariables": {"xyChart": {"plotColorPalette": "#d1242f"}}}
    with pytest.raises(ValueError, match="not a colour"):
        xychart("t", "x", ["a"], "y", (0, 1), [Series("bar", (1,))], ["red; x"])
    with pytest.raises(ValueError, match="categories"):
        xychart("t", "x", ["a", "b"], "y", (0, 1), [Series("bar", (1,))], ["#d1242f"])
    with pytest.raises(ValueError, match="needs its colours"):
        xychart("t", "x", ["a"], "y", (0, 1), [Series("bar", (1,))], [])


def test_every_chart_riskbot_draws_names_its_palette() -> None:
    """The odds curves and bars had none: Mermaid drew them in its default #ECECFF, nearly
    invisible on white. Every chart of the plan register's report names its colours."""
    import re

    from tests.factories import REPO

    report = (REPO / "tests" / "data" / "frozen" / "RISKS.md").read_text(encoding="utf-8")
    odds = odds_by_release(register_of(REGISTER))
    text = "\n\n".join(
        [report, render_odds_markdown(odds, curves=True), render_odds_markdown(odds)]
    )
    blocks = assert_charts_parse(text, at_least=len(odds) + 3)
    for block in blocks:
        palette = block["config"]["themeVariables"]["xyChart"]["plotColorPalette"]
        assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in palette.split(", ")), palette
        assert "#ECECFF" not in palette.upper()


def test_the_odds_charts_of_the_plans_register_parse() -> None:
    odds = odds_by_release(register_of(REGISTER))
    text = render_odds_markdown(odds, curves=True) + "\n\n" + render_odds_markdown(odds)
    blocks = assert_charts_parse(text, at_least=len(odds) + 1)
    assert {b["type"] for b in blocks} == {"xychart"}


def test_an_exceedance_curve_marks_the_buffer_and_falls() -> None:
    odds = {o.release: o for o in odds_by_release(register_of(REGISTER))}
    chart = exceedance_chart(odds["v4"])
    assert '"6 buffer"' in chart
    values = [float(v) for v in chart.split("line [", 1)[1].split("]", 1)[0].split(", ")]
    assert values == sorted(values, reverse=True)
    assert '"v2", "v3", "v4", "v5"' in exceed_chart(list(odds.values()))


def test_numbers_have_no_exponent() -> None:
    assert number(1e-9) == "0"
    assert number(81.7073) == "81.71"
    assert number(100.0) == "100"
