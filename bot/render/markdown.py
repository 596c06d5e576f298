"""Escaping of untrusted text (from risk files) before it goes into GitHub Markdown.

Escaped text renders as the literal input: no HTML, links, autolinks, mentions, issue
references, emphasis, tables or block structure. The only ways the bot pings someone or
embeds machine-readable data are :func:`mention` and :func:`hidden_marker`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

__all__ = [
    "BODY_LIMIT",
    "Markdown",
    "bold",
    "code_span",
    "defuse_mentions",
    "escape_block",
    "escape_cell",
    "escape_text",
    "hidden_marker",
    "mention",
    "parse_marker",
    "remove_marker",
    "table",
]

BODY_LIMIT = 65_536
"""GitHub's limit on the characters of an issue's or a comment's body (longer gets 422)."""

# GitHub links mentions, issue references and URLs in the *rendered* text, so a backslash
# escape is not enough; a zero-width space after the trigger character breaks the pattern
# while reading the same (the trick Dependabot and Renovate use).
_ZWSP = "&#8203;"

# `[0-9]`, not `\d`: Python's `\d` also matches non-ASCII digits, which GitHub ignores.
_INLINE = re.compile(
    r"(?P<ref>"
    r"(?i:gh)-(?=[0-9])"  # GH-123 issue reference
    r"|#(?=[0-9])"  # #123 and owner/repo#123
    # @user and @org/team; also `.`, `_`, `-`, which GFM accepts after the `@` of an e-mail
    # autolink (x@-y.z, x@.y are linked).
    r"|@(?=[A-Za-z0-9._-])"
    r"|:(?=//)"  # scheme:// autolinks
    r"|(?i:www)(?=\.)"  # www. autolinks
    r")"
    # Left alone so the source stays readable: `{}` (no meaning in GFM), `(`, `)`, `!`
    # (only with `[`/`]`, always escaped), `.-+=#:` (only at a line start, handled there).
    r"|(?P<char>[\\`*_\[\]|~$<>&])"
)
_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}

# An ordered-list marker only counts when followed by whitespace or the end of the line.
_ORDERED_ITEM = re.compile(r"[0-9]{1,9}(?=[.)](?:[ \t]|\Z))")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_DIGITS = frozenset("0123456789")
# `-`/`+` lists and breaks, `=`/`-` setext underlines, `:` a pipeless GFM delimiter row
# (`:-:` under a line of text turns that line into a table header).
_LINE_START = frozenset("-+=:")


def _escape_line(line: str, backslash: str, *, line_start: bool = True) -> str:
    """Escape one line of text; ``backslash`` is what a literal backslash becomes.

    ``line_start=False`` for text that follows other text on its line: block syntax (lists,
    headings, indented code) only matters at the start of a line.
    """

    def replace(m: re.Match[str]) -> str:
        if m.group("ref") is not None:
            return m.group("ref") + _ZWSP
        char = m.group("char")
        if char == "\\":
            return backslash
        return _ENTITIES.get(char, "\\" + char)

    if not line_start:
        return _INLINE.sub(replace, line)
    body = line.lstrip(" \t")
    # Four columns of indentation start a code block, where every escape would show; HTML
    # collapses the whitespace anyway, so one space loses nothing.
    indent = " " if body != line else ""
    # Block syntax (lists, headings, setext underlines, thematic breaks) is decided by the
    # first character of a line, and callers may put this text at one.
    lead = ""
    number = _ORDERED_ITEM.match(body)
    if number:
        lead = number.group() + "\\" + body[number.end()]
        body = body[number.end() + 1 :]
    elif body[:1] in _LINE_START or (body[:1] == "#" and body[1:2] not in _DIGITS):
        lead = "\\" + body[0]
        body = body[1:]
        if lead == "\\:" and body.startswith("//"):
            lead += _ZWSP  # the `://` rule below no longer sees this colon
    return indent + lead + _INLINE.sub(replace, body)


def escape_text(text: str) -> str:
    """Escape text for inline Markdown so it renders literally on one line."""
    return _escape_line(_NEWLINES.sub(" ", text), "\\\\")


def escape_cell(text: str) -> str:
    """Escape text for a GFM table cell: as :func:`escape_text`, pipes escaped."""
    # GFM splits cells before inline parsing and treats any `\|` as an escaped pipe, so a
    # trailing `\\` right before the cell's `|` would swallow it; an entity cannot.
    return _escape_line(_NEWLINES.sub(" ", text), "&#92;")


