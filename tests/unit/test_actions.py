from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.github.step import append_step_summary, emit, set_output
from bot.render import actions
from bot.render.actions import (
    STEP_SUMMARY_LIMIT,
    Annotation,
    annotation,
    cap_summary,
    escape_data,
    escape_property,
    limit_annotations,
    stop_commands,
)

# --- escaping -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain", "plain"),
        ("100%", "100%25"),
        ("a\nb", "a%0Ab"),
        ("a\r\nb", "a%0D%0Ab"),
        ("%0A", "%250A"),  # an already-escaped-looking sequence must survive literally
        ("a: b, c", "a: b, c"),
        ("::set-output name=x::y", "::set-output name=x::y"),
    ],
)
def test_escape_data(raw: str, expected: str) -> None:
    assert escape_data(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("risks/R-001.yaml", "risks/R-001.yaml"),
        ("a:b,c", "a%3Ab%2Cc"),
        ("50%\n", "50%25%0A"),
        ("x,line=1", "x%2Cline=1"),
    ],
)
def test_escape_property(raw: str, expected: str) -> None:
    assert escape_property(raw) == expected


@given(st.text())
def test_escaped_data_is_one_line_and_reversible(text: str) -> None:
    escaped = escape_data(text)
    assert "\n" not in escaped
    assert "\r" not in escaped
    unescaped = escaped.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
    assert unescaped == text


@given(st.text())
def test_escaped_property_has_no_separators(text: str) -> None:
    escaped = escape_property(text)
    assert not set(escaped) & {"\n", "\r", ":", ","}


# --- annotations ----------------------------------------------------------------------


def test_annotation_with_all_properties() -> None:
    line = annotation(
        "error", "score 30 > 25", file="risks/R-001.yaml", line=4, col=3, title="Bad score"
    )
    assert line == "::error file=risks/R-001.yaml,line=4,col=3,title=Bad score::score 30 > 25"


def test_annotation_without_properties() -> None:
    assert annotation("notice", "all good") == "::notice::all good"


def test_annotation_escapes_untrusted_text() -> None:
    line = annotation(
        "warning",
        "50% done\n::add-mask::secret",
        file="risks/a,b.yaml",
        title="Owner: x, y",
    )
    assert line == (
        "::warning file=risks/a%2Cb.yaml,title=Owner%3A x%2C y::50%25 done%0A::add-mask::secret"
    )
    assert "\n" not in line


