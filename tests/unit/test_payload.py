"""The comment payload: what the pull request's job writes is what the comment job reads, and
nothing else is read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.github.events import EventError
from bot.github.payload import MAX_BODY_CHARS, PAYLOAD_NAME, read_payload, write_payload
from bot.reconcile.comment import Payload

HEAD = "0123456789abcdef0123456789abcdef01234567"


@given(
    number=st.integers(min_value=1, max_value=10**9),
    touches=st.booleans(),
    body=st.text(max_size=200),
)
def test_what_is_written_is_read_back(
    tmp_path_factory: pytest.TempPathFactory, number: int, touches: bool, body: str
) -> None:
    folder = tmp_path_factory.mktemp("artifact")
    written = Payload(number, HEAD, touches, body)
    path = write_payload(folder, written)
    assert path == folder / PAYLOAD_NAME
    assert read_payload(path) == written


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"version": 2}, "version"),
        ({"pr": 0}, "pr"),
        ({"head_sha": "HEAD"}, "head_sha"),
        ({"touches_risks": "yes"}, "touches_risks"),
        ({"body": "x" * (MAX_BODY_CHARS + 1)}, "body"),
        ({"extra": 1}, "(root)"),
    ],
)
def test_a_payload_of_another_shape_is_refused(
    tmp_path: Path, change: dict[str, object], where: str
) -> None:
    path = write_payload(tmp_path, Payload(7, HEAD, True, "## riskbot"))
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(data | change), encoding="utf-8")
    with pytest.raises(EventError, match=re.escape(f"rejected at {where}")):
        read_payload(path)
