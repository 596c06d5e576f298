"""The edit that adds (or extends) a risk's ``acceptance:`` block, in place, every other byte kept.

What ``/riskbot accept until DATE because TEXT`` proposes in its pull request:

    acceptance:
      by: "@login"
      rationale: "why the risk is knowingly accepted"
      until: "2027-03-01"

A file without the key gets the block at its end; an existing block (block or flow style) has
its three values replaced or added where they are missing, in the style the person wrote.
The same machinery as `riskbot review` (:mod:`bot.documents.yamledit`).
"""

from __future__ import annotations

from typing import Any

from yaml.nodes import MappingNode, ScalarNode

from bot.documents.yamledit import (
    Edit,
    EditableText,
    apply,
    key_of,
    mapping_file,
    quoted,
    scalar_like,
    with_section,
)
from bot.errors import RiskbotError
from bot.register.yamlfile import load_yaml

FIELDS = ("by", "rationale", "until")


class AcceptanceError(RiskbotError):
    """The acceptance cannot be written into this file as it stands."""


def _flow(values: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}: {quoted(values[k])}" for k in FIELDS) + "}"


def record_acceptance(text: str, by: str, rationale: str, until: str) -> str:
    """The file's text with ``acceptance`` set to these values (``by`` is ``@login``)."""
    values = {"by": by, "rationale": rationale, "until": until}
    file, loaded, root = mapping_file(text, AcceptanceError)
    body = file.body
    found = key_of(root, "acceptance")
    if found is None:
        lines = ["acceptance:", *(f"  {k}: {quoted(values[k])}" for k in FIELDS)]
        new_body = with_section(file, root, lines, AcceptanceError)
    else:
        _, node = found
        if not isinstance(node, MappingNode) or node.flow_style or not node.value:
            start, end = file.span(node)
            new_body = apply(body, [Edit(start, end, _flow(values))])
        else:
            new_body = apply(body, _block_edits(file, node, values))
    _check_result(loaded.data, new_body, values)
    return file.with_body(new_body)


def _block_edits(file: EditableText, node: MappingNode, values: dict[str, str]) -> list[Edit]:
    indent = " " * node.value[0][0].start_mark.column
    edits: list[Edit] = []
    missing: list[str] = []
    for name in FIELDS:
        pair = key_of(node, name)
        if pair is None:
            missing.append(f"{indent}{name}: {quoted(values[name])}")
        elif isinstance(pair[1], ScalarNode) and pair[1].style not in ("|", ">"):
            start, end = file.span(pair[1])
            edits.append(Edit(start, end, scalar_like(pair[1], values[name])))
        else:
            raise AcceptanceError(f"`acceptance.{name}` is not a one-line value; edit it by hand")
    if missing:
        last = node.value[-1][1]
        at = file.line_end(max(file.offset(last.end_mark) - 1, 0))
        edits.append(Edit(at, at, file.lines(*missing)))
    return edits


def _check_result(before: dict[str, Any], body: str, values: dict[str, str]) -> None:
    """Only ``acceptance`` may change, and it must hold exactly the values asked for."""
    after = load_yaml("risk", body.encode("utf-8"))
    block = after.data.get("acceptance") if after.ok else None
    same_rest = after.ok and {k: v for k, v in after.data.items() if k != "acceptance"} == {
        k: v for k, v in before.items() if k != "acceptance"
    }
    wanted = (
        {k: v for k, v in (block or {}).items() if k in FIELDS} if isinstance(block, dict) else {}
    )
    if not same_rest or wanted != values:
        raise AcceptanceError("the edit did not produce the expected YAML; file left unchanged")
