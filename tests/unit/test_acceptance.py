"""Acceptance as pure functions: the policy's terms and their defaults, an acceptance's state on
a day, the reminders of an accepted risk, what a change does to the acceptances and who must
approve it, and a change of the terms themselves."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot.register import defaults
from bot.register.acceptance import acceptance_approvals, acceptance_changes, authority
from bot.register.approvals import Review, check_approvals
from bot.register.compare import compare
from bot.register.load import POLICY_PATH, SourceFile, build_register
from bot.register.reviews import reminders_due
from bot.register.risk import Acceptance
from bot.render.acceptance import change_line
from tests.factories import POLICY, register_of

ACCEPTED = Path(__file__).resolve().parents[1] / "data" / "acceptance"
TODAY = dt.date(2026, 11, 27)


def sources(root: Path, policy: str | None = None) -> tuple[SourceFile, list[SourceFile]]:
    """The register under ``root`` as the loader reads it; ``policy`` replaces its policy."""
    text = policy if policy is not None else (root / POLICY_PATH).read_text(encoding="utf-8")
    risks = [
        SourceFile(f"risks/{p.name}", p.read_bytes()) for p in sorted((root / "risks").glob("*"))
    ]
    return SourceFile(POLICY_PATH, text.encode()), risks


@pytest.mark.parametrize(
    ("today", "state"),
    [
        ("2026-11-22", "current"),  # 15 days before: not yet within the 14 days' notice
        ("2026-11-23", "ending"),  # 14 days before
        ("2026-12-07", "ending"),  # the last day it holds
        ("2026-12-08", "lapsed"),
    ],
)
def test_an_acceptance_ends_within_its_notice_and_lapses_the_day_after(
    today: str, state: str
) -> None:
    held = Acceptance("@ai-owner", "why", dt.date(2026, 12, 7))
    assert held.state(dt.date.fromisoformat(today), 14) == state
    assert held.lapses_on == dt.date(2026, 12, 8)
    assert held.login == "ai-owner"
    assert Acceptance("ai-owner", "why", held.until).login is None


def test_a_policy_without_acceptance_terms_takes_the_defaults() -> None:
    register = register_of(POLICY.parent.parent, TODAY)
    terms = register.policy.acceptance
    assert (terms.cadence, terms.notice_days, terms.max_days, terms.mark) == (
        defaults.ACCEPTANCE_CADENCE,
        defaults.ACCEPTANCE_NOTICE_DAYS,
        defaults.ACCEPTANCE_MAX_DAYS,
        defaults.ACCEPTANCE_MARK,
    )
    # No authority named: the program sponsor approves, in every band.
    for band in register.policy.bands:
        assert terms.terms(band.name).authority == ()
        assert [n.role for n in authority(register.policy, band.name)] == ["program-sponsor"]


def test_the_default_cadence_is_the_lowest_bands_when_the_policy_has_no_monthly() -> None:
    data = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    data["cadences"] = [c for c in data["cadences"] if c["name"] != "monthly"]
    data["bands"][-1]["monitoring"] = "quarterly"
    register = build_register(SourceFile(POLICY_PATH, yaml.safe_dump(data).encode()), [], TODAY)
    assert register.policy is not None, register.findings
    assert register.policy.acceptance.cadence == "quarterly"


def test_each_band_names_its_own_terms_or_takes_the_sections() -> None:
    register = register_of(ACCEPTED, TODAY)
    terms = register.policy.acceptance
    assert terms.terms("red") == (("program-sponsor",), 90)
    assert terms.terms("yellow") == (("team-lead",), 180)
    assert terms.terms("green") == (("program-sponsor",), 180)
    assert [n.logins for n in authority(register.policy, "yellow")] == [("lead",)]


def test_an_accepted_risk_is_reminded_to_its_owner_alone_however_late() -> None:
    """R-004 (Yellow) is accepted until 2027-03-01 and reviewed monthly: on 2027-02-20 it is
    three months overdue, still its owner's; once it lapses, its band's weekly cadence and the
    escalation path are back, counted from the lapse day."""
    register = register_of(ACCEPTED, dt.date(2027, 2, 20))
    due, _ = reminders_due(register, register.today)
    r004 = next(r for r in due if r.risk_id == "R-004")
    assert (r004.due, r004.period, r004.step) == (dt.date(2026, 10, 31), 3, 0)
    assert [n.role for n in r004.notify] == ["ml-search-lead"]
    register = register_of(ACCEPTED, dt.date(2027, 3, 16))
    due, _ = reminders_due(register, register.today)
    r004 = next(r for r in due if r.risk_id == "R-004")
    assert (r004.due, r004.period, r004.step) == (dt.date(2027, 3, 2), 2, 1)
    assert r004.assessment.cadence == "weekly"


def test_what_a_change_does_to_the_acceptances_and_who_must_approve() -> None:
    base = register_of(ACCEPTED, TODAY)
    policy = base.policy
    text = {p.name: p.read_text(encoding="utf-8") for p in (ACCEPTED / "risks").glob("*.yaml")}
    edits = {
        "R-001": ("until: 2027-01-26", "until: 2027-01-10"),  # shortened: no approval
        "R-002": ("until: 2026-12-07", "until: 2027-01-07"),  # extended
        "R-004": ('by: "@ml-owner"', "by: ml-owner"),  # reworded (and wrong: no login)
    }
    head_files = []
    for name, body in sorted(text.items()):
        rid = name[:5]
        if rid in edits:
            body = body.replace(*edits[rid])
        head_files.append(SourceFile(f"risks/{name}", body.encode()))
    policy_file = SourceFile(POLICY_PATH, (ACCEPTED / POLICY_PATH).read_bytes())
    head = build_register(policy_file, head_files, TODAY)
    changes = acceptance_changes(base.assessments, head.sound, head.failed_ids)
    # R-004's file fails on head: not compared, so its acceptance is not taken for removed.
    assert [(c.risk_id, c.kind) for c in changes] == [
        ("R-001", "changed"),
        ("R-002", "extended"),
        ("R-003", "lapsed"),
    ]
    approvals = acceptance_approvals(policy, changes)
    assert [(a.subject, a.reason, a.excluded, a.strict) for a in approvals] == [
        ("R-002", "acceptance extended until 2027-01-07 (was 2026-12-07)", ("ai-owner",), True)
    ]
    assert compare(base, head).approvals == approvals


def test_neither_author_nor_requester_approves_an_acceptance_and_none_who_can_blocks() -> None:
    register = register_of(ACCEPTED, TODAY)
    changes = acceptance_changes([], register.sound)  # every acceptance as if added
    [r001] = [a for a in acceptance_approvals(register.policy, changes) if a.subject == "R-001"]
    head = "a" * 40

    def state(author: str | None, *logins: str) -> tuple[str, tuple[str, ...], bool]:
        reviews = [Review(login, "APPROVED", head) for login in logins]
        check = check_approvals([r001], reviews, head, author=author)
        return check.statuses[0].state, check.statuses[0].by, check.blocking

    assert state("sponsor", "sponsor", "db-owner") == ("waiting", (), True)
    assert state("sponsor", "deputy") == ("approved", ("deputy",), False)
    assert state("someone", "sponsor") == ("approved", ("sponsor",), False)
    # A sponsor role of one login, who opened the pull request: nobody can approve it.
    only = replace(r001, approvers=(r001.approvers[0]._replace(logins=("sponsor",)),))
    check = check_approvals([only], [Review("sponsor", "APPROVED", head)], head, author="sponsor")
    assert (check.statuses[0].state, check.blocking) == ("nobody", True)
    # Outside a pull request's run nothing is read: not checked, and nothing blocks.
    unread = check_approvals([r001], None, None, "not read")
    assert (unread.statuses[0].state, unread.blocking) == ("not checked", False)


def test_a_change_of_the_acceptance_terms_needs_the_sponsor_but_not_of_its_mark() -> None:
    text = (ACCEPTED / POLICY_PATH).read_text(encoding="utf-8")
    base_policy, risks = sources(ACCEPTED)
    base = build_register(base_policy, risks, TODAY)

    def approvals(new_text: str) -> list[tuple[str | None, str, str]]:
        head = build_register(SourceFile(POLICY_PATH, new_text.encode()), risks, TODAY)
        return [(a.risk, a.role, a.reason) for a in compare(base, head).approvals]

    longer = text.replace("acceptance: {max_days: 90}", "acceptance: {max_days: 120}")
    assert approvals(longer) == [
        (
            None,
            "program sponsor",
            "changes the acceptance terms: bands.red.acceptance.max_days: 90 → 120",
        )
    ]
    marked = text.replace("  max_days: 180\n", '  max_days: 180\n  mark: "☑️"\n')
    assert approvals(marked) == []


def test_an_acceptance_carried_into_a_band_of_other_approvers_needs_theirs() -> None:
    """R-004 was accepted in Yellow, whose authority is the team lead; raised to Red, its
    acceptance needs the program sponsor (and its term is Red's); R-001, lowered from Red to
    Green, keeps its approvers (the sponsor in both) and asks nothing more of them."""
    base = register_of(ACCEPTED, TODAY)
    policy_file, files = sources(ACCEPTED)
    levels = {"R-004": ("level: 3\n", "level: 4\n"), "R-001": ("level: 4\n", "level: 1\n")}
    head_files = []
    for source in files:
        body = source.raw.decode()
        if (rid := source.name[6:11]) in levels:
            body = body.replace("score: 9\nband: yellow\n", "").replace(
                "score: 16\nband: red\n", ""
            )
            body = body.replace(*levels[rid], 2)
        head_files.append(SourceFile(source.name, body.encode()))
    # Checked on 2026-12-05, R-004's acceptance is within Red's 90 days; on 2026-11-27 it was
    # not: an error on its line, and a file that fails is not compared.
    late = build_register(policy_file, head_files, TODAY)
    assert [(f.file[6:11], f.code) for f in late.errors] == [("R-004", "acceptance-term")]
    head = build_register(policy_file, head_files, dt.date(2026, 12, 5))
    assert head.errors == []
    bands = {a.risk.id: a.band.name for a in head.assessments}
    assert (bands["R-001"], bands["R-004"]) == ("green", "red")
    changes = acceptance_changes(base.assessments, head.sound, head.failed_ids)
    assert [(c.risk_id, c.kind, c.was_band.name if c.was_band else None) for c in changes] == [
        ("R-001", "moved", "red"),
        ("R-003", "lapsed", None),
        ("R-004", "moved", "yellow"),
    ]
    approvals = acceptance_approvals(base.policy, changes)
    assert [(a.subject, a.reason, a.owners) for a in approvals] == [
        ("R-004", "acceptance until 2027-03-01 moved from Yellow into Red", ("Program Sponsor",))
    ]
    assert change_line(changes[2], head.policy) == (
        "- **R-004** ML Model Recommendation Bias (Red): **moved** from Yellow, accepted until "
        "2027-03-01; a Red risk is accepted for at most 90 days; requested by `@ml-owner`: "
        "Ranking stays deterministic until the fairness suite exists; the learned ranker ships "
        "switched off."
    )
