"""A policy that extends a vendored base: the merge, the pin, what may be overridden, and where
each value (and each finding) comes from."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from bot.register.defaults import BASE_POLICY_PATH
from bot.register.findings import Finding
from bot.register.inherit import (
    DEFAULT_OVERRIDABLE,
    OVERRIDE_CODE,
    PIN_CODE,
    Inheritance,
    sha256_of,
)
from bot.register.load import POLICY_PATH, SourceFile, build_register, load_policy
from bot.register.policy import Policy
from bot.render.check import REPORTER_BY_NAME, check_report
from bot.repo.git import blob_ids, register_tree, resolve, sources_of, start_reading_blobs
from bot.repo.history import read_history
from bot.repo.worktree import read_register
from tests.factories import POLICY, commit_at, init_repo, risk_yaml, write_risk

BASE = POLICY.read_text(encoding="utf-8")
"""The plan's policy, as an organisation would keep it for its repositories to extend."""
REF = "0123456789abcdef0123456789abcdef01234567"


def pin(base: str = BASE, *, ref: str = REF) -> str:
    """The ``extends`` block of a repository policy pinned to ``base``."""
    return (
        "extends:\n"
        "  repo: acme/.github\n"
        "  path: riskbot/base.yml\n"
        f'  ref: "{ref}"\n'
        f"  sha256: {sha256_of(base.encode())}\n"
    )


def policy_text(body: str = "", base: str = BASE) -> str:
    return f"version: 1\n{pin(base)}program: Payments\n{body}"


def load(text: str, base: str | None = BASE) -> tuple[Policy | None, list[Finding]]:
    vendored = None if base is None else SourceFile(BASE_POLICY_PATH, base.encode())
    return load_policy(SourceFile(POLICY_PATH, text.encode(), base=vendored))


def loaded(text: str, base: str = BASE) -> Policy:
    policy, findings = load(text, base)
    assert policy is not None, [f.as_text() for f in findings]
    assert not [f for f in findings if f.severity == "error"]
    return policy


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line holding ``needle``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def inherited(policy: Policy) -> Inheritance:
    assert policy.inherited is not None
    return policy.inherited


# -- the merge ------------------------------------------------------------------------------------


def test_a_repository_that_sets_nothing_gets_the_base_policy():
    policy = loaded(policy_text())
    alone, _ = load_policy(SourceFile(POLICY_PATH, BASE.encode()))
    assert alone is not None
    assert policy.method == alone.method
    assert policy.cadences == alone.cadences
    assert policy.roles == alone.roles
    assert policy.program == "Payments"  # the one key it sets
    assert inherited(policy).overrides == ("program",)


def test_roles_merge_by_id_the_repository_item_replacing_the_base_item_whole():
    text = policy_text(
        "roles:\n"
        "  - id: team-lead\n"
        "    name: Payments Lead\n"
        "    logins: [alice]\n"
        "  - id: payments-oncall\n"
        "    name: Payments On-call\n"
        "    logins: [bob]\n"
    )
    policy = loaded(text)
    ids = [r.id for r in policy.roles]
    base_ids = [r.id for r in loaded(policy_text()).roles]
    assert ids == [*base_ids, "payments-oncall"]  # the base's order, new ones after
    lead = policy.role("team-lead")
    assert lead is not None
    assert (lead.name, lead.logins) == ("Payments Lead", ("alice",))
    assert lead.short == "Payments Lead"  # the base's item is replaced whole, not merged
    # The escalation path names base roles: they are all still there.
    assert policy.escalation_path[1] == "team-lead"


def test_categories_merge_by_name_and_plain_lists_and_values_are_replaced():
    text = policy_text(
        "categories:\n"
        "  - name: Regulatory\n"
        "    description: Rules we must follow\n"
        "escalation:\n"
        "  path: [risk-owner, program-sponsor]\n"
        "bot:\n"
        "  write_budget: 10\n"
    )
    policy = loaded(text)
    assert list(policy.categories)[-1] == "Regulatory"
    assert "Technical" in policy.categories  # the base's stay
    assert policy.escalation_path == ("risk-owner", "program-sponsor")  # a plain list: replaced
    assert policy.write_budget == 10
    assert policy.label == "risk"  # the rest of the mapping stays the base's
    # The thresholds of the escalation rules are still the base's.
    assert policy.score_increase is not None
    assert policy.score_increase.min_increase == 5


# -- what a repository may override ----------------------------------------------------------------


