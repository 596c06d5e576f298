"""Case 5: the cost of checking one file is bounded, whatever its shape.

Every unknown key's line used to be found by scanning all the keys of its mapping: 30,000
unknown keys took 38 s, 90,000 ran past 300 s. Lines now come from an index built once per
mapping, and a file past 10,000 nodes stops at the node that passes the limit (PyYAML spends a
few microseconds on each node, so that bounds a 1 MiB file of tiny keys too). The bound asserted
is generous (2 s); it is on the CPU time of the check, so that other work on the machine (the
suite's other workers too) does not count. The figures measured are in the README's "Security".
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from bot.register.load import Loaded, SourceFile, build_register
from bot.register.yamlfile import MAX_FILE_BYTES
from tests.factories import POLICY, risk_yaml

MAX_NODES = 10_000  # the documented limit (README, "Security")
BOUND = 2.0
BASE = risk_yaml("R-100")


def fill(head: str, line: Callable[[int], str], *, limit: int = MAX_FILE_BYTES) -> str:
    """``head``, then ``line(0)``, ``line(1)`` … for as long as the text stays within ``limit``."""
    parts, size, i = [head], len(head), 0
    while size + len(line(i)) <= limit:
        parts.append(line(i))
        size += len(line(i))
        i += 1
    return "".join(parts)


def timed_check(text: str) -> tuple[Loaded, float]:
    raw = text.encode("utf-8")
    assert len(raw) <= MAX_FILE_BYTES
    policy = SourceFile(".github/riskbot.yml", POLICY.read_bytes())
    build_register(policy, [])  # schemas compiled once per process, as in a real run
    start = time.process_time()
    loaded = build_register(policy, [SourceFile("risks/R-100-big.yaml", raw)])
    return loaded, time.process_time() - start


SHAPES = {
    "30,000 unknown keys": BASE + "".join(f"unknown_key_{i:06d}_xx: 1\n" for i in range(30_000)),
    "1 MiB of unknown keys (110,000+)": fill(BASE, lambda i: f"k{i:x}: 1\n"),
    "1 MiB of flow mapping": fill(BASE + "x: {", lambda i: f"k{i:x}: 1, ") + "}\n",
    "1 MiB list of wrong items": fill(
        BASE.replace("  prevention:\n  - Plan\n", "  prevention:\n"), lambda i: "  - 1\n"
    ),
    "deep nesting": BASE + "deep: " + "[" * 900 + "]" * 900 + "\n",
    "1 MiB scalar": BASE.replace(
        "Something could go wrong.", "x" * (MAX_FILE_BYTES - len(BASE) - 64)
    ),
    "aliases near the limit": BASE + "a: &a [" + "1, " * 400 + "]\n" + "b: [" + "*a, " * 20 + "]\n",
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_file_of_any_shape_checks_within_the_bound(shape: str) -> None:
    loaded, seconds = timed_check(SHAPES[shape])
    assert seconds < BOUND, f"{shape}: {seconds:.2f}s"
    assert bool(loaded.errors) == (shape != "1 MiB scalar"), shape  # only that one is valid


def test_the_node_limit_is_one_finding_on_the_line_that_passes_it() -> None:
    loaded, _ = timed_check(SHAPES["1 MiB of unknown keys (110,000+)"])
    [finding] = loaded.findings
    assert finding.code == "too-many-nodes"
    # The head holds 41 nodes, each further line two (a key and its value).
    head_nodes = MAX_NODES - 2 * (finding.line - BASE.count("\n") - 1)
    assert 0 < head_nodes <= 50


def test_every_unknown_key_below_the_limit_is_one_finding_on_its_own_line() -> None:
    count = 4_900
    lines = BASE.count("\n")
    loaded, seconds = timed_check(BASE + "".join(f"extra_{i}: {i}\n" for i in range(count)))
    assert seconds < BOUND
    unknown = [f for f in loaded.findings if f.message.startswith("unknown key")]
    assert len(unknown) == count
    assert {(f.path, f.line) for f in unknown} == {
        ((f"extra_{i}",), lines + 1 + i) for i in range(count)
    }


def test_a_typo_still_gets_its_hint() -> None:
    loaded, _ = timed_check(BASE + "titel: x\n")
    assert [f.message for f in loaded.errors] == ["unknown key 'titel' (did you mean 'title'?)"]


def test_every_wrong_item_of_a_long_list_is_one_finding_on_its_own_line() -> None:
    count = 5_000
    head = BASE.replace("  prevention:\n  - Plan\n", "  prevention:\n")
    first = head.index("  prevention:\n") + len("  prevention:\n")
    text = head[:first] + "  - 1\n" * count + head[first:]
    line = text[:first].count("\n") + 1
    loaded, seconds = timed_check(text)
    assert seconds < BOUND
    assert [(f.path, f.line) for f in loaded.errors] == [
        (("mitigation", "prevention", i), line + i) for i in range(count)
    ]
