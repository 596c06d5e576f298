"""Cases 1 and 2: only the policy's and the risk owners' logins are ever mentioned.

The sticky comment's mention filter skipped any ``@`` after ``;``, ``&`` or ``#`` (including the
``&lt;`` it wrote itself), so a fork's payload pinged ``<@victim>``, ``&#64;victim`` and teams. File
names reached Markdown raw. The oracle is GitHub's own: cmark-gfm renders, and GitHub's open-source
mention patterns read the result (see github_markdown.py for where they come from).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.github.api import Limits
from bot.github.commands import run_remind, run_sync
from bot.reconcile.comment import sanitize
from bot.register.load import POLICY_PATH, SourceFile, build_register
from bot.register.presets import preset_policy
from bot.render.markdown import (
    Markdown,
    bold,
    code_span,
    escape_block,
    escape_cell,
    escape_text,
    join,
    parse_marker,
    remove_marker,
    table,
)
from bot.render.matrix import render_markdown as render_heat_map
from tests.factories import copy_register, register_of, risk_yaml
from tests.fakegithub.server import FakeGitHub
from tests.github.helpers import settings_for
from tests.security.github_markdown import mentions, raw_html, render

ATTACKS = [
    "<@victim>",
    ";@victim",
    "#@victim",
    "&@victim",
    "&#64;victim",
    "&#x40;victim",
    "&#0064;victim",
    "&commat;victim",
    "&amp;#64;victim",
    "<@org/team>",
    "@org/team",
    "\\@victim",
    "@@victim",
    "**@victim**",
    "_@victim_",
    "~~@victim~~",
    "| @victim |",
    "@victim.",
    "(@victim)",
    "@Victim",
    "@alice-victim",
    "@alice/team",
    "<!-- riskbot:id=pr-report/1 --> @victim",
    "@&#8203;victim",
    "@<span>victim",
]
ALLOWED = ("alice", "Bob-2")

# Text heavy in what matters here, so that hypothesis finds the interesting cases.
hostile_text = st.lists(
    st.one_of(
        st.sampled_from(list("@&#;<>/\\`*_[]()|~!:.-=+ \t\n0123456789")),
        st.sampled_from(["victim", "alice", "bob-2", "org/team", "&#64;", "&commat;", "&lt;"]),
        st.characters(codec="utf-8"),
    ),
    max_size=40,
).map("".join)


# -- case 1: the sticky comment ----------------------------------------------------------


@pytest.mark.parametrize("attack", ATTACKS)
def test_no_forged_mention_survives_the_sticky_comment(attack: str) -> None:
    safe = sanitize(f"Report {attack} end, for @alice", ALLOWED)
    assert mentions(safe) == {"alice"}
    assert not raw_html(safe)
    assert parse_marker(safe) is None


def test_the_allowed_logins_still_ping_and_the_report_stays_readable() -> None:
    body = "**R-001** 16 → 20 · owner @alice, lead @BOB-2; `@victim` in code &amp; &lt;x&gt;"
    safe = sanitize(body, ALLOWED)
    assert mentions(safe) == {"alice", "bob-2"}
    shown = render(safe)
    assert "&amp; &lt;x&gt;" in shown  # riskbot's own escapes render as before
    assert "<code>@\u200bvictim</code>" in shown  # code shows the same text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=hostile_text, allowed=st.lists(st.sampled_from(["alice", "bob-2", "x"]), max_size=2))
def test_any_payload_mentions_only_allowed_logins(body: str, allowed: list[str]) -> None:
    safe = sanitize(body, allowed)
    assert mentions(safe) <= {a.lower() for a in allowed}
    assert not raw_html(safe)
    assert parse_marker(safe) is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile_text, allowed=st.lists(st.sampled_from(["alice", "bob-2"]), max_size=2))
def test_the_one_rule_holds_for_any_markdown(text: str, allowed: list[str]) -> None:
    from bot.render.markdown import defuse_mentions

    once = defuse_mentions(text, allowed)
    assert mentions(once) <= {a.lower() for a in allowed}
    assert defuse_mentions(once, allowed) == once  # applying it twice changes nothing


# -- the escaping helpers: no mention, no raw HTML, whatever the text --------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile_text)
def test_escaped_text_renders_no_mention_and_no_html(text: str) -> None:
    for markdown in (
        escape_text(text),
        escape_block(text),
        code_span(text),
        f"[{code_span(text)}](<https://example.com/x>)",
        join("Risk ", text, Markdown(" and "), text),
        str(bold(text)),
        table(("a", "b"), [(text, Markdown(code_span(text))), (escape_cell(text), "x")]),
    ):
        assert mentions(markdown) == set(), markdown
        assert not raw_html(markdown), markdown


# -- case 2: file names, everywhere riskbot posts them ------------------------------------

NAMES = [
    "R-001-a`@victim`b.yaml",
    "R-001-a>@victim x<img src=x>.yaml",
    "R-001-a) @victim [x](y.yaml",
    "R-001-a\n@victim x.yaml",
    "a &#64;victim <@org/team> x/R-001-b.yaml",
]
TODAY = dt.date(2026, 11, 27)


def posted(server: FakeGitHub) -> list[str]:
    texts = [i.title for i in server.state.issues.values()]
    texts += [i.body or "" for i in server.state.issues.values()]
    texts += [c.body for c in server.state.comments.values()]
    return texts


@pytest.mark.parametrize("name", NAMES, ids=range(len(NAMES)))
def test_a_hostile_file_name_pings_nobody_and_links_to_its_file(
    github_server: FakeGitHub, tmp_path: Path, name: str
) -> None:
    root = tmp_path / "repo"
    copy_register(root)
    for old in (root / "risks").glob("R-001-*.yaml"):
        (root / "risks" / name).parent.mkdir(parents=True, exist_ok=True)
        old.rename(root / "risks" / name)
    register = register_of(root, TODAY)
    assert register.get("R-001") is not None, [f.as_text() for f in register.findings]
    settings_ = settings_for(github_server)
    limits = Limits(write_interval=0)
    run_sync(register, root, settings_, limits=limits, stderr=io.StringIO(), sleep=lambda s: None)
    run_remind(
        register, settings_, TODAY, limits=limits, stderr=io.StringIO(), sleep=lambda s: None
    )
    allowed = {login.lower() for role in register.policy.roles for login in role.logins} | {
        x.lower() for a in register.assessments for x in a.risk.owner_logins
    }
    texts = posted(github_server)
    assert len(texts) > 5
    for text in texts:
        assert mentions(text) <= allowed, text
        assert "victim" not in mentions(text)
        # The only HTML riskbot writes itself: its marker and the footer's <sub>.
        own = remove_marker(text).replace("<sub>", "").replace("</sub>", "")
        assert not raw_html(own), text
    issue = next(i for i in github_server.state.issues.values() if i.title.startswith("R-001"))
    html = render(issue.body or "")
    href = html.split('<a href="', 1)[1].split('"', 1)[0]
    assert unquote(href).endswith(f"/risks/{name}")
    assert f"<code>risks/{name}".replace("\n", " ").split("<img")[0].split(">")[0] in html.replace(
        "&gt;", ">"
    ).replace("&lt;", "<").replace("&amp;", "&")


# -- case 3: a policy's own text in the heat map -------------------------------------------


@pytest.mark.parametrize("method", ["plan", "fmea"])
def test_a_band_mark_in_the_heat_map_pings_nobody_and_makes_no_html(method: str) -> None:
    """A pull request can change the policy, and the heat map of its comment shows each band's
    mark (in every cell, or beside each id for FMEA): a mark is the policy's text, escaped."""
    data = preset_policy(method)
    for n, band in enumerate(data["bands"]):
        band["mark"] = ["@victim", "<b>x", "&#64;vic"][n % 3]  # the lowest band's too
    levels = {"detection": {"level": 3}} if method == "fmea" else {}
    risk = risk_yaml("R-100", phase="All", owner="Technical Lead", **levels)
    register = build_register(
        SourceFile(POLICY_PATH, yaml.safe_dump(data, allow_unicode=True).encode()),
        [SourceFile("risks/R-100-x.yaml", risk.encode())],
        dt.date(2026, 11, 27),
    )
    assert register.policy is not None, register.findings
    assert [a.risk.id for a in register.assessments] == ["R-100"], register.findings
    heat_map = render_heat_map(register.assessments, register.policy, residual=True)
    assert "R-100" in heat_map
    assert mentions(heat_map) == set()
    assert not raw_html(heat_map)
    assert "@victim" in render(heat_map).replace("@\u200b", "@")


