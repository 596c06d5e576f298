"""What GitHub makes of Markdown, from GitHub's own parts: the oracle of the security tests.

Rendering is cmark-gfm, GitHub's fork of cmark, through ``cmarkgfm`` with the extensions GitHub
uses (tables, autolinks, strikethrough, tagfilter; raw HTML not allowed). Mentions are then found
the way GitHub's HTML pipeline finds them: its open-source ``MentionFilter`` and
``TeamMentionFilter`` patterns, applied to the rendered text nodes outside ``pre``, ``code``,
``a``, ``style`` and ``script``. The patterns are copied from gjtorikian/html-pipeline,
``lib/html_pipeline/node_filter/mention_filter.rb`` (``MENTION_PATTERNS`` with the default
``USERNAME_PATTERN = /[a-z0-9][a-z0-9-]*/``) and ``.../team_mention_filter.rb``
(``TEAM_PATTERN``); Ruby's ``\\W`` and ``[a-z]`` are ASCII, hence ``re.ASCII``, and ``/ix`` is
``re.IGNORECASE | re.VERBOSE``.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import cmarkgfm

MENTION = re.compile(
    r"""
    (?:^|\W)                    # beginning of string or non-word char
    @((?>[a-z0-9][a-z0-9-]*))   # @username
    (?!/)                       # without a trailing slash
    (?=
      \.+[ \t\W]|               # dots followed by space or non-word character
      \.+$|                     # dots at end of line
      [^0-9a-zA-Z_.]|           # non-word character except dot
      $                         # end of line
    )
    """,
    re.ASCII | re.IGNORECASE | re.VERBOSE | re.MULTILINE,
)
TEAM = re.compile(
    r"""
    (?<![^\W])                  # (?<=^|\W): beginning of string or non-word char
    @([a-z0-9][a-z0-9-]*)       # @organization
      /                         # dividing slash
      ([a-z0-9][a-z0-9\-_]*)    # team
      \b
    """,
    re.ASCII | re.IGNORECASE | re.VERBOSE,
)
IGNORE_PARENTS = frozenset({"pre", "code", "a", "style", "script"})
RAW_HTML = "<!-- raw HTML omitted -->"


def render(markdown: str) -> str:
    """The HTML GitHub's Markdown engine makes of ``markdown`` (raw HTML left out, marked)."""
    return str(cmarkgfm.github_flavored_markdown_to_html(markdown))


class _TextNodes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.nodes: list[str] = []  # each text node as HTML source (entities still escaped)
        self._current: list[str] = []

    def _flush(self) -> None:
        if self._current:
            self.nodes.append("".join(self._current))
            self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        if tag not in ("br", "hr", "img", "input"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self._flush()
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag) :]

    def _ignored(self) -> bool:
        return any(tag in IGNORE_PARENTS for tag in self.open)

    def handle_data(self, data: str) -> None:
        if not self._ignored():
            self._current.append(data)

    def handle_entityref(self, name: str) -> None:
        if not self._ignored():
            self._current.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        if not self._ignored():
            self._current.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self._flush()


def text_nodes(rendered: str) -> list[str]:
    """The text GitHub's filters see: each text node outside code and links, as HTML source."""
    parser = _TextNodes()
    parser.feed(rendered)
    parser.close()
    parser._flush()
    return parser.nodes


def mentions(markdown: str) -> set[str]:
    """Every login and ``org/team`` GitHub would mention in ``markdown``, lowercased.

    Each text node is read both as the filter gets it (HTML source) and decoded, whichever
    finds more: either way an ``@`` only counts where GitHub's pattern accepts it.
    """
    found: set[str] = set()
    for node in text_nodes(render(markdown)):
        for text in (node, html.unescape(node)):
            found |= {m.group(1).lower() for m in MENTION.finditer(text)}
            found |= {f"{m.group(1)}/{m.group(2)}".lower() for m in TEAM.finditer(text)}
    return found


def raw_html(markdown: str) -> bool:
    """Whether the input holds raw HTML that GitHub would pass to its sanitizer."""
    return RAW_HTML in render(markdown)