def escape_block(text: str) -> str:
    """Escape multi-line text line by line, keeping paragraph breaks (blank lines)."""
    out: list[str] = []
    for line in _NEWLINES.split(text):
        if line.strip(" \t"):
            # Trailing spaces would make a hard line break; outer whitespace shows nothing.
            out.append(_escape_line(line.strip(" \t"), "\\\\"))
        elif out and out[-1]:
            # Runs of blank lines mean the same as one, and whitespace-only lines are blank.
            out.append("")
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def code_span(text: str, *, table: bool = False) -> str:
    """Wrap text in a code span that shows it verbatim (line breaks become spaces).

    With ``table=True`` pipes are escaped too, as a code span in a GFM table cell needs.
    """
    text = _NEWLINES.sub(" ", text)
    if table:
        # Inside a table GFM removes the backslash of `\|` before parsing the code span.
        text = text.replace("|", "\\|")
    if not text:
        # There is no empty code span; one space renders as an empty-looking one.
        return "` `"
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space from each side when both are spaces, and a backtick at
    # an edge would merge with the fence: pad in those cases (the padding is stripped).
    needs_pad = (
        text[0] == "`"
        or text[-1] == "`"
        or (text[0] == " " and text[-1] == " " and text.strip(" ") != "")
    )
    pad = " " if needs_pad else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# fullmatch, not `$`: `$` also matches before a trailing newline.
_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")


def mention(login: str) -> str:
    """Return ``@login`` for a valid GitHub login; raise ValueError otherwise."""
    if not _LOGIN.fullmatch(login):
        raise ValueError(f"not a GitHub login: {login!r}")
    return "@" + login


# `@` and what follows it, the way GitHub's mention filter reads a login (ASCII letters, digits,
# hyphens; a `/` after it makes a team mention).
_AT = re.compile(r"@(?P<login>[A-Za-z0-9][A-Za-z0-9-]*)?(?P<team>/)?")
_DEFUSED = ("\u200b", "&#8203;")
# A character reference other than those this module writes: `&#64;`, `&#x40;`, `&commat;`
# render as `@` (after any filter that looked for one), so they are shown as written instead.
_FOREIGN_ENTITY = re.compile(
    r"&(?!(?:lt|gt|amp|#8203|#92);)"
    r"(?=#[0-9]{1,8};|#[xX][0-9a-fA-F]{1,8};|[A-Za-z][A-Za-z0-9]{0,31};)"
)


def defuse_mentions(text: str, allowed: Collection[str]) -> str:
    """Text in which only ``allowed`` logins can be mentioned: the one rule for all that riskbot
    posts on GitHub.

    A zero-width space goes after every other ``@`` (a login that is not allowed, a team, an
    ``@`` before anything else), wherever it stands: GitHub's pattern needs a letter or digit
    right after the ``@``, and no entity or markup can remove a character. Inside code the
    character is invisible; it is left out only where one is there already. Character
    references other than this module's own are shown as written, so none becomes an ``@``.
    """
    keep = {login.lower() for login in allowed}
    text = _FOREIGN_ENTITY.sub("&amp;", text)

    def one(match: re.Match[str]) -> str:
        login = match.group("login")
        if login is not None and match.group("team") is None and login.lower() in keep:
            return match.group()
        if text.startswith(_DEFUSED, match.start() + 1):
            return match.group()
        return "@\u200b" + match.group()[1:]

    return _AT.sub(one, text)


_MARKER_KEY = r"[A-Za-z_][A-Za-z0-9_]*"
_MARKER_VALUE = r"[A-Za-z0-9._:/+-]*"
_MARKER_PAIR = rf"{_MARKER_KEY}={_MARKER_VALUE}"
_MARKER = re.compile(rf"<!-- riskbot:((?:{_MARKER_PAIR}(?: {_MARKER_PAIR})*)?) -->")