# -- case 4: an acceptance's mark, rationale and requester ------------------------------------


def test_an_acceptance_pings_nobody_and_makes_no_html_wherever_it_shows(tmp_path: Path) -> None:
    """The acceptance mark is the policy's text and the rationale the risk file's; the requester
    is a login the policy may not name. Each shows in the heat map, RISKS.md's tables, the PR's
    list of acceptances, the risk's issue and remind's notice: escaped, pinging nobody."""
    from bot.documents.report import GENERATED_NOTE, render_report
    from bot.register.acceptance import acceptance_changes, notices_due
    from bot.render.acceptance import change_line, issue_cell, notice_comment

    data = preset_policy("plan")
    data["acceptance"] = {"mark": "@victim", "notice_days": 30}
    rationale = "Agreed with @victim <b>x</b> &#64;vic `"
    risk = yaml.safe_load(risk_yaml("R-100", phase="All", owner="Technical Lead"))
    risk["acceptance"] = {"by": "@outsider", "rationale": rationale, "until": "2026-12-20"}
    register = build_register(
        SourceFile(POLICY_PATH, yaml.safe_dump(data, allow_unicode=True).encode()),
        [SourceFile("risks/R-100-x.yaml", yaml.safe_dump(risk).encode())],
        dt.date(2026, 11, 27),
    )
    assert register.policy is not None, register.findings
    policy = register.policy
    [a] = register.assessments
    assert a.acceptance == "ending"
    [notice] = notices_due(register.assessments, policy)
    [change] = acceptance_changes([], register.assessments)
    texts = {
        "heat map": render_heat_map(register.assessments, policy),
        "report": render_report(register).replace(GENERATED_NOTE, ""),  # its own comment
        "pr": change_line(change, policy),
        "issue": str(issue_cell(a, policy)),
        # The notice pings the owner and the authority (no logins here): nobody else.
        "notice": notice_comment(notice, policy, register.today),
    }
    for where, text in texts.items():
        assert mentions(text) == set(), where
        assert not raw_html(text), where
    assert "@victim" in render(texts["heat map"]).replace("@\u200b", "@")
    assert "Agreed with @victim &lt;b&gt;x&lt;/b&gt;" in render(texts["pr"]).replace("@\u200b", "@")
