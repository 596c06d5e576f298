"""The pin `riskbot policy pull` writes: `extends.ref` and `extends.sha256`, set in place."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from bot.documents.output import OutputError, write_files
from bot.documents.vendor import PullError, read_pin, set_pin, vendor_base
from bot.errors import UsageError
from bot.register.defaults import BASE_POLICY_PATH
from bot.register.inherit import Extends
from bot.register.load import POLICY_PATH

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


def register(root: Path, policy: str) -> Path:
    (root / ".github").mkdir(parents=True)
    (root / POLICY_PATH).write_text(policy, encoding="utf-8")
    return root


def test_the_pin_is_read_from_the_policy(tmp_path):
    root = register(tmp_path, "version: 1\nextends: {repo: acme/.github, path: base.yml}\n")
    assert read_pin(root) == Extends("acme/.github", "base.yml")


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("version: 1\nextends: [\n", ".github/riskbot.yml:3:1: error[yaml] "),
        (
            "version: 1\nextends:\n  repo: acme/.github\n  path: base.yml\n  ref: main\n",
            ".github/riskbot.yml:5:8: error[schema] $.extends.ref: 'main' is not a pinned commit",
        ),
    ],
)
def test_a_policy_that_does_not_read_is_named_on_its_line(tmp_path, policy, message):
    with pytest.raises(UsageError, match="error") as refused:
        read_pin(register(tmp_path, policy))
    assert str(refused.value).startswith(message)


def test_a_linked_policy_is_neither_read_nor_written(tmp_path):
    elsewhere = tmp_path / "elsewhere.yml"
    elsewhere.write_text("version: 1\nextends: {repo: a/b, path: p}\n", encoding="utf-8")
    root = tmp_path / "repo"
    (root / ".github").mkdir(parents=True)
    os.symlink(elsewhere, root / POLICY_PATH)
    with pytest.raises(PullError, match="is a symbolic link"):
        read_pin(root)


def test_a_base_that_is_not_utf8_is_not_vendored(tmp_path):
    root = register(tmp_path, "version: 1\nextends: {repo: a/b, path: p}\n")
    with pytest.raises(PullError, match="is not UTF-8 text"):
        vendor_base(root, Extends("a/b", "p"), REF, b"version: 1\nprogram: \xff\n")
    assert not (root / BASE_POLICY_PATH).exists()


def test_the_writer_refuses_a_linked_folder_on_the_way(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", root / ".github")
    with pytest.raises(OutputError, match="symbolic link"):
        write_files(root, [(root / BASE_POLICY_PATH, "x"), (root / "notes.txt", "y")])
    assert list((tmp_path / "outside").iterdir()) == []
    assert not (root / "notes.txt").exists()  # nothing at all
