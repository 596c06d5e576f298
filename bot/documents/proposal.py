"""Proposing a risk from an issue form: the form `riskbot init` installs, and reading it back.

GitHub renders a submitted form as Markdown: each field's label as a ``### `` heading, then the
answer (``_No response_`` when empty). The labels are fixed here, so the form and the reader
cannot drift apart; the choices (categories, phases, levels) come from the policy. An answer is
checked as `riskbot new` checks its prompts, then the new file as `riskbot check` would: a
problem names its field by its label.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from bot.documents.authoring import UNMITIGATED, NewRisk, new_risk_data
from bot.intake.writer import render_risk_file, risk_file_name
from bot.reconcile.commands import FORM_LABEL, ProposedRisk
from bot.register.load import Register, SourceFile, build_register, owner_hint, scale_text
from bot.register.policy import Policy
from bot.register.risk import LOGIN_RE
from bot.register.suggest import did_you_mean

FORM_PATH = ".github/ISSUE_TEMPLATE/propose-risk.yml"
NO_RESPONSE = "_No response_"
LABELS = {
    "title": "Title",
    "description": "Description",
    "category": "Category",
    "phase": "Phase",
    "impact": "Impact level",
    "probability": "Probability level",
    "detection": "Detection level",
    "owner": "Owner",
}
_HEADING = re.compile(r"^###[ \t]+(?P<label>.+?)[ \t]*#*[ \t]*$")
_LEVEL = re.compile(r"\s*([0-9]{1,2})\b")


def read_form(body: str) -> dict[str, str]:
    """The answers of a submitted form, by field id (an unanswered field is ``""``)."""
    by_label = {label.casefold(): key for key, label in LABELS.items()}
    answers: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for line in [*body.replace("\r\n", "\n").split("\n"), "### end"]:
        heading = _HEADING.match(line)
        if heading is None:
            lines.append(line)
            continue
        if current is not None:
            text = "\n".join(lines).strip()
            answers[current] = "" if text == NO_RESPONSE else text
        current = by_label.get(heading.group("label").casefold())
        lines = []
    return answers


def _choice(value: str, choices: Sequence[str], kind: str) -> tuple[str | None, str | None]:
    folded = {c.casefold(): c for c in choices}
    if value.casefold() in folded:
        return folded[value.casefold()], None
    return None, (
        f"'{value}' is not a {kind} of the policy{did_you_mean(value, choices)}; "
        f"choose one of {', '.join(choices)}"
    )


def _level(value: str, policy: Policy, kind: str) -> tuple[int | None, str | None]:
    match = _LEVEL.match(value)
    if match is not None and int(match.group(1)) in policy.method.scale(kind):
        return int(match.group(1)), None
    return None, f"'{value}' is not a level of the policy's {scale_text(policy, kind)}"


def check_form(
    body: str, policy_source: SourceFile, register: Register, risk_id: str, today: dt.date
) -> ProposedRisk:
    """A submitted form's body checked (see :func:`check_proposal`)."""
    return check_proposal(read_form(body), policy_source, register, risk_id, today)


def check_proposal(
    answers: Mapping[str, str],
    policy_source: SourceFile,
    register: Register,
    risk_id: str,
    today: dt.date,
) -> ProposedRisk:
    """Check a form's answers as `riskbot new` does, then the new file with the policy."""
    policy = register.policy
    problems: list[tuple[str, str]] = []
    values: dict[str, object] = {}

    def need(key: str) -> str | None:
        text = (
            " ".join(answers.get(key, "").split())
            if key != "description"
            else answers.get(key, "").strip()
        )
        if not text:
            problems.append((LABELS[key], "an answer is required"))
            return None
        return text

    for key in ("title", "description"):
        values[key] = need(key)
    for key, choices in (("category", list(policy.categories)), ("phase", list(policy.phases))):
        given = need(key)
        if given is not None:
            chosen, problem = _choice(given, choices, key)
            values[key] = chosen
            if problem:
                problems.append((LABELS[key], problem))
    kinds = ["impact", "probability"] + (["detection"] if policy.method.detection else [])
    for kind in kinds:
        given = need(kind)
        if given is not None:
            level, problem = _level(given, policy, kind)
            values[kind] = level
            if problem:
                problems.append((LABELS[kind], problem))
    owner = need("owner")
    if owner is not None and not (LOGIN_RE.match(owner) or policy.role(owner) is not None):
        problems.append(
            (
                LABELS["owner"],
                f"'{owner}' is neither a policy role nor an @login{owner_hint(owner, policy)}",
            )
        )
    if problems:
        return ProposedRisk(problems=tuple(problems))
    risk = NewRisk(
        title=str(values["title"]),
        category=str(values["category"]),
        phase=str(values["phase"]),
        impact=int(str(values["impact"])),
        probability=int(str(values["probability"])),
        detection=int(str(values["detection"])) if "detection" in values else None,
        owner=str(owner),
        description=str(values["description"]),
        identified=today,
    )
    path = risk_file_name(risk_id, risk.title)
    text = render_risk_file(new_risk_data(risk, risk_id))
    # The new file against the policy, as check reads it: ids elsewhere are the caller's.
    checked = build_register(policy_source, [SourceFile(path, text.encode("utf-8"))], today=today)
    by_key = {v: k for k, v in LABELS.items()}
    for finding in checked.findings:
        if finding.file != path or finding.severity != "error" or finding.code == UNMITIGATED:
            continue
        key = str(finding.path[0]) if finding.path else ""
        problems.append((LABELS.get(key, by_key.get(key, "Form")), finding.message))
    return ProposedRisk(path, text, risk.title, tuple(problems))


