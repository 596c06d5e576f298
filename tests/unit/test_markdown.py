from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.render.markdown import (
    code_span,
    escape_block,
    escape_cell,
    escape_text,
    hidden_marker,
    mention,
    parse_marker,
)

ZW = "&#8203;"

# Text heavy in Markdown-significant characters, so hypothesis hits the interesting cases.
markdownish = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("\\`*_{}[]()#+-.!|~<>&@:/=$ \t\r\n0123456789wWgGhHaZ")),
        st.characters(codec="utf-8"),
    )
)

_LINKY = r"@[A-Za-z0-9._-]|#[0-9]|(?i:gh)-[0-9]|://|(?i:www)\."
_DECODE = re.compile(r"\\([!-/:-@\[-`{-~])|&(lt|gt|amp|#8203|#92);")
_ENTITY_TEXT = {"lt": "<", "gt": ">", "amp": "&", "#8203": "\u200b", "#92": "\\"}


def shown(escaped: str) -> str:
    """The literal text a CommonMark renderer shows for our escapes (ZWSPs kept)."""

    def one(m: re.Match[str]) -> str:
        return m.group(1) if m.group(1) is not None else _ENTITY_TEXT[m.group(2)]

    return _DECODE.sub(one, escaped)


def rendered(escaped: str) -> str:
    """As :func:`shown`, without the zero-width spaces (to compare with the input)."""
    return shown(escaped).replace("\u200b", "")


def unescaped(output: str, char: str) -> bool:
    """Whether ``char`` occurs in ``output`` without an odd run of backslashes before it."""
    return any(
        (len(output[:i]) - len(output[:i].rstrip("\\"))) % 2 == 0
        for i, c in enumerate(output)
        if c == char
    )


# --- escape_text ----------------------------------------------------------------------


def test_the_hostile_title() -> None:
    title = "@everyone | <img src=x> [x](javascript:alert(1)) #12 `code`"
    assert escape_text(title) == (
        f"@{ZW}everyone \\| &lt;img src=x&gt; \\[x\\](javascript:alert(1)) #{ZW}12 \\`code\\`"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Supplier goes bust", "Supplier goes bust"),
        ("v1.2-rc, e.g. (maybe) {x}!", "v1.2-rc, e.g. (maybe) {x}!"),
        ("snake_case *bold* ~strike~", "snake\\_case \\*bold\\* \\~strike\\~"),
        ("C:\\path", "C:\\\\path"),
        ("costs $5 or $$", "costs \\$5 or \\$\\$"),
        ("AT&T <b>", "AT&amp;T &lt;b&gt;"),
        ("&#64;everyone", f"&amp;#{ZW}64;everyone"),
        ("ping @alice and @org/team", f"ping @{ZW}alice and @{ZW}org/team"),
        ("mail bob@example.com", f"mail bob@{ZW}example.com"),
        ("a @ b, x@-y.z, x@.y", f"a @ b, x@{ZW}-y.z, x@{ZW}.y"),
        ("see #12, GH-7, gh-8, o/r#3", f"see #{ZW}12, GH-{ZW}7, gh-{ZW}8, o/r#{ZW}3"),
        ("C# and #tag", "C# and #tag"),
        ("https://evil.example", f"https:{ZW}//evil.example"),
        ("www.evil.example", f"www{ZW}.evil.example"),
        ("line\r\nbreak\rand\nmore", "line break and more"),
        ("[^1] ![i](x)", "\\[^1\\] !\\[i\\](x)"),
    ],
)
def test_escape_text_inline(raw: str, expected: str) -> None:
    assert escape_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("# Heading", "\\# Heading"),
        ("#12 is first", f"#{ZW}12 is first"),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("* item", "\\* item"),
        ("---", "\\---"),
        ("===", "\\==="),
        (":-:", "\\:-:"),
        ("1. first", "1\\. first"),
        ("12) first", "12\\) first"),
        ("1.5 is not a list", "1.5 is not a list"),
        ("> quote", "&gt; quote"),
        ("      indented code", " indented code"),
        ("\t- tabbed", " \\- tabbed"),
        ("a - b + c = d", "a - b + c = d"),
    ],
)
def test_escape_text_line_start(raw: str, expected: str) -> None:
    assert escape_text(raw) == expected