@pytest.mark.parametrize("kwargs", [{"line": 0}, {"col": -1}, {"line": True}])
def test_annotation_rejects_bad_positions(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        annotation("error", "m", **kwargs)  # type: ignore[arg-type]


def test_annotation_rejects_unknown_level() -> None:
    with pytest.raises(ValueError, match="level"):
        annotation("fatal", "m")  # type: ignore[arg-type]


def test_annotation_dataclass_renders_command() -> None:
    item = Annotation("error", "boom", file="f.yaml", line=2, title="T")
    assert item.command() == "::error file=f.yaml,line=2,title=T::boom"


def test_limit_annotations_keeps_first_ten_per_level_in_order() -> None:
    errors = [Annotation("error", f"e{i}") for i in range(13)]
    warnings = [Annotation("warning", f"w{i}") for i in range(11)]
    notices = [Annotation("notice", f"n{i}") for i in range(2)]
    # Interleave so that order preservation is actually tested.
    items = [a for group in itertools.zip_longest(errors, warnings, notices) for a in group if a]

    shown, overflow = limit_annotations(items)

    assert [a.message for a in shown if a.level == "error"] == [f"e{i}" for i in range(10)]
    assert [a.message for a in shown if a.level == "warning"] == [f"w{i}" for i in range(10)]
    assert [a.message for a in shown if a.level == "notice"] == ["n0", "n1"]
    assert [a.message for a in overflow] == ["e10", "w10", "e11", "e12"]
    assert shown == [a for a in items if a not in overflow]


def test_limit_annotations_custom_limit_and_empty() -> None:
    items = [Annotation("warning", "a"), Annotation("warning", "b")]
    assert limit_annotations(items, max_per_level=1) == (items[:1], items[1:])
    assert limit_annotations(items, max_per_level=0) == ([], items)
    assert limit_annotations([]) == ([], [])
    with pytest.raises(ValueError, match="max_per_level"):
        limit_annotations(items, max_per_level=-1)


@given(
    st.lists(st.sampled_from(["error", "warning", "notice"]), max_size=60),
    st.integers(min_value=0, max_value=12),
)
def test_limit_annotations_partitions_input(levels: list[str], limit: int) -> None:
    items = [Annotation(level, str(i)) for i, level in enumerate(levels)]  # type: ignore[arg-type]
    shown, overflow = limit_annotations(items, limit)
    assert sorted([*shown, *overflow], key=lambda a: int(a.message)) == items
    for level in ("error", "warning", "notice"):
        assert sum(a.level == level for a in shown) == min(levels.count(level), limit)


# --- stop-commands --------------------------------------------------------------------


def test_stop_commands_with_given_token() -> None:
    text = "title: ::set-output name=x::y\n::add-mask::z"
    assert stop_commands(text, token="tok123") == (
        "::stop-commands::tok123\ntitle: ::set-output name=x::y\n::add-mask::z\n::tok123::"
    )


def test_stop_commands_generates_a_fresh_token() -> None:
    first = stop_commands("hello")
    second = stop_commands("hello")
    head, body, tail = first.split("\n")
    token = head.removeprefix("::stop-commands::")
    assert len(token) == 32
    assert int(token, 16) >= 0
    assert body == "hello"
    assert tail == f"::{token}::"
    assert first != second


def test_stop_commands_regenerates_a_token_found_in_text(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens: Iterator[str] = iter(["deadbeef", "cafef00d"])
    monkeypatch.setattr(actions, "_random_hex", lambda: next(tokens))
    wrapped = stop_commands("::deadbeef:: would resume commands")
    assert wrapped == (
        "::stop-commands::cafef00d\n::deadbeef:: would resume commands\n::cafef00d::"
    )


@pytest.mark.parametrize("token", ["", "in", "a:b", "a\nb"])
def test_stop_commands_rejects_unusable_given_token(token: str) -> None:
    with pytest.raises(ValueError, match="token"):
        stop_commands("text in here", token=token)


# --- step summary ---------------------------------------------------------------------


def test_limit_is_under_one_mebibyte() -> None:
    assert STEP_SUMMARY_LIMIT < 1024 * 1024


def test_cap_summary_leaves_small_text_alone() -> None:
    assert cap_summary("# Risks\n\nall good\n") == "# Risks\n\nall good\n"
    assert cap_summary("abc", limit=3) == "abc"


def test_cap_summary_cuts_at_line_boundary_with_exact_note() -> None:
    markdown = "line one\nline two\n" + "x" * 100 + "\n"  # 119 bytes
    capped = cap_summary(markdown, limit=90)
    assert capped == (
        "line one\nline two\n\n> **Note:** this summary was truncated (17 of 119 bytes shown)."
    )
    assert len(capped.encode()) <= 90


def test_cap_summary_counts_bytes_not_characters() -> None:
    # 100 characters but 300 bytes per line: a character-count cap would overflow.
    line = "€" * 100
    markdown = "\n".join([line] * 10)
    capped = cap_summary(markdown, limit=1000)
    assert len(capped.encode("utf-8")) <= 1000
    kept, _, note = capped.partition("\n\n> **Note:**")
    assert kept == "\n".join([line] * 3)
    assert note == " this summary was truncated (902 of 3009 bytes shown)."


def test_cap_summary_cuts_inside_a_long_line_on_a_character_boundary() -> None:
    markdown = "é" * 200  # one 400-byte line
    capped = cap_summary(markdown, limit=150)
    kept = capped.partition("\n\n> **Note:**")[0]
    assert kept == "é" * len(kept)
    assert 0 < len(kept.encode()) <= 150
    assert len(capped.encode()) <= 150


def test_cap_summary_closes_a_code_fence_left_open() -> None:
    markdown = "intro\n```yaml\n" + "x: 1\n" * 50 + "```\nafter\n"
    capped = cap_summary(markdown, limit=150)
    assert len(capped.encode()) <= 150
    kept, _, _ = capped.partition("\n\n> **Note:**")
    assert kept.startswith("intro\n```yaml\nx: 1\n")
    assert kept.endswith("x: 1\n```")


def test_cap_summary_returns_nothing_when_even_the_note_does_not_fit() -> None:
    assert cap_summary("x" * 100, limit=10) == ""
    with pytest.raises(ValueError, match="limit"):
        cap_summary("x", limit=-1)


@given(
    st.lists(
        st.text(alphabet=st.sampled_from(["a", "é", "€", "𝄞", "`", "~", " "]), max_size=30),
        max_size=30,
    ).map("\n".join),
    st.integers(min_value=0, max_value=400),
)
def test_cap_summary_never_exceeds_limit(markdown: str, limit: int) -> None:
    capped = cap_summary(markdown, limit)
    assert len(capped.encode("utf-8")) <= limit
    if len(markdown.encode("utf-8")) <= limit:
        assert capped == markdown
    elif capped:
        assert "this summary was truncated" in capped


def test_append_step_summary_without_path() -> None:
    assert append_step_summary("x", None) is False
    assert append_step_summary("x", "") is False


def test_append_step_summary_appends(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    assert append_step_summary("# One\n", path) is True
    assert append_step_summary("## Two ✓\n", str(path)) is True
    assert path.read_bytes() == "# One\n## Two ✓\n".encode()


def test_append_step_summary_respects_existing_size(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_bytes(b"x" * 150)
    new = "first line\n" + "second line\n" * 20
    assert append_step_summary(new, path, limit=250) is True
    data = path.read_bytes()
    assert len(data) <= 250
    appended = data[150:].decode()
    assert appended.startswith("first line\nsecond line")
    assert appended.endswith("bytes shown).")


def test_append_step_summary_when_file_is_full(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_bytes(b"x" * 250)
    assert append_step_summary("more", path, limit=250) is False
    assert path.read_bytes() == b"x" * 250


def test_append_step_summary_writes_lf_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    append_step_summary("a\nb\r\n", path)
    assert path.read_bytes() == b"a\nb\r\n"


# --- outputs --------------------------------------------------------------------------


def test_set_output_heredoc_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(actions, "_random_hex", lambda: "0123abcd")
    path = tmp_path / "output"
    assert set_output("risk-count", "3", path) is True
    assert set_output("report", "line 1\nline 2", path) is True
    assert path.read_text() == (
        "risk-count<<ghadelimiter_0123abcd\n3\nghadelimiter_0123abcd\n"
        "report<<ghadelimiter_0123abcd\nline 1\nline 2\nghadelimiter_0123abcd\n"
    )


def test_set_output_regenerates_colliding_delimiter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens: Iterator[str] = iter(["aaaa", "bbbb"])
    monkeypatch.setattr(actions, "_random_hex", lambda: next(tokens))
    path = tmp_path / "output"
    value = "x\nghadelimiter_aaaa\ninjected=1"
    assert set_output("report", value, path) is True
    assert path.read_text() == f"report<<ghadelimiter_bbbb\n{value}\nghadelimiter_bbbb\n"


def test_set_output_uses_random_delimiters(tmp_path: Path) -> None:
    path = tmp_path / "output"
    set_output("a", "1", path)
    set_output("b", "2", path)
    first, second = (line.partition("<<")[2] for line in path.read_text().splitlines()[::3])
    assert first.startswith("ghadelimiter_")
    assert len(first.removeprefix("ghadelimiter_")) == 32
    assert first != second


@pytest.mark.parametrize("name", ["", "1abc", "a b", "a=b", "a<<b", "name\n", "é"])
def test_set_output_rejects_bad_names(name: str, tmp_path: Path) -> None:
    path = tmp_path / "output"
    with pytest.raises(ValueError, match="output name"):
        set_output(name, "v", path)
    with pytest.raises(ValueError, match="output name"):
        set_output(name, "v", None)
    assert not path.exists()


def test_set_output_without_path() -> None:
    assert set_output("ok_name-1", "v", None) is False
    assert set_output("_x", "v", "") is False


def test_a_step_output_is_written_where_the_environment_says(tmp_path: Path) -> None:
    """The renderers write nothing: the GitHub shell writes what they rendered."""
    summary, outputs = tmp_path / "summary.md", tmp_path / "output"
    step = actions.StepOutput("printed\n", "## Summary\n", (("ok", "true"), ("errors", "0")))
    env = {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)}
    assert emit(step, env) == "printed\n"
    assert summary.read_text(encoding="utf-8") == "## Summary\n"
    lines = outputs.read_text(encoding="utf-8").splitlines()
    assert [lines[0].split("<<")[0], lines[1], lines[3].split("<<")[0], lines[4]] == [
        "ok",
        "true",
        "errors",
        "0",
    ]
    assert emit(step, {}) == "printed\n"  # outside Actions: printed only
    assert summary.read_text(encoding="utf-8") == "## Summary\n"
