"""The pin `riskbot policy pull` writes: `extends.ref` and `extends.sha256`, set in place."""

from __future__ import annotations

import pytest
import yaml

from bot.documents.vendor import set_pin
from bot.errors import UsageError

REF = "1234567890123456789012345678901234567890"  # digits only: must stay a string
SHA = "0" * 64


def pin_of(text: str) -> dict[str, str]:
    data = yaml.safe_load(text.lstrip("\ufeff"))
    return data["extends"]


def test_a_block_pin_gets_the_keys_it_lacks_at_its_indentation():
    text = "version: 1\nextends:\n    repo: acme/.github\n    path: base.yml\nprogram: P\n"
    pinned = set_pin(text, REF, SHA)
    assert pinned == (
        "version: 1\nextends:\n    repo: acme/.github\n    path: base.yml\n"
        f'    ref: "{REF}"\n    sha256: "{SHA}"\nprogram: P\n'
    )
    assert pin_of(pinned)["ref"] == REF


def test_values_that_are_there_are_replaced_and_nothing_else_moves():
    text = f"extends:\n  ref: old  # the pin\n  repo: a/b\n  sha256: '{'1' * 64}'\n  path: p\n"
    pinned = set_pin(text, REF, SHA)
    assert (
        pinned
        == f'extends:\n  ref: "{REF}"  # the pin\n  repo: a/b\n  sha256: "{SHA}"\n  path: p\n'
    )


def test_a_flow_pin_stays_on_its_line():
    text = "extends: {repo: a/b, path: p}\nprogram: P\n"
    assert set_pin(text, REF, SHA) == (
        f'extends: {{repo: a/b, path: p, ref: "{REF}", sha256: "{SHA}"}}\nprogram: P\n'
    )


def test_a_byte_order_mark_crlf_and_a_missing_last_newline_are_kept():
    text = "\ufeffversion: 1\r\nextends:\r\n  repo: a/b\r\n  path: p"
    pinned = set_pin(text, REF, SHA)
    assert pinned == (
        f'\ufeffversion: 1\r\nextends:\r\n  repo: a/b\r\n  path: p\r\n  ref: "{REF}"\r\n'
        f'  sha256: "{SHA}"\r\n'
    )
    assert pin_of(pinned.replace("\r\n", "\n")) == {
        "repo": "a/b",
        "path": "p",
        "ref": REF,
        "sha256": SHA,
    }


@pytest.mark.parametrize("text", ["version: 1\n", "extends: acme\n", "extends: {}\n"])
def test_a_policy_without_an_extends_mapping_is_refused(text):
    with pytest.raises(UsageError, match="the policy extends no base"):
        set_pin(text, REF, SHA)