# -- the form ------------------------------------------------------------------------------------


class _FormDumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _dropdown(key: str, description: str, options: Sequence[str]) -> dict[str, object]:
    return {
        "type": "dropdown",
        "id": key,
        "attributes": {"label": LABELS[key], "description": description, "options": list(options)},
        "validations": {"required": True},
    }


def level_options(policy_data: Mapping[str, object], kind: str) -> list[str]:
    """``3 — Moderate`` for each level of a scale of the policy's data."""
    scale = policy_data.get(f"{kind}_scale")
    levels = scale if isinstance(scale, list) else []
    return [f"{x['level']} — {x['label']}" for x in levels if isinstance(x, dict)]


def form_text(policy_data: Mapping[str, Any], owner_example: str) -> str:
    """The issue form "Propose a risk", with the choices of a policy (its YAML data)."""
    categories = list(policy_data.get("categories") or [])
    phases = list(policy_data.get("phases") or [])
    method = policy_data.get("method")
    labels = method.get("factor_labels") or {} if isinstance(method, dict) else {}
    body: list[dict[str, object]] = [
        {
            "type": "markdown",
            "attributes": {
                "value": "riskbot checks the answers as `riskbot new` does and opens a pull "
                "request with the new risk file, or comments on this issue what to fix."
            },
        },
        {
            "type": "input",
            "id": "title",
            "attributes": {"label": LABELS["title"], "description": "Short name of the risk."},
            "validations": {"required": True},
        },
        {
            "type": "textarea",
            "id": "description",
            "attributes": {
                "label": LABELS["description"],
                "description": "What could happen, and why.",
            },
            "validations": {"required": True},
        },
        _dropdown("category", "One of the policy's categories.", [_name(c) for c in categories]),
        _dropdown("phase", "The phase (release) the risk belongs to.", [_name(p) for p in phases]),
    ]
    for kind in ("impact", "probability", "detection"):
        options = level_options(policy_data, kind)
        if options:
            word = labels.get(kind, kind.capitalize()) if isinstance(labels, dict) else kind
            body.append(_dropdown(kind, f"{word}, on the policy's scale.", options))
    body.append(
        {
            "type": "input",
            "id": "owner",
            "attributes": {
                "label": LABELS["owner"],
                "description": "A role of the policy (name, short form or id) or an @login.",
                "placeholder": owner_example,
            },
            "validations": {"required": True},
        }
    )
    form = {
        "name": "Propose a risk",
        "description": "Propose a new risk for the register; riskbot checks it and opens a pull "
        "request with its file.",
        "title": "Risk: ",
        "labels": [FORM_LABEL],
        "body": body,
    }
    header = (
        "# Written by `riskbot init` from the policy's categories, phases and scales: when they\n"
        "# change, update the options here (riskbot reads the answers by their labels).\n"
    )
    return header + yaml.dump(
        form, Dumper=_FormDumper, sort_keys=False, allow_unicode=True, width=100
    )


def _name(entry: object) -> str:
    if isinstance(entry, dict):
        return str(entry.get("name", entry.get("id", "")))
    return str(entry)