@given(markdownish)
def test_escape_text_invariants(text: str) -> None:
    out = escape_text(text)
    assert "\n" not in out
    assert "\r" not in out
    assert "<" not in out
    assert not unescaped(out, "|")
    assert not re.search(r"@[A-Za-z0-9._-]", out)
    # Every `&` starts one of our own entities, so no input entity can decode to `@` etc.
    assert not re.search(r"&(?!(?:lt|gt|amp|#8203);)", out)
    # GitHub finds mentions, references and autolinks in the text as displayed.
    assert not re.search(_LINKY, shown(out))


@given(markdownish)
def test_escape_text_renders_as_the_input(text: str) -> None:
    expected = re.sub(r"\r\n|\r|\n", " ", text).replace("\u200b", "")
    got = rendered(escape_text(text))
    # Only leading indentation may change (to one space, which renders the same).
    assert got.lstrip(" \t") == expected.lstrip(" \t")


# --- escape_cell ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a | b", "a \\| b"),
        ("two\nlines", "two lines"),
        ("ends with \\", "ends with &#92;"),
        ("\\|", "&#92;\\|"),
        ("@bob <br>", f"@{ZW}bob &lt;br&gt;"),
    ],
)
def test_escape_cell(raw: str, expected: str) -> None:
    assert escape_cell(raw) == expected


@given(markdownish)
def test_escape_cell_invariants(text: str) -> None:
    out = escape_cell(text)
    assert not set(out) & {"\n", "\r", "<"}
    # Table splitting treats every backslash before `|` as an escape; so our output must
    # have exactly one backslash before each pipe, and none at the very end.
    assert "\\\\" not in out
    assert all(out[i - 1] == "\\" for i, c in enumerate(out) if c == "|")
    assert not out.endswith("\\")
    assert not re.search(_LINKY, shown(out))
    assert rendered(out).lstrip(" \t") == re.sub(r"\r\n|\r|\n", " ", text).replace(
        "\u200b", ""
    ).lstrip(" \t")


# --- escape_block ---------------------------------------------------------------------


def test_escape_block_keeps_paragraphs() -> None:
    text = "\n\nFirst *para*\n  - not a list\n\n\n   \n# not a heading\n@team see #4\n\n"
    assert escape_block(text) == (
        f"First \\*para\\*\n\\- not a list\n\n\\# not a heading\n@{ZW}team see #{ZW}4"
    )


def test_escape_block_handles_crlf_and_block_syntax() -> None:
    text = "Title\r\n===\r\n\r\n> q\r\n```\r\n<script>x</script>\r\n| a | b |\r\n|---|---|"
    assert escape_block(text) == (
        "Title\n\\===\n\n&gt; q\n\\`\\`\\`\n&lt;script&gt;x&lt;/script&gt;\n"
        "\\| a \\| b \\|\n\\|---\\|---\\|"
    )


def test_escape_block_empty() -> None:
    assert escape_block("") == ""
    assert escape_block(" \n\t\n") == ""


@given(markdownish)
def test_escape_block_invariants(text: str) -> None:
    out = escape_block(text)
    assert "\r" not in out
    assert "<" not in out
    assert "\n\n\n" not in out
    assert not out.startswith("\n")
    assert not out.endswith("\n")
    assert not unescaped(out, "|")
    assert not re.search(_LINKY, shown(out))
    for line in out.split("\n"):
        assert line == line.strip(" \t")


# --- code_span ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("R-001", "`R-001`"),
        ("a`b", "``a`b``"),
        ("a``b`", "``` a``b` ```"),
        ("`x`", "`` `x` ``"),
        (" padded ", "`  padded  `"),
        ("   ", "`   `"),
        ("", "` `"),
        ("two\nlines\r\nhere", "`two lines here`"),
        ("<b>@x #1", "`<b>@x #1`"),
        ("a|b", "`a|b`"),
    ],
)
def test_code_span(raw: str, expected: str) -> None:
    assert code_span(raw) == expected


