"""The governance rules as pure functions: band table, role names, what a failing file holds,
reused ids, the reminder periods and old markers, policy changes, field changes, approvals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.reconcile import markers
from bot.reconcile.plan import CommentState, EnsureComment, Snapshot
from bot.reconcile.remind import plan_remind
from bot.register.approvals import Approval, Review, approvers_on, check_approvals
from bot.register.compare import compare, field_changes
from bot.register.ids import IdHistory, Removal, next_id, reused_id_findings
from bot.register.load import SourceFile, build_register
from bot.register.policydiff import policy_changes
from bot.register.rules import Notify
from bot.repo.ids import parse_log
from bot.repo.worktree import read_register
from tests.factories import POLICY, copy_register, line_of, register_of, risk_yaml, write_risk
from tests.unit.test_planners import issue_state

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_register(tmp_path / "register")


def policy_errors(root: Path, old: str, new: str) -> list[tuple[int, str]]:
    path = root / ".github" / "riskbot.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    reg = read_register(root, TODAY)
    assert reg.policy is None, "a broken band table or role list stops the policy"
    return [(f.line, f.message) for f in reg.errors if f.file == ".github/riskbot.yml"]


# -- case 9: the band table, role names and ranges are checked ---------------------------------


def test_red_and_yellow_at_the_same_threshold_is_an_error_on_reds_line(root: Path) -> None:
    text = POLICY.read_text(encoding="utf-8")
    found = policy_errors(root, "min_score: 15", "min_score: 8")
    assert found == [
        (
            line_of(text, "min_score: 15"),
            "band 'red' starts at 8, not above 'yellow' (8): thresholds must rise strictly "
            "from green to yellow to red, or a score falls in two bands",
        )
    ]


def test_green_from_3_leaves_scores_without_a_band(root: Path) -> None:
    text = POLICY.read_text(encoding="utf-8")
    found = policy_errors(root, "min_score: 1\n", "min_score: 3\n")
    green = text.splitlines().index("    min_score: 1") + 1
    assert found == [
        (
            green,
            "band 'green' starts at 3: scores 1–2 fall in no band; the lowest band must start at "
            "1 (impact 1 × probability 1)",
        )
    ]


def test_yellow_above_red_is_named(root: Path) -> None:
    found = policy_errors(root, "min_score: 8", "min_score: 18")
    assert [m for _, m in found] == [
        "band 'red' starts at 15, not above 'yellow' (18): thresholds must rise strictly from "
        "green to yellow to red, or a score falls in two bands"
    ]


def test_two_roles_with_one_short_name(root: Path) -> None:
    text = POLICY.read_text(encoding="utf-8")
    found = policy_errors(root, "short: QA\n", "short: tech lead\n")
    qa_line = line_of(text, "short: QA")
    assert len(found) == 1
    line, message = found[0]
    assert line == qa_line
    assert message.startswith(
        "role short 'tech lead' is already the short of role 'technical-lead' (line "
    )
    assert "must name one role (case-insensitive)" in message


def test_a_role_named_like_another_roles_short_form(root: Path) -> None:
    found = policy_errors(root, "name: Community Manager", "name: community")
    assert [m.split(" (line")[0] for _, m in found] == [
        "role name 'community' is already the short of role 'community-lead'"
    ]


def test_percent_range_upside_down(root: Path) -> None:
    text = POLICY.read_text(encoding="utf-8")
    found = policy_errors(root, "percent: {min: 20, max: 50}", "percent: {min: 50, max: 20}")
    assert found == [
        (
            line_of(text, "percent: {min: 20, max: 50}"),
            "probability_scale level 3: percent min 50 is above max 20",
        )
    ]


def test_the_plans_band_table_passes() -> None:
    reg = build_register(SourceFile(".github/riskbot.yml", POLICY.read_bytes()), [])
    assert reg.policy is not None
    assert [(b.name, b.min_score) for b in reg.policy.bands] == [
        ("red", 15),
        ("yellow", 8),
        ("green", 1),
    ]
    assert all(reg.policy.band_for(s) for s in range(1, 26))


# -- cases 2 and 7: a failing file is remembered with the id it most likely holds -------------


def test_failing_files_and_their_likely_ids(root: Path) -> None:
    write_risk(root, "R-011-broken.yaml", "id: [\n")  # unreadable: its name says R-011
    write_risk(root, "R-012-typo.yaml", risk_yaml("R-099").replace("owner:", "ownr:"))
    write_risk(root, "notes.yaml", "- a list\n")
    path = next((root / "risks").glob("R-001-*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("score: 16", "score: 12"), "utf-8")
    reg = register_of(root, TODAY)
    assert dict(reg.failed_files) == {
        "risks/R-001-postgresql-migration.yaml": "R-001",  # a wrong declared score
        "risks/R-011-broken.yaml": "R-011",
        "risks/R-012-typo.yaml": "R-099",  # its readable id: wins over the name
        "risks/notes.yaml": None,
    }
    assert reg.failed_ids == {"R-001", "R-011", "R-099"}
    assert "R-001" not in {a.risk.id for a in reg.sound}
    assert reg.get("R-001") is not None  # still assessed, shown by check


def test_a_typo_on_head_is_invalid_not_removed(root: Path, tmp_path: Path) -> None:
    base = register_of(copy_register(tmp_path / "base"), TODAY)
    path = next((root / "risks").glob("R-002-*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("owner:", "ownr:"), "utf-8")
    write_risk(root, "R-011-new.yaml", "title: [\n")
    cmp = compare(base, read_register(root, TODAY))
    assert cmp.removed == []
    assert cmp.approvals == []
    assert [(n.risk_id, n.added) for n in cmp.invalid] == [("R-002", False), ("R-011", True)]
    assert any("unknown key 'ownr'" in f.message for f in cmp.invalid[0].findings)


# -- case 3: ids are never reused ---------------------------------------------------------------


def test_next_id_is_above_every_id_ever_used() -> None:
    assert next_id([]) == "R-001"
    assert next_id(["R-001", "R-010"]) == "R-011"
    assert next_id(["R-999"]) == "R-1000"


def test_git_log_parse_tells_removals_from_renames() -> None:
    log = (
        b"\0commit:c3\0\nD\0risks/R-010-documentation-gaps.yaml\0"
        b"\0commit:c2\0\nD\0risks/R-005-old-name.yaml\0A\0risks/R-005-new-name.yaml\0"
        b"M\0risks/R-001-a.yaml\0A\0risks/notes.md\0"
        b"\0commit:c1\0\nA\0risks/R-010-documentation-gaps.yaml\0A\0risks/R-001-a.yaml\0"
    )
    used, removals = parse_log(log)
    assert used == {"R-001", "R-005", "R-010"}
    assert removals == {"R-010": Removal("R-010", "risks/R-010-documentation-gaps.yaml", "c3")}


def test_a_new_risk_on_a_removed_id_is_an_error_a_restored_one_is_not(root: Path) -> None:
    history = IdHistory(
        frozenset({f"R-{n:03d}" for n in range(1, 13)}),
        {"R-010": Removal("R-010", "risks/R-010-documentation-gaps.yaml", "abc1234", "Old")},
    )
    reg = register_of(root, TODAY)
    found = reused_id_findings(reg.risks, history)
    assert [(f.file, f.severity, f.message) for f in found] == [
        (
            "risks/R-010-documentation-gaps.yaml",
            "error",
            "R-010 was 'Old', removed in abc1234; ids are never reused: give this risk the next "
            "free id, R-013",
        )
    ]
    restored = {"R-010": Removal("R-010", "x", "abc1234", "documentation  GAPS")}
    assert reused_id_findings(reg.risks, IdHistory(history.used, restored)) == []
    assert reused_id_findings(reg.risks, history, candidates=["R-001"]) == []


def test_import_takes_no_removed_id() -> None:
    from bot.documents.importer import import_plan
    from tests.factories import plan_text

    result = import_plan(plan_text(), "plan.md", reserved={"R-010"})
    assert "risks/R-011-documentation-gaps.yaml" in result.files
    assert not any(name.startswith("risks/R-010") for name in result.files)
    assert any(
        "Risk #10 becomes R-011: R-010 was used before and removed" in f.message
        for f in result.warnings
    )


# -- case 4: one reminder per cadence period, old markers still count ---------------------------


def _reminded(root: Path, day: dt.date, *comments: tuple[str, str, str]) -> list[str]:
    """The reminder idents planned for R-001 on ``day``, its issue holding ``comments``
    (ident, key, created_at)."""
    register = register_of(root, day)
    issue = markers.red_issue("R-001")
    snapshot = Snapshot.from_issues([])
    snapshot.add(issue_state(issue, number=5, updated_at=f"{day.isoformat()}T06:00:00+00:00"))
    snapshot.comments[5] = [
        CommentState(
            i + 10,
            5,
            ident,
            markers.render(ident, {"key": key}),
            dt.datetime.fromisoformat(created) if created else None,
        )
        for i, (ident, key, created) in enumerate(comments)
    ]
    plan, _ = plan_remind(register, snapshot, day)
    planned = [a for a in plan.actions if isinstance(a, EnsureComment)]
    return [a.ident for a in planned if a.ident.startswith("review/R-001/")]


def _reviewed(root: Path, date: str) -> None:
    path = next((root / "risks").glob("R-001-*.yaml"))
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("review:\n", f'review:\n  last_reviewed: "{date}"\n', 1), encoding="utf-8"
    )


def test_red_review_is_reminded_every_day_past_the_top_step(root: Path) -> None:
    _reviewed(root, "2026-11-01")  # due 11-02 (daily): period n on 11-02 + n days
    assert _reminded(root, dt.date(2026, 11, 27)) == ["review/R-001/2026-11-02/p25"]
    assert _reminded(root, dt.date(2026, 11, 28)) == ["review/R-001/2026-11-02/p26"]


def test_old_step_markers_still_count_as_posted(root: Path) -> None:
    _reviewed(root, "2026-11-21")  # due 11-22: period 5, step 4 (the top) on 11-27
    old = ("review/R-001/2026-11-22/4", "R-001:2026-11-22:4", "2026-11-26T06:17:00+00:00")
    # Posted in the old format at step 4: it stands for period 5, the first at step 4 ...
    assert _reminded(root, dt.date(2026, 11, 27), old) == []
    # ... not for the periods after it, which the old format left silent.
    assert _reminded(root, dt.date(2026, 11, 28), old) == ["review/R-001/2026-11-22/p6"]
    earlier = ("review/R-001/2026-11-22/2", "R-001:2026-11-22:2", "2026-11-25T06:17:00+00:00")
    assert _reminded(root, dt.date(2026, 11, 27), earlier) == ["review/R-001/2026-11-22/p5"]


def test_never_twice_on_one_day(root: Path) -> None:
    _reviewed(root, "2026-11-21")
    # Today's reminder for another due date (the review was then re-dated): not again today.
    today = ("review/R-001/2026-11-20/p7", "R-001:2026-11-20:p7", "2026-11-27T06:17:00+00:00")
    assert _reminded(root, dt.date(2026, 11, 27), today) == []
    yesterday = ("review/R-001/2026-11-20/p6", "R-001:2026-11-20:p6", "2026-11-26T06:17:00+00:00")
    assert _reminded(root, dt.date(2026, 11, 27), yesterday) == ["review/R-001/2026-11-22/p5"]


def test_the_day_a_reminder_was_for_is_its_markers_not_githubs(root: Path) -> None:
    """ "Reminded today" is read from the marker's day; GitHub's stamp only for markers written
    before they carried one (a Red reminder's), or a digest's day from its ident."""
    _reviewed(root, "2026-11-21")  # due 11-22: reminded on 11-27 unless it was already today
    day = dt.date(2026, 11, 27)
    register = register_of(root, day)
    earlier = "review/R-001/2026-11-20/p7"  # another due date: the review was re-dated since

    def planned(fields: dict[str, str], created: str | None, ident: str = earlier) -> list[str]:
        issue = markers.red_issue("R-001")
        snapshot = Snapshot.from_issues([])
        snapshot.add(issue_state(issue, number=5, updated_at="2026-11-27T06:00:00+00:00"))
        when = dt.datetime.fromisoformat(created) if created else None
        body = markers.render(ident, fields)
        snapshot.comments[5] = [CommentState(10, 5, ident, body, when)]
        plan, _ = plan_remind(register, snapshot, day)
        return [a.ident for a in plan.actions if isinstance(a, EnsureComment)]

    key = {"key": "R-001:2026-11-20:p7"}
    again = "review/R-001/2026-11-22/p5"
    # Posted for 11-27 by its marker, stamped by a clock two days behind: not again today.
    assert again not in planned({**key, "day": "2026-11-27"}, "2026-11-25T06:17:00+00:00")
    # Posted for 11-26 by its marker, stamped 11-27 by a clock a day ahead: due again today.
    assert again in planned({**key, "day": "2026-11-26"}, "2026-11-27T00:30:00+00:00")
    # Written before markers carried the day: GitHub's stamp says when.
    assert again not in planned(key, "2026-11-27T06:17:00+00:00")
    assert again in planned(key, "2026-11-26T06:17:00+00:00")
    assert markers.reminder_day({"id": "reviews/2026-11-27/0123456789", "items": ""}, None) == day


def test_a_risk_with_errors_gets_no_reminder_and_is_named(root: Path) -> None:
    path = next((root / "risks").glob("R-001-*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("score: 16", "score: 12"), "utf-8")
    register = register_of(root, TODAY)
    plan, report = plan_remind(register, Snapshot(), TODAY)
    comments = [a for a in plan.actions if isinstance(a, EnsureComment)]
    assert not [a for a in comments if "R-001" in a.ident + a.fields.get("items", "")]
    assert [r.risk_id for r in report.held] == ["R-001"]
    assert plan.held_back == (
        "R-001: no reminders while risks/R-001-postgresql-migration.yaml has errors "
        "(see riskbot check)",
    )


# -- case 6: closed risks are not open risks ----------------------------------------------------


def test_a_closed_red_risk_gets_no_cadence_warning(root: Path) -> None:
    path = next((root / "risks").glob("R-001-*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("state: active", "state: closed"))
    reg = register_of(root, TODAY)
    assert not [f for f in reg.findings if f.file == "risks/R-001-postgresql-migration.yaml"]


# -- case 8: a Red risk without mitigation ------------------------------------------------------


@pytest.mark.parametrize(
    ("mitigation", "warned"),
    [
        ({"prevention": [], "detection": [], "response": []}, True),
        ({"detection": ["Watch it"]}, True),  # noticing is not mitigating
        ({"response": ["Act on it"]}, False),
        ({"prevention": ["Plan it"]}, False),
    ],
)
def test_red_without_mitigation_is_a_warning(
    root: Path, mitigation: dict[str, list[str]], warned: bool
) -> None:
    text = risk_yaml("R-100", impact={"level": 5}, probability={"level": 4}, mitigation=mitigation)
    write_risk(root, "R-100-x.yaml", text)
    reg = register_of(root, TODAY)
    found = [f for f in reg.findings if f.code == "red-unmitigated"]
    assert bool(found) is warned
    if warned:
        assert found[0].severity == "warning"
        assert found[0].message == (
            "R-100 is Red (score 20) but has no mitigation: the plan asks for immediate "
            "mitigation of Red risks; add prevention or response items"
        )
        assert found[0].line == line_of(text, "mitigation:")


# -- case 10: every changed field, lists quoted ------------------------------------------------


def test_every_changed_field_is_listed(root: Path) -> None:
    old = register_of(root, TODAY).get("R-001")
    assert old is not None
    data = dict(old.risk.data)
    data["description"] = "New words."
    data["mitigation_status"] = {"summary": "90% complete", "percent": 90}
    data["impact"] = {**data["impact"], "narrative": "Worse"}
    data["identified"] = "2024-12-01"
    data["mitigation"] = {
        **data["mitigation"],
        "response": [*data["mitigation"]["response"][1:], "Call the vendor"],
    }
    data["review"] = {"cadence": "daily", "last_reviewed": "2026-11-20"}
    write_risk(root, "R-001-postgresql-migration.yaml", risk_yaml(**data))
    new = register_of(root, TODAY).get("R-001")
    assert new is not None
    changes = {c.field: c for c in field_changes(old.risk, new.risk)}
    assert set(changes) == {
        "description",
        "mitigation_status.summary",
        "mitigation_status.percent",
        "impact.narrative",
        "identified",
        "mitigation.response",
        "cadence",
        "review.last_reviewed",
    }
    assert (changes["mitigation_status.percent"].old, changes["mitigation_status.percent"].new) == (
        "60",
        "90",
    )
    assert changes["mitigation.response"].added == ("Call the vendor",)
    assert changes["mitigation.response"].removed == ("Rollback plan prepared and tested",)
    assert changes["review.last_reviewed"].old == "(none)"


# -- case 1: policy changes, key by key -------------------------------------------------------


def test_policy_changes_are_keyed_by_name_not_position() -> None:
    import yaml

    old = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    new = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    new["bands"] = list(reversed(new["bands"]))  # reordering changes nothing
    new["bands"][-1]["min_score"] = 21  # red, now last
    team = next(r for r in new["roles"] if r["id"] == "team-lead")
    team["logins"] = ["lead"]
    new["releases"] = [r for r in new["releases"] if r["name"] != "v5"]
    found = {c.key: c for c in policy_changes(old, new)}
    assert set(found) == {
        "bands.red.min_score",
        "roles.team-lead.logins",
        "releases.v5.name",
        "releases.v5.buffer_weeks",
        "releases.v5.note",
    }
    assert found["bands.red.min_score"].needs_sponsor
    assert found["bands.red.min_score"].describe() == "bands.red.min_score: 15 → 21"
    assert found["roles.team-lead.logins"].describe() == "roles.team-lead.logins: +lead"
    assert not found["roles.team-lead.logins"].needs_sponsor
    assert (
        found["releases.v5.buffer_weeks"].describe() == "releases.v5.buffer_weeks: removed (was 8)"
    )


# -- case 11: which reviews count ---------------------------------------------------------------

HEAD = "h" * 40


@pytest.mark.parametrize(
    ("reviews", "approved"),
    [
        ([Review("Alice", "APPROVED", HEAD)], {"alice"}),
        ([Review("alice", "APPROVED", "old" * 13 + "d")], set()),  # on an older commit
        ([Review("alice", "APPROVED", HEAD), Review("alice", "CHANGES_REQUESTED", HEAD)], set()),
        ([Review("alice", "APPROVED", HEAD), Review("alice", "DISMISSED", HEAD)], set()),
        ([Review("alice", "APPROVED", HEAD), Review("alice", "COMMENTED", HEAD)], {"alice"}),
        (
            [Review("alice", "CHANGES_REQUESTED", HEAD), Review("alice", "APPROVED", HEAD)],
            {"alice"},
        ),
        ([Review("bob", "APPROVED", HEAD), Review("alice", "PENDING", HEAD)], {"bob"}),
    ],
)
def test_the_latest_verdict_on_the_head_commit_counts(
    reviews: list[Review], approved: set[str]
) -> None:
    assert approvers_on(reviews, HEAD) == approved


def test_approval_states() -> None:
    owner = Approval("R-002", "removed", (Notify("ai", "AI Lead", ("alice",)),), "owner", "f", 1)
    empty = Approval(
        "R-003", "removed", (Notify("qa", "QA Lead", ()),), "owner", "f", 1, (("QA Lead", 9),)
    )
    waiting = check_approvals([owner, empty], [Review("bob", "APPROVED", HEAD)], HEAD)
    assert [s.state for s in waiting.statuses] == ["waiting", "nobody"]
    assert waiting.blocking
    given = check_approvals([owner, empty], [Review("alice", "APPROVED", HEAD)], HEAD)
    assert [s.state for s in given.statuses] == ["approved", "nobody"]
    assert given.blocking  # nobody can give the other one: the policy must name logins first
    assert check_approvals([owner], [Review("alice", "APPROVED", HEAD)], HEAD).blocking is False
    unread = check_approvals([owner], None, None, "outside Actions")
    assert [s.state for s in unread.statuses] == ["not checked"]
    assert not unread.blocking
    assert check_approvals([empty], None, None, "outside Actions").blocking  # known unread


def test_an_owner_without_logins_falls_back_to_the_sponsor(root: Path) -> None:
    from bot.register.approvals import SPONSOR_FALLBACK, with_unfilled
    from bot.register.rules import owners_of

    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(
        text.replace("  - id: program-sponsor\n    name: Program Sponsor\n    logins: []",
                     "  - id: program-sponsor\n    name: Program Sponsor\n    logins: [boss]"),
        encoding="utf-8",
    )  # fmt: skip
    register = register_of(root, dt.date(2026, 11, 27))
    r002 = register.get("R-002")
    assert r002 is not None
    owner = owners_of(r002.risk, register.policy)  # AI/ML & Safety Lead: no logins
    lowered = with_unfilled("R-002", "lowered", owner, "owner", "f", 1, register.policy)
    assert (lowered.logins, lowered.fallback) == (("boss",), SPONSOR_FALLBACK)
    assert [name for name, _ in lowered.unfilled] == ["AI/ML & Safety Lead"]
    moved = with_unfilled(
        "R-002", "moved", owner, "owner", "f", 1, register.policy, or_sponsor=True
    )
    assert (moved.logins, moved.fallback) == (("boss",), SPONSOR_FALLBACK)
    with_owner = [owner[0]._replace(logins=("ai",))]
    either = with_unfilled(
        "R-002", "moved", with_owner, "owner", "f", 1, register.policy, or_sponsor=True
    )
    assert (either.logins, either.fallback) == (("ai", "boss"), "")
    alone = with_unfilled("R-002", "lowered", with_owner, "owner", "f", 1, register.policy)
    assert (alone.logins, alone.unfilled) == (("ai",), ())


def test_a_policy_change_of_who_a_rule_notifies_is_a_value_not_text(root: Path) -> None:
    """The rules a risk triggers carry their label and roles as fields: a label holding "→"
    (the very character the old ``label→roles`` text was split on) names the rule whole."""
    from bot.register.compare import Triggered
    from bot.render.pr import policy_text

    policy = root / ".github" / "riskbot.yml"
    text = policy.read_text(encoding="utf-8").replace(
        "    label: Immediate escalation", "    label: New Red → sponsor"
    )
    policy.write_text(text, encoding="utf-8")
    base = read_register(root, dt.date(2026, 11, 27))
    policy.write_text(
        text.replace(
            "notify: [risk-owner, team-lead, program-sponsor]", "notify: [risk-owner, team-lead]"
        ),
        encoding="utf-8",
    )
    head = read_register(root, dt.date(2026, 11, 27))
    changed = {c.id: c for c in compare(base, head).changed}
    effect = changed["R-001"].policy
    assert effect is not None
    red_before = next(r for r in effect.rules_before if r.rule == "new_red")
    red_after = next(r for r in effect.rules_after if r.rule == "new_red")
    assert red_before == Triggered(
        "new_red", "New Red → sponsor", ("db-lead", "team-lead", "program-sponsor")
    )
    assert red_after.roles == ("db-lead", "team-lead")
    shown = policy_text(changed["R-001"])
    assert shown is not None
    assert "escalations New Red → sponsor (who is notified)" in shown
    escalations = effect.as_json()["escalations"]
    assert isinstance(escalations, dict)
    assert {
        "rule": "new_red",
        "label": "New Red → sponsor",
        "notify": ["db-lead", "team-lead"],
    } in escalations["new"]
