"""The writer's fast path writes exactly what PyYAML writes, whatever the text."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.intake.writer import RiskDumper, dump_risk
from tests.factories import REGISTER
from tests.unit.test_intake_export import generated_register


def pyyaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=RiskDumper, sort_keys=False, allow_unicode=True, width=88)


def test_the_registers_files_are_written_as_pyyaml_writes_them() -> None:
    datas = [yaml.safe_load(t) for _, t in generated_register(400, seed=3)]
    datas += [yaml.safe_load(p.read_text()) for p in sorted((REGISTER / "risks").glob("*.yaml"))]
    for data in datas:
        assert dump_risk(data) == pyyaml(data)


TEXT = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 -_.,:#'\"@&*!%=<>~()[]{}|?/\\\t\né")), max_size=120
)
VALUE = st.recursive(
    st.one_of(TEXT, st.integers(-5, 2000), st.booleans(), st.none()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(TEXT.filter(bool), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(TEXT.filter(bool), VALUE, min_size=1, max_size=6))
def test_any_mapping_is_written_as_pyyaml_writes_it(data: dict[str, Any]) -> None:
    assert dump_risk(data) == pyyaml(data)


def test_words_that_mean_something_else_in_yaml_are_quoted() -> None:
    for text in ["yes", "No", "null", "2025-04-01", "12", "1.5", "~", "on", "0x1F", "1e3"]:
        data = {"note": text, "list": [text]}
        assert dump_risk(data) == pyyaml(data), text
