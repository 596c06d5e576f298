"""Accepted risks through the installed `riskbot`: the register of ``tests/data/acceptance``
(one acceptance current, one about to lapse, one lapsed, one in the digest) read on a fixed day
by `check` and `report`; `pr` on an acceptance added, extended without approval, approved by
the pull request's author or by its requester, and too long; `sync` and `remind` against the
local GitHub API server, day by day."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.render.markdown import parse_marker
from tests.acceptance.test_pr import WEBHOOKS, pr
from tests.cli import Result, run_riskbot
from tests.factories import REPO, commit, commit_at, init_repo, line_of
from tests.fakegithub.server import FakeGitHub

ACCEPTED = REPO / "tests" / "data" / "acceptance"
CONTRACT = json.loads((REPO / "tests" / "contract" / "check-output.schema.json").read_text())
TODAY = "2026-11-27"


def copy_accepted(dest: Path) -> Path:
    """The accepted-risks register (policy and risks) under ``dest``."""
    shutil.copytree(ACCEPTED / ".github", dest / ".github")
    shutil.copytree(ACCEPTED / "risks", dest / "risks")
    return dest


def risk_path(root: Path, risk_id: str) -> Path:
    return next((root / "risks").glob(f"{risk_id}-*.yaml"))


def set_acceptance(root: Path, risk_id: str, **acceptance: str | None) -> None:
    """Set (or with ``None`` remove) keys of a risk's acceptance, through YAML."""
    path = risk_path(root, risk_id)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    held = dict(data.get("acceptance") or {})
    for key, value in acceptance.items():
        if value is None:
            held.pop(key, None)
        else:
            held[key] = value
    if held:
        data["acceptance"] = held
    else:
        data.pop("acceptance", None)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def check_json(root: Path, today: str = TODAY) -> dict[str, Any]:
    result = run_riskbot("check", "--root", str(root), "--today", today, "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    return {"exit": result.returncode, **json.loads(result.stdout)}


# -- check ---------------------------------------------------------------------------------------


def test_check_shows_each_acceptance_and_keeps_its_band() -> None:
    doc = check_json(ACCEPTED)
    jsonschema.validate(doc, CONTRACT)
    assert doc["exit"] == 0
    risks = {r["id"]: r for r in doc["risks"]}
    states = {rid: (r.get("acceptance") or {}).get("state") for rid, r in risks.items()}
    assert states == {
        "R-001": "current",
        "R-002": "ending",
        "R-003": "lapsed",
        "R-004": "current",
        "R-005": None,
    }
    assert risks["R-001"]["acceptance"] == {
        "by": "@db-owner",
        "rationale": "The v3 schema freeze holds every migration change until the release; the "
        "tested rollback plan and the v2 registry, kept running, cover the window.",
        "until": "2027-01-26",
        "state": "current",
    }
    # Scores and bands are the risks' own: an accepted risk counts in its band.
    assert {rid: (r["score"], r["band"]) for rid, r in risks.items()} == {
        "R-001": (16, "red"),
        "R-002": (20, "red"),
        "R-003": (15, "red"),
        "R-004": (9, "yellow"),
        "R-005": (9, "yellow"),
    }
    assert doc["summary"] | {} == {
        "files": 6,
        "risks": 5,
        "closed": 0,
        "errors": 0,
        "warnings": 1,
        "red": 3,
        "yellow": 2,
        "green": 0,
        "accepted": 3,
    }
    # While accepted, the acceptance cadence (monthly) stands for the band's; once lapsed, the
    # band's daily reviews are back, due from the lapse day (the acceptance covered the days
    # before), and the escalation rules still count every Red risk.
    assert {rid: (r["cadence"], r["next_review"]) for rid, r in risks.items()} == {
        "R-001": ("monthly", "2026-11-19"),
        "R-002": ("monthly", "2026-12-20"),
        "R-003": ("daily", "2026-11-23"),
        "R-004": ("monthly", "2026-10-31"),
        "R-005": ("weekly", "2026-11-17"),
    }
    same_level = next(e for e in doc["escalations"] if e["rule"] == "same_level")
    assert same_level["risks"] == ["R-002", "R-001", "R-003"]
    lapsed = risk_path(ACCEPTED, "R-003").read_text(encoding="utf-8")
    assert [(f["file"], f["line"], f["severity"], f["code"]) for f in doc["findings"]] == [
        ("risks/R-003-byzantine-failure.yaml", line_of(lapsed, "  until:"), "warning",
         "acceptance-lapsed"),
    ]  # fmt: skip
    assert doc["findings"][0]["message"] == (
        "R-003's acceptance lapsed on 2026-11-23 (until 2026-11-22): it is back on the Red "
        "band's daily reviews and escalation path; extend it (approved by Program Sponsor) or "
        "remove it"
    )
    # R-004 declares monthly reviews, looser than Yellow's weekly: no warning while accepted.
    assert not any(f["code"] == "cadence" for f in doc["findings"])


def test_check_text_marks_the_accepted_and_lists_the_acceptances() -> None:
    result = run_riskbot("check", "--root", str(ACCEPTED), "--today", TODAY)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "R-001  4×4=16  Red, accepted           Database/Infrastructure Lead" in out
    assert "R-003  5×3=15  Red, acceptance lapsed  Security Lead" in out
    assert "R-005  3×3=9   Yellow                  Performance Lead" in out
    table = out.split("Acceptances (counted in their bands; reviewed monthly while held):\n")[1]
    assert table.split("\n\n")[0].splitlines() == [
        "ID     Band    By          Until       State",
        "R-001  Red     @db-owner   2027-01-26  accepted",
        "R-002  Red     @ai-owner   2026-12-07  ends in 10 days",
        "R-003  Red     @sec-owner  2026-11-22  lapsed on 2026-11-23",
        "R-004  Yellow  @ml-owner   2027-03-01  accepted",
    ]
    assert out.rstrip().endswith(
        "OK: 6 files, 5 risks (3 red, 2 yellow, 0 green; 3 accepted); 0 errors, 1 warnings"
    )


def test_check_in_actions_annotates_the_lapse_and_summarises_the_acceptances(
    tmp_path: Path,
) -> None:
    summary = tmp_path / "summary.md"
    result = run_riskbot(
        "check",
        "--root",
        str(ACCEPTED),
        "--today",
        TODAY,
        "--format",
        "github",
        env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.returncode == 0, result.stderr
    until = line_of(risk_path(ACCEPTED, "R-003").read_text(encoding="utf-8"), "  until:")
    assert (
        f"::warning file=risks/R-003-byzantine-failure.yaml,line={until},"
        "title=riskbot%3A acceptance-lapsed::R-003's acceptance lapsed on 2026-11-23"
        in result.stdout
    )
    text = summary.read_text(encoding="utf-8")
    assert "| R-004 | ML Model Recommendation Bias | 3 × 3 = 9 | Yellow 🤝 |" in text
    acceptances = text.split("### Acceptances\n\n")[1].split("\n\n")[0].splitlines()
    assert (
        acceptances[0] == "| Risk | Band | Requested by | Until | State | Authority | Rationale |"
    )
    assert acceptances[4].startswith(
        "| **R-003** Federated Network Byzantine Failure | Red | `@sec-owner` | 2026-11-22 | "
        "lapsed on 2026-11-23 | Program Sponsor (`@sponsor`, `@deputy`) |"
    )
    assert "🤝 accepted: counted in its band, reviewed monthly while the acceptance holds." in text


@pytest.mark.parametrize(
    ("today", "states"),
    [
        ("2026-11-22", ["current", "current", "ending", "current"]),  # R-003's last day
        ("2026-12-07", ["current", "ending", "lapsed", "current"]),  # R-002's last day
        ("2026-12-08", ["current", "lapsed", "lapsed", "current"]),
        ("2027-01-12", ["ending", "lapsed", "lapsed", "current"]),  # 14 days before R-001's end
    ],
)
def test_the_state_follows_the_day(today: str, states: list[str]) -> None:
    doc = check_json(ACCEPTED, today)
    found = {r["id"]: r["acceptance"]["state"] for r in doc["risks"] if "acceptance" in r}
    assert [found[rid] for rid in ("R-001", "R-002", "R-003", "R-004")] == states
    lapsed = sorted(f["file"][6:11] for f in doc["findings"] if f["code"] == "acceptance-lapsed")
    assert lapsed == [rid for rid, s in zip(("R-001", "R-002", "R-003"), states) if s == "lapsed"]


def test_a_term_beyond_the_band_and_a_requester_that_is_no_login_are_errors_on_their_lines(
    tmp_path: Path,
) -> None:
    root = copy_accepted(tmp_path)
    set_acceptance(root, "R-001", until="2027-02-26")  # 91 days: Red's longest is 90
    set_acceptance(root, "R-004", until="2027-05-26", by="lead")  # 180 days: Yellow's is 180
    set_acceptance(root, "R-002", by="Program Sponsor")
    doc = check_json(root)
    assert doc["exit"] == 1
    found = {(f["file"][6:11], f["code"]): f for f in doc["findings"]}
    term = found[("R-001", "acceptance-term")]
    assert term["line"] == line_of(risk_path(root, "R-001").read_text(), "  until:")
    assert term["severity"] == "error"
    assert term["path"] == "$.acceptance.until"
    assert term["message"] == (
        "acceptance until 2027-02-26 is 91 days after 2026-11-27: a Red risk is accepted for at "
        "most 90 days (until 2027-02-25 at the latest)"
    )
    assert ("R-004", "acceptance-term") not in found  # 180 days is within Yellow's term
    assert found[("R-004", "acceptance-by")]["message"] == (
        "acceptance.by 'lead' is not a GitHub login: write who asks for the acceptance as "
        "@login (did you mean '@lead'?)"
    )
    assert found[("R-004", "acceptance-by")]["line"] == line_of(
        risk_path(root, "R-004").read_text(), "  by:"
    )
    assert found[("R-002", "acceptance-by")]["message"].endswith(
        "('Program Sponsor' is a role: name the person who asks, e.g. @sponsor, @deputy)"
    )
    # Every other file is still checked and scored.
    assert [r["id"] for r in doc["risks"]] == ["R-002", "R-001", "R-003", "R-004", "R-005"]
    text = run_riskbot("check", "--root", str(root), "--today", TODAY).stdout
    assert (
        f"risks/R-001-postgresql-migration.yaml:{term['line']}: error[acceptance-term] "
        "acceptance until 2027-02-26 is 91 days after 2026-11-27" in text
    )


def test_a_policy_that_names_an_unknown_authority_or_cadence_fails_on_its_line(
    tmp_path: Path,
) -> None:
    root = copy_accepted(tmp_path)
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8")
    text = text.replace("authority: [team-lead]", "authority: [team-laed]")
    # A cadence riskbot knows, but this policy does not define.
    text = text.replace("  cadence: monthly\n  notice_days", "  cadence: quarterly\n  notice_days")
    text = text.replace("  - name: quarterly\n    days: 91\n    label: Quarterly\n", "")
    policy.write_text(text, encoding="utf-8")
    doc = check_json(root)
    assert doc["exit"] == 1
    messages = {f["line"]: f["message"] for f in doc["findings"]}
    assert messages[line_of(text, "authority: [team-laed]")].startswith(
        "acceptance authority names unknown role 'team-laed' (did you mean 'team-lead'?)"
    )
    assert messages[line_of(text, "cadence: quarterly")] == (
        "acceptance.cadence names unknown cadence 'quarterly'; the cadences are daily, weekly, "
        "bi-weekly, monthly"
    )


# -- report --------------------------------------------------------------------------------------


def test_report_marks_the_accepted_and_lists_the_terms() -> None:
    result = run_riskbot("report", "--root", str(ACCEPTED), "--today", TODAY, "--output", "-")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    matrix = text.split("## 3. Risk response matrix")[1].split("## 4.")[0]
    assert "| R-001: PostgreSQL Migration Complexity | 🟥 16 Red 🤝 | - |" in matrix
    assert "| R-003: Federated Network Byzantine Failure | 🟥 15 Red | - |" in matrix
    assert "| R-004: ML Model Recommendation Bias | 🟨 9 Yellow 🤝 | - |" in matrix
    assert "| Database/Infrastructure Lead | Monthly | 60% complete |" in matrix
    heat_map = text.split("## 5. Heat map")[1].split("## 6.")[0]
    assert "| 🟥 15 R-003 | 🟥 20 R-002 🤝 |" in heat_map
    assert "| 🟨 9 R-004 🤝, R-005 |" in heat_map
    assert "🤝 accepted: counted in its band, reviewed monthly while the acceptance holds." in (
        heat_map
    )
    section = text.split("## 8. Accepted risks\n")[1]
    assert section.startswith(
        "\nAs of 2026-11-27. An accepted risk is counted in its band and reviewed monthly until "
        "its acceptance lapses; its owner and approvers are reminded 14 days before.\n"
    )
    rows = [line for line in section.splitlines() if line.startswith("| **R-")]
    assert [row.split(" | ")[1:5] for row in rows] == [
        ["Red 🤝", "`@db-owner`", "2027-01-26", "accepted"],
        ["Red 🤝", "`@ai-owner`", "2026-12-07", "ends in 10 days"],
        ["Red", "`@sec-owner`", "2026-11-22", "lapsed on 2026-11-23"],
        ["Yellow 🤝", "`@ml-owner`", "2027-03-01", "accepted"],
    ]
    assert "| Team Lead (`@lead`) | Ranking stays deterministic" in rows[3]
    assert (
        "**Acceptance**: **lapsed** on 2026-11-23: back on the band's cadence and escalation "
        "path; requested by `@sec-owner`; acceptance authority Program Sponsor (`@sponsor`, "
        "`@deputy`): Federation is off by default" in text
    )


def test_report_judges_on_the_day_of_the_newest_change(tmp_path: Path) -> None:
    """The same document every day until the register changes: ``report --check`` does not go
    stale the day an acceptance lapses, and says it has once the register changes."""
    root = copy_accepted(init_repo(tmp_path / "repo"))
    commit_at(root, "accepted risks", "2026-11-20T09:00:00+00:00")
    first = run_riskbot("report", "--root", str(root))
    assert first.returncode == 0, first.stderr
    text = (root / "RISKS.md").read_text(encoding="utf-8")
    assert "As of 2026-11-20." in text
    assert "| 2026-11-22 | ends in 2 days |" in text  # R-003, on 2026-11-20
    commit_at(root, "the report", "2026-11-20T10:00:00+00:00")
    assert run_riskbot("report", "--root", str(root), "--check").returncode == 0
    set_acceptance(root, "R-005", by="@perf-owner", rationale="Budget moved", until="2027-01-10")
    commit_at(root, "accept R-005", "2026-11-27T09:00:00+00:00")
    stale = run_riskbot("report", "--root", str(root), "--check")
    assert stale.returncode == 1
    run_riskbot("report", "--root", str(root))
    text = (root / "RISKS.md").read_text(encoding="utf-8")
    assert "As of 2026-11-27." in text
    assert "| 2026-11-22 | lapsed on 2026-11-23 |" in text


# -- pr ------------------------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str]:
    root = copy_accepted(init_repo(tmp_path / "repo"))
    return root, commit(root, "accepted risks")


def pr_doc(root: Path, base: str, head: str) -> dict[str, Any]:
    result = pr(root, "--base", base, "--head", head, "--format", "json")
    return {"exit": result.returncode, **json.loads(result.stdout)}


def test_pr_lists_acceptances_added_extended_lapsed_and_removed(repo: tuple[Path, str]) -> None:
    root, base = repo
    set_acceptance(root, "R-001", until="2027-02-20")  # extended: 85 days, within Red's 90
    set_acceptance(root, "R-002", rationale="Testers only; the sandbox is late.")  # reworded
    set_acceptance(root, "R-004", by=None, rationale=None, until=None)  # removed
    set_acceptance(
        root, "R-005", by="@perf-owner", rationale="Budgets held by CI.", until="2027-02-01"
    )
    head = commit(root, "acceptances")
    doc = pr_doc(root, base, head)
    kinds = [(c["risk"], c["kind"], c["state"]) for c in doc["acceptances"]]
    assert kinds == [
        ("R-001", "extended", "current"),
        ("R-002", "changed", "ending"),
        ("R-003", "lapsed", "lapsed"),
        ("R-004", "removed", None),
        ("R-005", "added", "current"),
    ]
    extended = doc["acceptances"][0]
    assert (extended["old"]["until"], extended["new"]["until"]) == ("2027-01-26", "2027-02-20")
    approvals = {a["risk"]: a for a in doc["approvals"]}
    assert set(approvals) == {"R-001", "R-005"}  # only what adds or extends an acceptance
    assert approvals["R-001"] | {} == {
        "risk": "R-001",
        "reason": "acceptance extended until 2027-02-20 (was 2027-01-26)",
        "owners": ["Program Sponsor"],
        "logins": ["sponsor", "deputy"],
        "role": "acceptance authority",
        "state": "not checked",
        "approved_by": [],
        "unfilled": [],
        "fallback": None,
        "not_counted": ["db-owner"],
    }
    assert approvals["R-005"]["owners"] == ["Team Lead"]  # the Yellow band's own authority
    assert approvals["R-005"]["reason"] == "acceptance added until 2027-02-01"
    text = pr(root, "--base", base, "--head", head).stdout
    section = text.split("### Acceptances\n\n")[1].split("\n\n")[0].splitlines()
    assert section[0] == (
        "- **R-001** PostgreSQL Migration Complexity (Red): **extended**: until 2027-02-20 "
        "(was 2027-01-26); a Red risk is accepted for at most 90 days; requested by "
        "`@db-owner`: The v3 schema freeze holds every migration change until the release; "
        "the tested rollback plan and the v2 registry, kept running, cover the window."
    )
    assert section[2] == (
        "- **R-003** Federated Network Byzantine Failure (Red): **lapsed** on 2026-11-23 "
        "(accepted until 2026-11-22)"
    )
    assert section[3] == (
        "- **R-004** ML Model Recommendation Bias (Yellow): **removed** (was accepted until "
        "2027-03-01)"
    )
    assert (
        "- ✋ **Acceptance approval needed**: R-001 (Red) acceptance extended until 2027-02-20 "
        "(was 2027-01-26). The acceptance authority must approve this pull request: Program "
        "Sponsor (@sponsor or @deputy), neither this pull request's author nor the requester "
        "(`@db-owner`)." in text
    )


def test_pr_refuses_an_acceptance_beyond_the_term_on_its_line(repo: tuple[Path, str]) -> None:
    root, base = repo
    set_acceptance(root, "R-001", until="2027-03-31")
    head = commit(root, "accept R-001 for longer")
    doc = pr_doc(root, base, head)
    assert doc["exit"] == 1
    errors = [f for f in doc["findings"] if f["severity"] == "error"]
    assert [(f["code"], f["line"]) for f in errors] == [
        ("acceptance-term", line_of(risk_path(root, "R-001").read_text(), "  until:"))
    ]


def accept_event(tmp: Path, base: str, head: str, number: int, author: str) -> Path:
    """A real ``pull_request`` payload, edited to this pull request and its author."""
    event = json.loads((WEBHOOKS / "pull_request.synchronize.json").read_text())
    event["number"] = number
    event["pull_request"].update(number=number)
    event["pull_request"]["base"]["sha"] = base
    event["pull_request"]["head"]["sha"] = head
    event["pull_request"]["user"]["login"] = author
    path = tmp / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return path


def gate(
    server: FakeGitHub, root: Path, tmp: Path, base: str, head: str, number: int, author: str
) -> tuple[int, str, str]:
    """The PR job: exit code, its log (annotations) and the comment it leaves."""
    result = pr(
        root,
        "--payload-dir",
        str(tmp / "artifact"),
        env={
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_PATH": str(accept_event(tmp, base, head, number, author)),
            "GITHUB_TOKEN": server.token or "",
            "GITHUB_REPOSITORY": server.repo,
            "GITHUB_API_URL": server.url,
        },
    )
    body = json.loads((tmp / "artifact" / "comment.json").read_text())["body"]
    return result.returncode, result.stdout, body


def test_an_extension_waits_for_the_authority_not_the_author_nor_the_requester(
    github_server: FakeGitHub, repo: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = repo
    set_acceptance(root, "R-001", until="2027-02-20")
    head = commit(root, "extend R-001's acceptance")
    pull = github_server.add_pull("Extend R-001", head_sha=head, base_sha=base)

    def check() -> tuple[int, str, str]:
        return gate(github_server, root, tmp_path, base, head, pull.number, "sponsor")

    code, out, body = check()  # extended without approval
    assert code == 1
    assert (
        "⏳ **Acceptance approval needed**: R-001 (Red) acceptance extended until 2027-02-20 "
        "(was 2027-01-26): waiting for approval by Program Sponsor (@deputy), neither this "
        "pull request's author (`@sponsor`) nor the requester (`@db-owner`)." in body
    )
    until = line_of(risk_path(root, "R-001").read_text(), "  until:")
    assert (
        f"::error file=risks/R-001-postgresql-migration.yaml,line={until},"
        "title=riskbot%3A approval needed::waiting for approval by Program Sponsor (@deputy): "
        "R-001 acceptance extended until 2027-02-20 (was 2027-01-26)" in out
    )
    github_server.add_review(pull.number, "sponsor", "APPROVED")  # the PR's author
    github_server.add_review(pull.number, "db-owner", "APPROVED")  # the requester
    github_server.add_review(pull.number, "lead", "APPROVED")  # not the Red band's authority
    code, _, body = check()
    assert code == 1
    assert "waiting for approval by Program Sponsor (@deputy)" in body
    github_server.add_review(pull.number, "deputy", "APPROVED")
    code, _, body = check()
    assert code == 0, body
    assert (
        "- ✅ **Acceptance approval given**: R-001 (Red) acceptance extended until 2027-02-20 "
        "(was 2027-01-26); approved by `@deputy` on the head commit." in body
    )
    # Opened by the deputy instead, the deputy's approval does not count, and the sponsor's
    # (given above, when the sponsor's own did not) does.
    code, _, body = gate(github_server, root, tmp_path, base, head, pull.number, "deputy")
    assert code == 0, body
    assert "approved by `@sponsor` on the head commit." in body


def test_an_acceptance_only_its_author_could_approve_fails(
    github_server: FakeGitHub, repo: tuple[Path, str], tmp_path: Path
) -> None:
    """The Yellow band's authority is the team lead, @lead alone: @lead cannot accept a risk
    by their own pull request, even with their own approval."""
    root, base = repo
    set_acceptance(root, "R-005", by="@perf-owner", rationale="CI budgets.", until="2027-02-01")
    head = commit(root, "accept R-005")
    pull = github_server.add_pull("Accept R-005", head_sha=head, base_sha=base)
    github_server.add_review(pull.number, "lead", "APPROVED")
    code, out, body = gate(github_server, root, tmp_path, base, head, pull.number, "lead")
    assert code == 1
    assert (
        "- ❌ **Acceptance approval needed**: R-005 (Yellow) acceptance added until 2027-02-01. "
        "The acceptance authority (Team Lead) must approve it, but nobody can: `@lead` cannot "
        "approve it, being this pull request's author (`@lead`) nor the requester "
        "(`@perf-owner`)." in body
    )
    assert "::error file=risks/R-005-performance-regression.yaml" in out
    code, _, _ = gate(github_server, root, tmp_path, base, head, pull.number, "perf-owner")
    assert code == 0  # opened by the requester: the team lead's approval counts


# -- sync and remind -----------------------------------------------------------------------------


def github_run(server: FakeGitHub, root: Path, command: str, day: str) -> Result:
    """The scheduled workflow's step: ``riskbot sync`` or ``remind`` on ``day``."""
    server.clock.set(dt.datetime.fromisoformat(f"{day}T06:17:00+00:00"))
    env = {
        "GITHUB_TOKEN": server.token or "",
        "GITHUB_REPOSITORY": server.repo,
        "GITHUB_API_URL": server.url,
    }
    args = [command, "--root", str(root), "--today", day, "--write-interval", "0"]
    return run_riskbot(*args, env=env)


def bot_comments(server: FakeGitHub) -> dict[str, tuple[int, str]]:
    """Each comment the bot posted, by its marker's id: (issue number, body)."""
    out: dict[str, tuple[int, str]] = {}
    for c in server.state.comments.values():
        fields = parse_marker(c.body) or {}
        if "id" in fields:
            out[fields["id"]] = (c.issue_number, c.body)
    return out


def issue_of(server: FakeGitHub, ident: str) -> Any:
    return next(
        i
        for i in server.state.issues.values()
        if (parse_marker(i.body or "") or {}).get("id") == ident
    )


def mentions(body: str) -> list[str]:
    return re.findall(r"(?<![\w`])@([A-Za-z0-9-]+)", body)


def test_remind_follows_each_acceptance_once_day_by_day(
    github_server: FakeGitHub, tmp_path: Path
) -> None:
    root = copy_accepted(tmp_path)
    synced = github_run(github_server, root, "sync", TODAY)
    assert synced.returncode == 0, synced.stderr
    r001 = issue_of(github_server, "red-issue/R-001")
    assert (
        "| **Acceptance** | **accepted** until 2027-01-26; requested by `@db-owner`; acceptance "
        "authority Program Sponsor (`@sponsor`, `@deputy`): The v3 schema freeze" in r001.body
    )
    assert "| **Review** | Monthly; next review due 2026-11-19 |" in r001.body
    assert "(ends soon: its owner and approvers are reminded)" in (
        issue_of(github_server, "red-issue/R-002").body
    )
    assert "**lapsed** on 2026-11-23" in issue_of(github_server, "red-issue/R-003").body

    first = github_run(github_server, root, "remind", TODAY)
    assert first.returncode == 0, first.stderr
    posted = bot_comments(github_server)
    # accepted, due on its monthly cadence and 8 days overdue: its owner alone.
    _, body = posted["review/R-001/2026-11-19/p0"]
    assert "(Red, accepted until 2027-01-26, reviewed monthly). Due 2026-11-19" in body
    assert mentions(body) == ["db-owner"]
    # about to lapse: its owner and the sponsors, once, on its issue.
    number, body = posted["acceptance/ending/R-002/2026-12-07"]
    assert number == issue_of(github_server, "red-issue/R-002").number
    assert body.split("\n", 1)[1].startswith(
        "⏳ **The acceptance of R-002 ends on 2026-12-07** (in 10 days). Requested by "
        "`@ai-owner`: Agents run only for invited testers"
    )
    assert sorted(mentions(body)) == ["ai-owner", "deputy", "sponsor"]
    assert not any(k.startswith("review/R-002/") for k in posted)  # reviewed 2026-11-20
    # lapsed: said once on its issue; its review due from the lapse day, daily, and
    # escalated up the path (four days: step 4, the steering committee).
    number, body = posted["acceptance/lapsed/R-003/2026-11-22"]
    assert number == issue_of(github_server, "red-issue/R-003").number
    assert "⌛ **The acceptance of R-003 lapsed on 2026-11-23**" in body
    assert "back on the Red band's daily reviews and escalation path: its review is due " in body
    assert sorted(mentions(body)) == ["deputy", "sec-owner", "sponsor"]
    _, body = posted["review/R-003/2026-11-23/p4"]
    assert "Escalated (step 4 of the escalation path" in body
    assert sorted(mentions(body)) == ["deputy", "lead", "sec-owner", "sponsor", "steering"]
    # R-004 (accepted, Yellow) and R-005 in the digest: R-004 on the monthly cadence, period 0.
    digest = next(body for ident, (_, body) in posted.items() if ident.startswith("reviews/"))
    assert "| **R-004** ML Model Recommendation Bias | Yellow, accepted until 2027-03-01 |" in (
        digest
    )
    assert "2026-10-31, overdue by 27 days |" in digest
    assert "| **R-005** Performance Regression Under Load | Yellow |" in digest
    quarterly = issue_of(github_server, "quarterly/2026-Q4").body
    assert "**R-001** PostgreSQL Migration Complexity — score 16; owner " in quarterly
    assert "(@db-owner); accepted until 2027-01-26" in quarterly
    assert "(@sec-owner)\n" in quarterly  # R-003's acceptance lapsed: not said to hold
    assert "R-002: acceptance ends on 2026-12-07: saying so" in first.stderr
    assert "R-003: acceptance lapsed on 2026-11-23: saying so" in first.stderr

    github_server.reset_log()
    again = github_run(github_server, root, "remind", TODAY)
    assert again.returncode == 0, again.stderr
    assert github_server.writes() == []  # idempotent by marker
    assert "R-002: acceptance ends on 2026-12-07: already said" in again.stderr

    next_day = github_run(github_server, root, "remind", "2026-11-28")
    assert next_day.returncode == 0, next_day.stderr
    new = set(bot_comments(github_server)) - set(posted)
    assert {k for k in new if not k.startswith("reviews/")} == {"review/R-003/2026-11-23/p5"}

    # R-002 lapses on 2026-12-08: its issue says so once, and the sync edits its issue once.
    assert github_run(github_server, root, "sync", "2026-12-08").returncode == 0
    assert "**lapsed** on 2026-12-08" in issue_of(github_server, "red-issue/R-002").body
    lapsed = github_run(github_server, root, "remind", "2026-12-08")
    assert lapsed.returncode == 0, lapsed.stderr
    said = bot_comments(github_server)
    assert "acceptance/lapsed/R-002/2026-12-07" in said
    github_server.reset_log()
    assert github_run(github_server, root, "remind", "2026-12-08").returncode == 0
    assert github_server.writes() == []
    # The issues say the same every day of one state: a day later, sync edits nothing.
    assert github_run(github_server, root, "sync", "2026-12-09").returncode == 0
    assert github_server.writes() == []


def test_an_authority_without_logins_falls_back_to_the_sponsor(
    github_server: FakeGitHub, tmp_path: Path
) -> None:
    """The Yellow band's authority, the team lead, has no logins on base: the program sponsor
    approves the acceptance instead, and the comment says which line to fill."""
    root = copy_accepted(init_repo(tmp_path / "repo"))
    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("    logins: [lead]\n", "    logins: []\n"), encoding="utf-8")
    base = commit(root, "accepted risks, the team lead without logins")
    set_acceptance(root, "R-005", by="@perf-owner", rationale="CI budgets.", until="2027-02-01")
    head = commit(root, "accept R-005")
    pull = github_server.add_pull("Accept R-005", head_sha=head, base_sha=base)
    code, out, body = gate(github_server, root, tmp_path, base, head, pull.number, "perf-owner")
    assert code == 1
    line = line_of(policy.read_text(encoding="utf-8"), "  - id: team-lead") + 2  # its logins
    assert (
        "waiting for approval by Program Sponsor (@sponsor or @deputy), neither this pull "
        "request's author (`@perf-owner`) nor the requester." in body
    )
    assert (
        f"Team Lead has no logins (fill `.github/riskbot.yml:{line}`): the program sponsor "
        "approves instead." in body
    )
    assert f"file=.github/riskbot.yml,line={line},title=riskbot%3A approval falls back" in out
    github_server.add_review(pull.number, "deputy", "APPROVED")
    code, _, body = gate(github_server, root, tmp_path, base, head, pull.number, "perf-owner")
    assert code == 0, body
    assert "approved by `@deputy` on the head commit." in body