def test_code_span_in_table_escapes_pipes() -> None:
    assert code_span("a|b", table=True) == "`a\\|b`"


def _code_span_content(span: str) -> str:
    """Parse one code span the CommonMark way (strip fence, then one space each side)."""
    fence = re.match(r"`+", span)
    assert fence
    inner = span[len(fence.group()) : -len(fence.group())]
    assert span.endswith(fence.group())
    # The fence run must not occur inside, or the span would close early.
    assert not re.search(rf"(?<!`){fence.group()}(?!`)", inner)
    if len(inner) >= 2 and inner[0] == inner[-1] == " " and inner.strip(" "):
        inner = inner[1:-1]
    return inner


@given(markdownish)
def test_code_span_round_trips(text: str) -> None:
    span = code_span(text)
    assert "\n" not in span
    assert "\r" not in span
    expected = re.sub(r"\r\n|\r|\n", " ", text) or " "
    assert _code_span_content(span) == expected


# --- mention --------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["alice", "A", "bob-smith", "x" * 39, "0day"])
def test_mention_valid(login: str) -> None:
    assert mention(login) == "@" + login


@pytest.mark.parametrize(
    "login", ["", "-bob", "x" * 40, "bob smith", "org/team", "bob\n", "@bob", "bób"]
)
def test_mention_invalid(login: str) -> None:
    with pytest.raises(ValueError, match="login"):
        mention(login)


# --- hidden markers -------------------------------------------------------------------


def test_hidden_marker_format() -> None:
    marker = hidden_marker(risk="R-001", kind="review", at="2024-05-01T10:00:00+00:00")
    assert marker == "<!-- riskbot:risk=R-001 kind=review at=2024-05-01T10:00:00+00:00 -->"


def test_hidden_marker_without_fields() -> None:
    assert hidden_marker() == "<!-- riskbot: -->"
    assert parse_marker(hidden_marker()) == {}


@pytest.mark.parametrize("value", ["a b", "x-->", "a>b", "a--b", "é", "a\nb", "a=b"])
def test_hidden_marker_rejects_values(value: str) -> None:
    with pytest.raises(ValueError, match="marker value"):
        hidden_marker(k=value)


def test_hidden_marker_rejects_keys() -> None:
    with pytest.raises(ValueError, match="marker key"):
        hidden_marker(**{"a b": "x"})
    with pytest.raises(ValueError, match="marker key"):
        hidden_marker(**{"a-b": "x"})


def test_parse_marker_finds_first_marker_in_a_body() -> None:
    body = (
        "Intro text\n\n"
        "<!-- other:comment -->\n"
        "<!-- riskbot:risk=R-001 kind=review -->\n"
        "<!-- riskbot:risk=R-002 -->\n"
    )
    assert parse_marker(body) == {"risk": "R-001", "kind": "review"}


@pytest.mark.parametrize(
    "body",
    [
        "",
        "no marker here",
        "<!-- riskbot:risk=R 1 -->",  # not a key=value token
        "<!--riskbot:risk=R1-->",  # not our exact spelling
        escape_text("<!-- riskbot:risk=R1 -->"),  # escaped user text never parses
    ],
)
def test_parse_marker_absent(body: str) -> None:
    assert parse_marker(body) is None


def test_parse_marker_keeps_first_duplicate_key() -> None:
    assert parse_marker("<!-- riskbot:a=1 a=2 -->") == {"a": "1"}


_keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True)
_values = st.from_regex(r"[A-Za-z0-9._:/+-]{0,20}", fullmatch=True).filter(lambda v: "--" not in v)


@given(st.dictionaries(_keys, _values, max_size=6), st.text(), st.text())
def test_marker_round_trip(fields: dict[str, str], before: str, after: str) -> None:
    marker = hidden_marker(**fields)
    assert parse_marker(marker) == fields
    assert list(parse_marker(marker) or {}) == list(fields)  # order kept
    # Embedded in a body after arbitrary (escaped) user text, it is still the first one.
    assert parse_marker(f"{escape_block(before)}\n\n{marker}\n{after}") == fields
