"""Commands in comments, read as GitHub renders them; who may run them; the acceptance edit; the
proposal form read back."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
import yaml

from bot.documents.acceptance import AcceptanceError, record_acceptance
from bot.documents.proposal import LABELS, check_proposal, form_text, read_form
from bot.reconcile.commands import (
    Command,
    PersonComment,
    comment_reviews,
    decide,
    may_act,
    parse_command,
)
from bot.register.load import SourceFile
from bot.register.presets import preset_policy
from tests.factories import copy_register, register_of, risk_yaml
from tests.security.github_markdown import render

COMMENTS = [
    "/riskbot review",
    "/riskbot review all good",
    "Looked at it today.\n\n/riskbot review R-004 fine",
    "/riskbot review\nwith a second line",
    "> /riskbot review",
    "> quoted\n/riskbot review",  # a lazy continuation line: still the quote's
    "- /riskbot review",
    "1. /riskbot review",
    "```\n/riskbot review\n```",
    "~~~\n/riskbot review\n~~~",
    "    /riskbot review",
    "`/riskbot review`",
    "**/riskbot review**",
    "<details>\n/riskbot review\n</details>",
    "<!--\n/riskbot review\n-->",
    "| a |\n| - |\n| /riskbot review |",
    "# /riskbot review",
    "text /riskbot review",
    "\\/riskbot review",
    "/riskbotreview",
]


class _TopParagraphs(HTMLParser):
    """The text of each paragraph GitHub renders at the top level of a comment."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.stack: list[str] = []
        self.paragraphs: list[str] = []
        self.code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "p" and not self.stack:
            self.paragraphs.append("")
        if tag in ("code", "strong", "em", "del"):
            self.code += 1
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "strong", "em", "del"):
            self.code -= 1
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack == ["p"]:
            self.paragraphs[-1] += data if not self.code else "\0"


def github_commands(body: str) -> list[str]:
    """The lines GitHub shows as plain text starting a line of a top-level paragraph."""
    parser = _TopParagraphs()
    parser.feed(render(body))
    return [
        line
        for p in parser.paragraphs
        for line in p.split("\n")
        if re.match(r"/riskbot(\s|$)", line)
    ]


@pytest.mark.parametrize("body", COMMENTS)
def test_a_command_is_what_github_shows_as_one(body: str) -> None:
    """Our CommonMark reading agrees with GitHub's renderer (cmark-gfm) on every shape."""
    shown = github_commands(body)
    found = parse_command(body)
    assert (found is not None) == bool(shown), (body, shown, found)


def test_commands_and_their_arguments() -> None:
    assert parse_command("/riskbot review R-004 ok") == Command("review", risk="R-004", note="ok")
    assert parse_command("/riskbot Review r-004") == Command("review", risk="R-004")
    accept = parse_command("/riskbot accept until 2027-03-01 because the vendor\nfixes it")
    assert accept == Command("accept", until=dt.date(2027, 3, 1), because="the vendor fixes it")
    assert (parse_command("/riskbot accept until soon because x") or Command("")).problem
    assert (parse_command("/riskbot frob") or Command("")).problem == (
        "'frob' is not a command; /riskbot help lists them"
    )
    note = parse_command("/riskbot review " + "x" * 900)
    assert note is not None
    assert note.note is not None
    assert len(note.note) == 500


@pytest.fixture
def register(tmp_path):
    root = copy_register(tmp_path)
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8")
    for role, login in (("db-lead", "owner1"), ("team-lead", "lead1"), ("technical-board", "tb")):
        text = re.sub(rf"(id: {role}\n(?:.*\n)*?\s+logins: )\[\]", rf"\g<1>[{login}]", text)
    policy.write_text(text, encoding="utf-8")
    return register_of(root, dt.date(2026, 11, 27))


def comment(login: str, body: str, at: str = "2026-11-27T10:00:00+00:00", **kw) -> PersonComment:
    moment = dt.datetime.fromisoformat(at)
    return PersonComment(1, 7, login, body, moment, kw.pop("updated", moment), **kw)


def test_the_owner_and_the_roles_above_it_may_act(register) -> None:
    risk = register.get("R-001").risk
    logins = {login for n in may_act(risk, register.policy) for login in n.logins}
    assert logins == {"owner1", "lead1", "tb"}
    today = dt.date(2026, 11, 27)
    for login, allowed in (("OWNER1", True), ("tb", True), ("someone", False)):
        command = Command("review")
        decision = decide(comment(login, ""), command, "red-issue/R-001", register, today)
        assert decision.carried_out is allowed, login


