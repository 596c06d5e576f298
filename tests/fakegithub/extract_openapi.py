"""Extract the slice of GitHub's OpenAPI description that the fake server implements.

Usage::

    npm install --prefix /tmp/octo @octokit/openapi
    python tests/fakegithub/extract_openapi.py \
        /tmp/octo/node_modules/@octokit/openapi/generated/api.github.com.json

It writes ``tests/fakegithub/openapi_subset.json`` (next to this script; ``-o`` picks another
path).  The output holds, for every operation listed in ``OPERATIONS`` (the routes the fake
server serves), the JSON Schema of each documented response body (success and error) and of
the request body, keyed ``"METHOD /path/template"``.  Shared schemas stay under
``components.schemas`` and are referenced as ``#/components/schemas/NAME``; only those reachable
from the listed operations are kept.  The schemas are converted from OpenAPI 3.0 to plain JSON
Schema (draft 2020-12):

* ``nullable: true`` becomes a type union with ``"null"`` (``null`` is added to an ``enum``),
  or ``anyOf: [{"type": "null"}, ...]`` when the schema has no ``type``;
* siblings of ``$ref`` are dropped (OpenAPI 3.0 ignores them), except ``nullable``;
* boolean ``exclusiveMinimum``/``exclusiveMaximum`` become the numeric form;
* descriptions, examples, ``x-*`` extensions and other documentation-only keys are removed.

To validate a body against operation ``op`` and status ``s``, build the root schema
``{"components": subset["components"], **subset["operations"][op]["responses"][s]["schema"]}``
(see ``tests/fakegithub/plugin.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

# The operations served by tests/fakegithub/server.py (kept in sync by a test).
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("GET", "/repos/{owner}/{repo}"),
    ("GET", "/repos/{owner}/{repo}/issues"),
    ("POST", "/repos/{owner}/{repo}/issues"),
    ("GET", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("GET", "/repos/{owner}/{repo}/issues/comments"),
    ("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("PUT", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}"),
    ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/assignees"),
    ("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/assignees"),
    ("GET", "/repos/{owner}/{repo}/labels"),
    ("POST", "/repos/{owner}/{repo}/labels"),
    ("GET", "/repos/{owner}/{repo}/labels/{name}"),
    ("PATCH", "/repos/{owner}/{repo}/labels/{name}"),
    ("DELETE", "/repos/{owner}/{repo}/labels/{name}"),
    ("GET", "/repos/{owner}/{repo}/assignees"),
    ("GET", "/repos/{owner}/{repo}/assignees/{assignee}"),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"),
    ("GET", "/repos/{owner}/{repo}/pulls"),
    ("POST", "/repos/{owner}/{repo}/pulls"),
    ("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"),
    ("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"),
    ("GET", "/repos/{owner}/{repo}/git/ref/{ref}"),
    ("GET", "/repos/{owner}/{repo}/git/matching-refs/{ref}"),
    ("POST", "/repos/{owner}/{repo}/git/refs"),
    ("PATCH", "/repos/{owner}/{repo}/git/refs/{ref}"),
    ("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}"),
    ("POST", "/repos/{owner}/{repo}/git/trees"),
    ("GET", "/repos/{owner}/{repo}/git/commits/{commit_sha}"),
    ("POST", "/repos/{owner}/{repo}/git/commits"),
    ("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}"),
    ("GET", "/user"),
    ("GET", "/rate_limit"),
    # A portfolio: an organisation's repositories, a ref's commit, a repository's archive.
    ("GET", "/repos/{owner}/{repo}/commits/{ref}"),
    ("GET", "/repos/{owner}/{repo}/tarball/{ref}"),
    ("GET", "/orgs/{org}/repos"),
    ("GET", "/orgs/{org}/properties/values"),
    # Vendoring a base policy: the commit a ref names (above), a file's contents at a commit.
    ("GET", "/repos/{owner}/{repo}/contents/{path}"),
)

SCHEMA_PREFIX = "#/components/schemas/"
RESPONSE_PREFIX = "#/components/responses/"
# Keys that only document a schema; dropped from the output.
DOC_KEYS = frozenset(
    {"description", "example", "examples", "externalDocs", "xml", "discriminator", "title"}
)
# Keys whose value is a single subschema, a list of subschemas, or a name -> subschema map.
SINGLE_SCHEMA_KEYS = frozenset({"items", "not", "additionalProperties"})
LIST_SCHEMA_KEYS = frozenset({"allOf", "anyOf", "oneOf"})
MAP_SCHEMA_KEYS = frozenset({"properties", "patternProperties"})


def convert_schema(schema: Any, refs: set[str]) -> Any:
    """Return an OpenAPI 3.0 schema object as JSON Schema; collect component names in refs."""
    if not isinstance(schema, dict):
        return schema  # booleans (additionalProperties: false) and the like
    if "$ref" in schema:
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith(SCHEMA_PREFIX):
            raise ValueError(f"unsupported $ref {ref!r}")
        refs.add(ref.removeprefix(SCHEMA_PREFIX))
        out: dict[str, Any] = {"$ref": ref}
        if schema.get("nullable") is True:
            return {"anyOf": [{"type": "null"}, out]}
        return out

    out = {}
    for key, value in schema.items():
        if key in DOC_KEYS or key.startswith("x-") or key == "nullable":
            continue
        if key in SINGLE_SCHEMA_KEYS:
            out[key] = convert_schema(value, refs)
        elif key in LIST_SCHEMA_KEYS:
            out[key] = [convert_schema(item, refs) for item in value]
        elif key in MAP_SCHEMA_KEYS:
            out[key] = {name: convert_schema(sub, refs) for name, sub in value.items()}
        else:
            out[key] = value

    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if out.get(bound) is True and limit in out:
            out[bound] = out.pop(limit)
        elif out.get(bound) is False:
            del out[bound]

    if schema.get("nullable") is True:
        if "type" in out:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            if "null" not in types:
                types = [*types, "null"]
            out["type"] = types
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


def _json_schema_of(content: dict[str, Any] | None) -> dict[str, Any] | None:
    if not content:
        return None
    for media_type in ("application/json", "application/scim+json"):
        if media_type in content and "schema" in content[media_type]:
            schema: dict[str, Any] = content[media_type]["schema"]
            return schema
    return None


def extract(spec: dict[str, Any]) -> dict[str, Any]:
    """Build the subset document from the full OpenAPI description."""
    all_schemas: dict[str, Any] = spec["components"]["schemas"]
    all_responses: dict[str, Any] = spec["components"]["responses"]
    refs: set[str] = set()
    operations: dict[str, Any] = {}

    for method, template in OPERATIONS:
        try:
            operation = spec["paths"][template][method.lower()]
        except KeyError as missing:
            raise SystemExit(f"{method} {template} is not in the description") from missing
        responses: dict[str, Any] = {}
        for status, response in sorted(operation["responses"].items()):
            if "$ref" in response:
                response = all_responses[response["$ref"].removeprefix(RESPONSE_PREFIX)]
            raw = _json_schema_of(response.get("content"))
            responses[status] = {"schema": None if raw is None else convert_schema(raw, refs)}
        request_raw = _json_schema_of(operation.get("requestBody", {}).get("content"))
        operations[f"{method} {template}"] = {
            "operationId": operation["operationId"],
            "request": None if request_raw is None else convert_schema(request_raw, refs),
            "responses": responses,
        }

    # Convert referenced components, following references transitively.
    components: dict[str, Any] = {}
    pending = sorted(refs)
    while pending:
        name = pending.pop()
        if name in components:
            continue
        found: set[str] = set()
        components[name] = convert_schema(all_schemas[name], found)
        pending.extend(sorted(found - components.keys()))

    info = spec.get("info", {})
    return {
        "source": {
            "description": "GitHub REST API OpenAPI description (@octokit/openapi), converted "
            "to JSON Schema by tests/fakegithub/extract_openapi.py; do not edit by hand",
            "openapi": spec.get("openapi"),
            "info_version": info.get("version"),
        },
        "operations": operations,
        "components": {"schemas": dict(sorted(components.items()))},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("spec", type=Path, help="path to api.github.com.json")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path(__file__).with_name("openapi_subset.json"),
        help="where to write the subset (default: next to this script)",
    )
    args = parser.parse_args(argv)
    with args.spec.open(encoding="utf-8") as handle:
        spec = json.load(handle)
    subset = extract(spec)
    text = json.dumps(subset, indent=1, sort_keys=False, ensure_ascii=False) + "\n"
    args.output.write_text(text, encoding="utf-8")
    print(
        f"wrote {args.output}: {len(subset['operations'])} operations, "
        f"{len(subset['components']['schemas'])} schemas, {len(text)} bytes",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