def hidden_marker(**fields: str) -> str:
    """Return ``<!-- riskbot:k1=v1 k2=v2 -->``, keys in the given order."""
    for key, value in fields.items():
        if not re.fullmatch(_MARKER_KEY, key):
            raise ValueError(f"invalid marker key {key!r}")
        # `--` is excluded too: GFM (CommonMark 0.29) does not accept it inside an inline
        # HTML comment, so the marker would show up as text.
        if not re.fullmatch(_MARKER_VALUE, value) or "--" in value:
            raise ValueError(f"invalid marker value for {key}: {value!r}")
    pairs = " ".join(f"{key}={value}" for key, value in fields.items())
    return f"<!-- riskbot:{pairs} -->"


def remove_marker(body: str) -> str:
    """``body`` without its first well-formed riskbot marker (and the newline after it)."""
    match = _MARKER.search(body)
    if match is None:
        return body
    rest = body[match.end() :]
    return body[: match.start()] + rest.removeprefix("\n")


def parse_marker(body: str) -> dict[str, str] | None:
    """Return the fields of the first well-formed riskbot marker in ``body``, or None."""
    match = _MARKER.search(body)
    if match is None:
        return None
    fields: dict[str, str] = {}
    for pair in filter(None, match.group(1).split(" ")):
        key, _, value = pair.partition("=")
        # Keep the first of duplicated keys, as a reader scanning left to right would.
        fields.setdefault(key, value)
    return fields


class Markdown(str):
    """Text that is Markdown already, made by this module's helpers: inserted as it is.

    Everything else that reaches :func:`table` or :func:`join` is a plain ``str`` from data and
    is escaped there, exactly once.
    """


Cell = str | int | float | Markdown


# Text whose end could start a reference or link with what follows it (``#`` + ``12``, ``@`` +
# ``user``, ``www`` + ``.x``): :func:`join` cannot see what follows, so it breaks the pattern.
_OPEN_END = re.compile(r"(?:[#@:]|(?i:www)|(?i:gh)-)\Z")


def _fragment(text: str, *, first: bool) -> str:
    flat = _NEWLINES.sub(" ", text)
    out = _escape_line(flat, "&#92;", line_start=first)
    return out + _ZWSP if _OPEN_END.search(flat) else out


def join(*parts: Cell, sep: str = "") -> Markdown:
    """Concatenate text and Markdown: each run of plain text is escaped once, Markdown kept.

    ``sep`` is literal Markdown put between the parts (``", "``, ``" → "``).
    """
    runs: list[str | Markdown] = []
    for part in parts:
        if isinstance(part, Markdown):
            runs.append(part)
        elif runs and not sep and not isinstance(runs[-1], Markdown):
            runs[-1] += str(part)  # adjacent text is one text: escape it as a whole
        else:
            runs.append(str(part))
    return Markdown(
        sep.join(
            str(run) if isinstance(run, Markdown) else _fragment(run, first=index == 0)
            for index, run in enumerate(runs)
        )
    )


def bold(text: Cell) -> Markdown:
    """``**text**``, the text escaped unless it is Markdown already."""
    inner = str(text) if isinstance(text, Markdown) else _fragment(str(text), first=False)
    return Markdown(f"**{inner}**")


def code(text: str) -> Markdown:
    """A code span showing ``text`` verbatim (pipes are escaped when it lands in a table)."""
    return Markdown(code_span(text))


def _cell_text(value: Cell) -> str:
    if isinstance(value, Markdown):
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return escape_cell(str(value))
    return str(value)


# A pipe that no backslash escapes yet: inside a table every one of them would split the cell,
# including those in code spans (GFM splits cells before it parses code spans).
_BARE_PIPE = re.compile(r"(?<!\\)\|")


def _table_row(cells: Sequence[Cell]) -> str:
    out = []
    for value in cells:
        text = _cell_text(value)
        if isinstance(value, Markdown):
            text = _BARE_PIPE.sub(r"\\|", _NEWLINES.sub(" ", text))
        out.append(f" {text} " if text else " ")
    return "|" + "|".join(out) + "|"


def table(header: Sequence[Cell], rows: Iterable[Sequence[Cell]]) -> str:
    """A GFM table: every plain-text cell escaped once, Markdown cells kept (pipes escaped)."""
    width = len(header)
    lines = [_table_row(header), "|---" * width + "|"]
    for row in rows:
        if len(row) != width:
            raise ValueError(f"a row of {len(row)} cells in a table of {width} columns")
        lines.append(_table_row(row))
    return "\n".join(lines)