def test_overriding_the_bands_is_an_error_on_the_repository_line_by_default():
    text = policy_text(
        "roles:\n"
        "  - {id: team-lead, name: Team Lead, logins: [alice]}\n"
        "bands:\n"
        "  - {name: red, label: Red, min_score: 12, monitoring: daily}\n"
    )
    policy, findings = load(text)
    assert policy is None
    errors = [f for f in findings if f.severity == "error"]
    assert [(f.file, f.line, f.code) for f in errors] == [
        (POLICY_PATH, line_of(text, "bands:"), OVERRIDE_CODE)
    ]
    assert (
        "`bands` is fixed by the base policy (acme/.github:riskbot/base.yml)" in errors[0].message
    )


def test_restating_a_base_value_is_no_override():
    red = "  - {name: red, label: Red, min_score: 15, meaning: immediate mitigation required, "
    text = policy_text(f"bands:\n{red}monitoring: daily}}\n")
    policy = loaded(text)
    assert "bands" not in " ".join(inherited(policy).overrides)
    assert inherited(policy).keys["bands"] == "base"


def test_each_forbidden_value_is_named_at_the_first_key_the_base_fixes():
    text = policy_text(
        "escalation:\n"
        "  new_red:\n"
        "    notify: [risk-owner, program-sponsor]\n"  # allowed: escalation.*.notify
        "    label: Shout\n"  # not allowed
        "  score_increase:\n"
        "    min_increase: 9\n"  # a threshold: not allowed
        "    notify: [team-lead]\n"
    )
    policy, findings = load(text)
    assert policy is None
    assert sorted((f.line, f.path) for f in findings) == [
        (line_of(text, "label: Shout"), ("escalation", "new_red", "label")),
        (line_of(text, "min_increase: 9"), ("escalation", "score_increase", "min_increase")),
    ]


def test_notify_may_be_overridden_by_default():
    text = policy_text("escalation:\n  new_red:\n    notify: [risk-owner]\n")
    policy = loaded(text)
    assert policy.new_red is not None
    assert policy.new_red.notify == ("risk-owner",)
    assert inherited(policy).overrides == ("program", "escalation.new_red.notify")
    assert inherited(policy).keys["escalation"] == "both"


def test_the_base_names_what_may_be_overridden_down_to_one_key_of_one_item():
    base = BASE + "overridable: [program, bands.yellow.monitoring]\n"
    yellow = (
        "  - {name: yellow, label: Yellow, min_score: 8, meaning: active monitoring & mitigation"
    )
    ok = policy_text(f"bands:\n{yellow}, monitoring: bi-weekly}}\n", base)
    policy = loaded(ok, base)
    assert policy.band("yellow").monitoring == "bi-weekly"
    assert inherited(policy).overrides == ("program", "bands.yellow.monitoring")
    lowered = ok.replace("min_score: 8", "min_score: 6")
    refused, findings = load(lowered, base)
    assert refused is None
    assert [(f.line, f.path) for f in findings] == [
        (line_of(lowered, "min_score: 6"), ("bands", 0, "min_score"))
    ]
    # Roles are no longer overridable under this base.
    roles = policy_text("roles:\n  - {id: qa-lead, name: QA Lead, logins: [carol]}\n", base)
    _, findings = load(roles, base)
    assert [(f.line, f.code) for f in findings] == [(line_of(roles, "roles:"), OVERRIDE_CODE)]


def test_an_overridable_key_that_names_nothing_is_an_error_in_the_base():
    base = BASE + "overridable: [roles, bandz]\n"
    policy, findings = load(policy_text(base=base), base)
    assert policy is None
    assert [(f.file, f.line) for f in findings] == [(BASE_POLICY_PATH, line_of(base, "bandz"))]
    assert "did you mean 'bands'?" in findings[0].message


def test_the_default_overridable_keys_fix_the_method():
    fixed = {"method", "impact_scale", "probability_scale", "detection_scale", "bands", "cadences"}
    assert not fixed & {key.split(".")[0] for key in DEFAULT_OVERRIDABLE}
    assert "escalation" not in DEFAULT_OVERRIDABLE  # only who is notified, not the thresholds


# -- the pin -------------------------------------------------------------------------------------


def test_a_vendored_copy_that_is_not_the_pinned_one_is_an_error_on_the_pin():
    text = policy_text()
    edited = BASE.replace("min_score: 15", "min_score: 12")
    policy, findings = load(text, edited)
    assert policy is None
    assert [(f.file, f.line, f.code) for f in findings] == [
        (POLICY_PATH, line_of(text, "sha256:"), PIN_CODE)
    ]
    assert f"its sha256 is {sha256_of(edited.encode())}" in findings[0].message
    assert "riskbot policy pull" in findings[0].message


def test_an_unpinned_or_missing_base_says_to_pull_it():
    unpinned = "version: 1\nextends:\n  repo: acme/.github\n  path: riskbot/base.yml\n"
    policy, findings = load(unpinned)
    assert policy is None
    assert [(f.line, f.code) for f in findings] == [(2, PIN_CODE)]
    assert "not pinned (no ref and sha256)" in findings[0].message
    policy, findings = load(policy_text(), base=None)
    assert policy is None
    assert [(f.line, f.code) for f in findings] == [(2, PIN_CODE)]
    assert f"{BASE_POLICY_PATH} is missing" in findings[0].message


