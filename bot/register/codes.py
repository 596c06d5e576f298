"""Every finding code riskbot reports, each with what it means: the one registry.

A finding's code is how a person or a tool tells one kind of problem from another: it shows in
the text output (``risks/R-001.yaml:12:3: error[unknown-key] …``), in the annotation's title and
in the JSON (``code``). A code named nowhere here is a bug (:func:`bot.register.findings.error`
refuses it).
"""

from __future__ import annotations

from types import MappingProxyType

CODES = MappingProxyType(
    {
        # Reading the file
        "symlink": "a symbolic link where a register file should be: riskbot reads no links",
        "too-deep": "a folder nested deeper below risks/ than riskbot reads",
        "not-a-file": "a risk file's name on a pipe, socket or device, or unreadable: not read",
        "too-large": "a file over the size limit: not read",
        "encoding": "a file that is not UTF-8",
        "empty": "a file with nothing in it (or only comments)",
        "yaml": "YAML that does not parse, or that riskbot does not read (tags, other types)",
        "duplicate-key": "a key written twice in one mapping",
        "alias-bomb": "YAML aliases that would expand past the node limit",
        "too-many-nodes": "more keys, values and items than any register file needs",
        "not-mapping": "a document that is not a mapping of keys to values",
        # The schema
        "unknown-key": "a key the schema does not know (a typo, or a key of another file)",
        "missing-key": "a key the schema requires that the file lacks",
        "schema": "a value the schema refuses: its type, its range, its format or its choices",
        # A risk against the policy and the register
        "level": "a level off the policy's scale, or a detection level the method lacks or needs",
        "category": "a category the policy does not list",
        "phase": "a phase the policy does not list",
        "owner": "an owner that is neither a policy role nor an @login",
        "score": "a declared score that is not the method's (impact × probability, × detection)",
        "band": "a declared band that is not the method's band of the risk",
        "red-unmitigated": "an open risk in an issue band with no prevention or response",
        "cadence": "a review cadence looser than the band's",
        "residual": "a residual target worse than the risk itself",
        "acceptance-by": "an acceptance whose requester (by) is not an @login",
        "acceptance-term": "an acceptance longer than its band's longest term (max_days)",
        "acceptance-lapsed": "an acceptance past its until: the risk is back on its band's reviews",
        "file-name": "a risk file whose name does not start with its id",
        "duplicate-id": "two risk files with one id",
        "reused-id": "the id of a risk removed before: ids are never reused",
        "shallow-history": "a shallow clone: ids removed before its cut cannot be checked",
        "future-date": "a date in a risk file after today (identified, reviewed, an outcome)",
        "unread": "a file under risks/ that riskbot does not read (another extension)",
        "extra": "fields kept from an imported document that riskbot does not use",
        # The policy
        "policy-missing": "no policy file where riskbot looked",
        "policy": "a policy that contradicts itself: levels, bands, roles, releases, phases",
        "band-table": "bands that leave a score in no band or two, or issue bands not at the top",
        "method-table": "a lookup table with a missing, doubled or unknown cell, or not used",
        "role-names": "two roles that one id, name or short form would both name",
        "base-pin": "an extended base policy not pinned, not vendored, or not the pinned copy",
        "base-override": "a value the base policy does not let this repository override",
        "base-policy": "a base that cannot be one: it extends another, or overridable names no key",
        # Documents
        "plan": "a risk management plan that cannot be read, or that contradicts itself",
        "import": "an imported risk that would not pass check",
        "no-risks": "a document to import in which no risk was found",
        "unreadable": "a document's risk that cannot be imported: a field missing or wrong",
        "document": "a document's own mistake: its arithmetic, band words, counts or duplicates",
        "retro": "a retrospective file that does not fit its release",
        "hub": "a portfolio hub file (portfolio.yml) that cannot be read",
    }
)
"""Each code and a one-line meaning."""

DERIVED = ("score", "band")
"""The codes of declared values riskbot computes itself (``check --fix`` rewrites them)."""


def known(code: str) -> str:
    """The code, once checked against the registry (ValueError for one it does not hold)."""
    if code not in CODES:
        raise ValueError(f"finding code {code!r} is not in bot/register/codes.py")
    return code