def test_an_acceptance_must_end_in_the_future(register) -> None:
    today = dt.date(2026, 11, 27)
    command = Command("accept", until=today, because="x")
    decision = decide(comment("owner1", ""), command, "red-issue/R-001", register, today)
    assert decision.refused is not None
    assert "after today" in decision.refused


def test_comment_reviews_keep_the_latest_authorised_one(register) -> None:
    comments = [
        comment("owner1", "/riskbot review", "2026-11-25T09:00:00+00:00"),
        comment("lead1", "/riskbot review late", "2026-11-26T09:00:00+00:00"),
        comment("someone", "/riskbot review", "2026-11-27T09:00:00+00:00"),
        comment("owner1", "> /riskbot review", "2026-11-27T10:00:00+00:00"),
        comment(
            "owner1",
            "/riskbot review",
            "2026-11-27T11:00:00+00:00",
            updated=dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC),
        ),
        comment("app[bot]", "/riskbot review", "2026-11-27T12:00:00+00:00", is_bot=True),
    ]
    found = comment_reviews(register, comments, {7: "red-issue/R-001"})
    assert list(found) == ["R-001"]
    assert (found["R-001"].login, found["R-001"].day) == ("lead1", dt.date(2026, 11, 26))
    assert comment_reviews(register, comments, {7: "something-else"}) == {}


RISK = risk_yaml("R-100")


@pytest.mark.parametrize(
    "text",
    [
        RISK,
        RISK.replace("\n", "\r\n"),
        "\ufeff" + RISK,
        RISK + 'acceptance: {by: "@old", rationale: before, until: "2026-01-01"}\n',
        RISK + "acceptance:\n  by: '@old'\n  until: 2026-01-01\n",
    ],
    ids=["new", "crlf", "bom", "flow", "block-missing-key"],
)
def test_the_acceptance_edit_changes_only_the_block(text: str) -> None:
    out = record_acceptance(text, "@alice", "Cost exceeds harm: it is a test rig", "2027-03-01")
    data = yaml.safe_load(out.lstrip("\ufeff"))
    assert {k: str(v) for k, v in data["acceptance"].items()} == {
        "by": "@alice",
        "rationale": "Cost exceeds harm: it is a test rig",
        "until": "2027-03-01",
    }
    before = yaml.safe_load(text.lstrip("\ufeff"))
    assert {k: v for k, v in data.items() if k != "acceptance"} == {
        k: v for k, v in before.items() if k != "acceptance"
    }
    assert out.startswith("\ufeff") == text.startswith("\ufeff")
    assert ("\r\n" in out) == ("\r\n" in text)
    assert out.startswith(text.split("acceptance:")[0])  # the lines before are kept, byte for byte


def test_an_acceptance_that_cannot_be_written_is_refused() -> None:
    with pytest.raises(AcceptanceError):
        record_acceptance("{id: R-100}\n", "@a", "b", "2027-01-01")
    with pytest.raises(AcceptanceError):
        record_acceptance(RISK + "acceptance:\n  rationale: |\n    long\n", "@a", "b", "2027-01-01")


@pytest.mark.parametrize("method", ["plan", "3x3", "5x5-4band", "fmea"])
def test_the_form_and_its_reader_agree(method: str, tmp_path) -> None:
    form = yaml.safe_load(form_text(preset_policy(method), "Technical Lead"))
    fields = {f["id"]: f for f in form["body"] if "id" in f}
    expected = {"title", "description", "category", "phase", "impact", "probability", "owner"}
    assert set(fields) == expected | ({"detection"} if method == "fmea" else set())
    assert form["labels"] == ["risk-proposal"]
    # A submission choosing the first option of every dropdown reads back as a valid risk.
    answers = {
        key: (f["attributes"]["options"][0] if f["type"] == "dropdown" else "x")
        for key, f in fields.items()
    }
    answers["owner"] = "Technical Lead"
    body = "\n\n".join(f"### {fields[k]['attributes']['label']}\n\n{v}" for k, v in answers.items())
    assert read_form(body) == answers
    policy = preset_policy(method)
    source = SourceFile(".github/riskbot.yml", yaml.safe_dump(policy).encode())
    root = tmp_path / "r"
    (root / ".github").mkdir(parents=True)
    (root / ".github" / "riskbot.yml").write_bytes(source.raw)
    proposed = check_proposal(answers, source, register_of(root), "R-002", dt.date(2026, 11, 27))
    assert proposed.problems == ()
    assert proposed.ok
    assert proposed.path == "risks/R-002-x.yaml"


def test_the_form_reader_takes_no_response_as_empty() -> None:
    body = f"### {LABELS['title']}\n\n_No response_\n\n### Unknown\n\nignored"
    assert read_form(body) == {"title": ""}