def test_a_malformed_pin_is_a_schema_error_on_its_line():
    text = policy_text().replace(f'"{REF}"', '"main"')
    policy, findings = load(text)
    assert policy is None
    assert [(f.line, f.path) for f in findings] == [(line_of(text, "ref:"), ("extends", "ref"))]


def test_a_base_cannot_extend_another():
    base = f"{pin()}{BASE}"
    policy, findings = load(policy_text(base=base), base)
    assert policy is None
    assert [(f.file, f.line) for f in findings] == [(BASE_POLICY_PATH, 1)]


# -- where each value came from ---------------------------------------------------------------


def test_findings_are_on_the_lines_of_the_file_the_value_came_from():
    base = BASE.replace("monitoring: weekly", "monitoring: weekley")
    text = policy_text(
        "releases:\n  - name: v9\n    buffer_weeks: many\n", base
    )  # a bad value in each file
    policy, findings = load(text, base)
    assert policy is None
    assert sorted((f.file, f.line) for f in findings) == [
        (BASE_POLICY_PATH, line_of(base, "weekley")),
        (POLICY_PATH, line_of(text, "buffer_weeks: many")),
    ]


def test_a_key_neither_file_has_is_reported_on_the_pin():
    base = BASE.replace(BASE[BASE.index("# Plan §5") : BASE.index("# Every role")], "")
    assert "releases:" not in base
    text = policy_text(base=base)
    policy, findings = load(text, base)
    assert policy is None
    assert [(f.file, f.line) for f in findings] == [(POLICY_PATH, line_of(text, "extends:"))]
    assert findings[0].message == (
        "missing required key 'releases' (neither the base policy nor this file gives it)"
    )


def test_each_value_knows_its_file_and_line():
    text = policy_text("roles:\n  - {id: team-lead, name: Team Lead, logins: [alice]}\n")
    policy = loaded(text)
    assert policy.lines[("program",)] == line_of(text, "program:")
    assert ("program",) not in policy.files
    assert policy.files[("bands", 0, "min_score")] == BASE_POLICY_PATH
    assert policy.lines[("bands", 0, "min_score")] == line_of(BASE, "min_score: 15")
    sponsor = next(i for i, r in enumerate(policy.roles) if r.id == "program-sponsor")
    assert policy.files[("roles", sponsor, "logins")] == BASE_POLICY_PATH
    # A role to fill in is filled in here, in the repository's policy: its roles.
    role = policy.role("program-sponsor")
    assert role is not None
    assert role.line == line_of(text, "roles:")
    lead = policy.role("team-lead")
    assert lead is not None
    assert lead.line == line_of(text, "id: team-lead")


def test_the_sources_as_check_reports_them():
    policy = loaded(policy_text("releases:\n  - {name: v9, buffer_weeks: 3}\n"))
    sources = inherited(policy).as_json()
    assert sources["base"] == {
        "repo": "acme/.github",
        "path": "riskbot/base.yml",
        "ref": REF,
        "sha256": sha256_of(BASE.encode()),
        "file": BASE_POLICY_PATH,
    }
    keys = sources["keys"]
    assert isinstance(keys, dict)
    assert (keys["bands"], keys["program"], keys["releases"]) == ("base", "both", "both")
    assert sources["overrides"] == ["program", "releases.v9"]
    assert inherited(policy).describe() == (
        f"Policy: extends acme/.github riskbot/base.yml at {REF[:12]} ({BASE_POLICY_PATH}, "
        f"sha256 as pinned); {POLICY_PATH} sets program, releases.v9; the rest is the base's"
    )


def test_a_value_is_traced_to_its_file_and_its_path_there():
    text = policy_text("roles:\n  - {id: qa-lead, name: QA Lead, logins: [carol]}\n")
    policy = loaded(text)
    qa = next(i for i, r in enumerate(policy.roles) if r.id == "qa-lead")
    assert inherited(policy).origin(("roles", qa, "logins", 0)) == (
        POLICY_PATH,
        ("roles", 0, "logins", 0),
    )
    assert inherited(policy).origin(("bands", 0, "min_score")) == (
        BASE_POLICY_PATH,
        ("bands", 0, "min_score"),
    )
    assert inherited(policy).origin(()) == (POLICY_PATH, ())


# -- reading the copy: working tree and git, offline ---------------------------------------------


def _register(root: Path, base: str = BASE, body: str = "") -> Path:
    (root / ".github").mkdir(parents=True)
    (root / BASE_POLICY_PATH).write_text(base, encoding="utf-8")
    (root / POLICY_PATH).write_text(policy_text(body, base), encoding="utf-8")
    write_risk(root, "R-001-example.yaml", risk_yaml("R-001", owner="Team Lead"))
    return root


def test_check_reads_the_vendored_copy_without_the_network(tmp_path, monkeypatch):
    root = _register(tmp_path)

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("check reached for the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    report = check_report(read_register(root))
    assert report.ok
    text = REPORTER_BY_NAME["text"](report, {}).stdout
    assert f"Policy: extends acme/.github riskbot/base.yml at {REF[:12]}" in text


def test_a_linked_copy_is_refused_on_its_own_path(tmp_path):
    root = _register(tmp_path / "repo")
    elsewhere = tmp_path / "elsewhere.yml"
    elsewhere.write_text(BASE, encoding="utf-8")
    (root / BASE_POLICY_PATH).unlink()
    os.symlink(elsewhere, root / BASE_POLICY_PATH)
    loaded_register = read_register(root)
    assert loaded_register.policy is None
    assert [(f.file, f.line, f.code) for f in loaded_register.errors] == [
        (BASE_POLICY_PATH, 1, "symlink")
    ]


def test_a_revision_in_git_is_resolved_with_its_own_copy(tmp_path):
    root = _register(tmp_path)
    init_repo(root)
    commit_at(root, "Extend the organisation's policy", "2026-01-05T09:00:00+00:00")
    (root / BASE_POLICY_PATH).write_text("changed afterwards\n", encoding="utf-8")
    tree = register_tree(root, resolve(root, "HEAD"))
    register = build_register(*sources_of(tree, start_reading_blobs(root, blob_ids(tree))()))
    assert register.policy is not None
    assert register.policy.inherited is not None
    assert register.ok


def test_a_policy_without_extends_has_no_sources():
    policy, _ = load_policy(SourceFile(POLICY_PATH, BASE.encode()))
    assert policy is not None
    assert policy.inherited is None
    assert policy.files == {}


def test_the_history_scores_each_revision_with_its_own_copy_of_the_base(tmp_path):
    root = _register(tmp_path)
    init_repo(root)
    commit_at(root, "Extend the organisation's policy", "2026-01-05T09:00:00+00:00")
    # A new pin: the base's Yellow now starts at 6, so R-001 (3 × 2 = 6) turns Yellow.
    lowered = BASE.replace("min_score: 8", "min_score: 6", 1)
    (root / BASE_POLICY_PATH).write_text(lowered, encoding="utf-8")
    (root / POLICY_PATH).write_text(policy_text(base=lowered), encoding="utf-8")
    commit_at(root, "Bump the base policy", "2026-02-02T09:00:00+00:00")
    history = read_history(root)
    assert history.available, history.unavailable
    assert history.notes == []  # every revision's policy resolved with its own copy
    bands = [(c.date.isoformat(), c.state.band) for c in history.of("R-001")]
    assert bands == [("2026-01-05", "green"), ("2026-02-02", "yellow")]
    # Not committed yet: the working tree's copy counts as of now.
    (root / BASE_POLICY_PATH).write_text(BASE, encoding="utf-8")
    (root / POLICY_PATH).write_text(policy_text(), encoding="utf-8")
    pending = read_history(root)
    assert pending.pending == (BASE_POLICY_PATH, POLICY_PATH)
    assert pending.of("R-001")[-1].state.band == "green"


def test_a_base_that_does_not_read_is_reported_in_the_base():
    broken = BASE.replace("bands:\n", "bands:\n  - [\n", 1)
    policy, findings = load(policy_text(base=broken), broken)
    assert policy is None
    assert {f.file for f in findings} == {BASE_POLICY_PATH}
    listed = "- a list\n"
    policy, findings = load(policy_text(base=listed), listed)
    assert policy is None
    assert [(f.file, f.line, f.message) for f in findings] == [
        (BASE_POLICY_PATH, 1, "the document is a list, expected a mapping")
    ]


def test_a_cross_reference_the_repository_breaks_is_on_the_repository_line():
    text = policy_text("phases:\n  - {name: v9+, counts_toward: [v9]}\n")
    policy, findings = load(text)
    assert policy is None
    assert [(f.file, f.line) for f in findings] == [(POLICY_PATH, line_of(text, "v9+"))]
    assert "phase 'v9+' counts toward unknown release 'v9'" in findings[0].message


def test_a_repository_that_sets_nothing_of_its_own():
    text = f"version: 1\n{pin()}"
    policy = loaded(text)
    assert inherited(policy).overrides == ()
    assert inherited(policy).describe().endswith("; every value is the base's")
    # A role to fill in, with no roles here: the pin is where this policy starts.
    role = policy.role("program-sponsor")
    assert role is not None
    assert role.line == line_of(text, "extends:")
