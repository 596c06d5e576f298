"""The compiled validators: the code of the shipped schemas, from a cache never trusted blindly.

Each test gets a cache folder of its own; the shipped schemas are compiled fresh by
fastjsonschema to compare against.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest

from bot.register import compiled
from bot.register.schemas import POLICY_SCHEMA, RISK_SCHEMA, _is_date, load_schema, schema_bytes
from tests.factories import POLICY, REGISTER, RISKS

SCHEMAS = [RISK_SCHEMA, POLICY_SCHEMA]
FORMATS = {"date": _is_date}


def build(name: str, folder: Path | None) -> compiled.Check:
    return compiled.compile_schema(schema_bytes(name), FORMATS, folder=folder, parse=json.loads)


def entry(folder: Path, name: str) -> Path:
    return folder / compiled.cache_key(schema_bytes(name))


def documents(name: str) -> list[Any]:
    import yaml

    if name == POLICY_SCHEMA:
        return [yaml.safe_load(POLICY.read_text(encoding="utf-8"))]
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(RISKS.glob("*.yaml"))]


def accepts(check: compiled.Check, data: Any) -> bool:
    try:
        check(data)
    except ValueError:
        return False
    return True


def count_compiles(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one each time a schema is compiled."""
    calls: list[int] = []
    original = compiled.generate_source

    def counted(schema: Any) -> tuple[str, str]:
        calls.append(1)
        return original(schema)

    monkeypatch.setattr(compiled, "generate_source", counted)
    return calls


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "riskbot"


@pytest.mark.parametrize("name", SCHEMAS)
def test_the_cached_code_is_the_code_of_the_shipped_schema(name: str, folder: Path) -> None:
    build(name, folder)  # writes the entry
    found = compiled._load(folder, compiled.cache_key(schema_bytes(name)))
    assert found is not None
    entry_name, code = found
    source, expected_name = compiled.generate_source(load_schema(name))
    assert entry_name == expected_name
    assert code == compile(source, f"<validator {expected_name}>", "exec")
    # The one change made to fastjsonschema's code: it does not import fastjsonschema.
    assert "fastjsonschema" not in source
    assert "import fastjsonschema" not in source
    assert source == fastjsonschema.compile_to_code(load_schema(name), formats=FORMATS).replace(
        compiled._IMPORT_LINE, "", 1
    )


@pytest.mark.parametrize("name", SCHEMAS)
def test_cached_uncached_and_fastjsonschema_agree(name: str, folder: Path) -> None:
    cold, warm, bare = build(name, folder), build(name, folder), build(name, None)
    reference = fastjsonschema.compile(load_schema(name), formats=FORMATS)
    for doc in documents(name):
        doc = json.loads(json.dumps(doc, default=str))
        for mutated in (doc, {**doc, "unknown": 1}, {k: v for k, v in doc.items() if k != "id"}):
            expected = accepts(reference, json.loads(json.dumps(mutated)))
            for check in (cold, warm, bare):
                assert accepts(check, json.loads(json.dumps(mutated))) == expected


def test_a_warm_start_reads_the_entry_and_compiles_nothing(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(RISK_SCHEMA, folder)

    def refuse(schema: Any) -> tuple[str, str]:
        raise AssertionError("compiled again although the cache holds the entry")

    monkeypatch.setattr(compiled, "generate_source", refuse)
    assert accepts(build(RISK_SCHEMA, folder), documents(RISK_SCHEMA)[0])


def test_entries_are_private_and_named_by_what_the_code_depends_on(folder: Path) -> None:
    for name in SCHEMAS:
        build(name, folder)
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(compiled.cache_key(schema_bytes(n)) for n in SCHEMAS)
    assert compiled.cache_key(schema_bytes(RISK_SCHEMA)) != compiled.cache_key(
        schema_bytes(RISK_SCHEMA) + b" "
    )
    if hasattr(os, "geteuid"):
        assert folder.stat().st_mode & 0o777 == 0o700
        assert all(p.stat().st_mode & 0o777 == 0o600 for p in folder.iterdir())


def _tamper_payload(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:100])


def _other_key(path: Path) -> None:
    fmt, _key, rest = path.read_bytes().split(b"\n", 2)
    path.write_bytes(b"\n".join([fmt, b"0" * 64, rest]))


def _not_code(path: Path) -> None:
    import hashlib
    import marshal

    fmt, key, name, _digest, _payload = path.read_bytes().split(b"\n", 4)
    payload = marshal.dumps({"not": "code"})
    digest = hashlib.sha256(payload).hexdigest().encode()
    path.write_bytes(b"\n".join([fmt, key, name, digest, payload]))


def _bad_name(path: Path) -> None:
    fmt, key, _name, rest = path.read_bytes().split(b"\n", 3)
    path.write_bytes(b"\n".join([fmt, key, b"__import__('os').system", rest]))


def _symlink(path: Path) -> None:
    target = path.with_name("elsewhere")
    path.rename(target)
    path.symlink_to(target)


@pytest.mark.parametrize(
    "spoil", [_tamper_payload, _truncate, _other_key, _not_code, _bad_name, _symlink]
)
def test_a_spoiled_entry_is_ignored_and_replaced(
    spoil: Any, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(RISK_SCHEMA, folder)
    path = entry(folder, RISK_SCHEMA)
    spoil(path)
    calls = count_compiles(monkeypatch)
    check = build(RISK_SCHEMA, folder)
    assert calls == [1]  # compiled afresh
    assert accepts(check, json.loads(json.dumps(documents(RISK_SCHEMA)[0], default=str)))
    assert not path.is_symlink()
    assert compiled._load(folder, path.name) is not None  # and written again, whole


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="no file owners on this platform")
def test_a_cache_others_can_write_is_neither_read_nor_written(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(RISK_SCHEMA, folder)
    folder.chmod(0o777)
    calls = count_compiles(monkeypatch)
    build(RISK_SCHEMA, folder)
    assert calls == [1]
    entry(folder, RISK_SCHEMA).unlink()
    build(RISK_SCHEMA, folder)
    assert not entry(folder, RISK_SCHEMA).exists()  # not written into a folder others can write
    folder.chmod(0o700)
    monkeypatch.setattr(os, "geteuid", lambda: os.getuid() + 1)  # as if another user owned it
    build(RISK_SCHEMA, folder)
    assert calls == [1, 1, 1]


def test_an_unwritable_cache_still_validates(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    check = build(RISK_SCHEMA, blocker / "riskbot")
    assert accepts(check, json.loads(json.dumps(documents(RISK_SCHEMA)[0], default=str)))


def test_cache_folder_follows_the_xdg_rules(tmp_path: Path) -> None:
    home = str(tmp_path)
    assert compiled.cache_dir({"HOME": home}) == tmp_path / ".cache" / "riskbot"
    assert compiled.cache_dir({"HOME": home, "XDG_CACHE_HOME": "/x/c"}) == Path("/x/c/riskbot")
    assert compiled.cache_dir({"HOME": home, "XDG_CACHE_HOME": "rel"}) == Path(
        home, ".cache", "riskbot"
    )
    assert compiled.cache_dir({"HOME": home, "RISKBOT_CACHE": "0"}) is None


def test_a_warm_check_imports_neither_validation_library(tmp_path: Path) -> None:
    """What `python -X importtime riskbot check` would show, asserted: no jsonschema, no
    fastjsonschema (nor PyGithub, requests, multiprocessing, hashlib's OpenSSL, tempfile or
    statistics) on a clean register."""
    script = (
        "import sys\n"
        "from bot.cli import main\n"
        "sys.argv = ['riskbot', 'check', '--root', sys.argv[1], '--format', 'json']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        "heavy = ('jsonschema', 'fastjsonschema', 'github', 'requests', 'multiprocessing',\n"
        "         'hashlib', 'tempfile', 'statistics')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy), file=sys.stderr)\n"
    )
    # Fresh interpreters, not the tests' runner: only a new process shows in sys.modules what the
    # command alone imports, and only a second one starts with the cache warm. Without
    # coverage's start-up hook, which would import more than riskbot does.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "COV_CORE_"))}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    root = str(REGISTER)
    cold = subprocess.run(
        [sys.executable, "-c", script, root], env=env, capture_output=True, text=True, check=True
    )
    assert "'fastjsonschema'" in cold.stderr  # the first run compiles
    warm = subprocess.run(
        [sys.executable, "-c", script, root], env=env, capture_output=True, text=True, check=True
    )
    assert warm.stderr.strip().splitlines()[-1] == "[]"


def test_pr_outside_actions_imports_neither_pygithub_nor_jsonschema(tmp_path: Path) -> None:
    """The approvals are read (with PyGithub) only in a pull request's run, and jsonschema
    explains only a file that fails: a local `riskbot pr` of valid files needs neither."""
    repo = tmp_path / "repo"
    shutil.copytree(REGISTER, repo)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], check=True)
    risk = next((repo / "risks").glob("R-001-*.yaml"))
    risk.write_text(risk.read_text(encoding="utf-8").replace("note: ", "note: again ", 1))
    subprocess.run([*git, "commit", "-q", "-a", "-m", "head"], check=True)
    script = (
        "import sys\n"
        "from bot.cli import main\n"
        "sys.argv = ['riskbot', 'pr', '--root', sys.argv[1], '--base', 'HEAD~1', '--head',\n"
        "            'HEAD', '--format', 'json']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        "heavy = ('jsonschema', 'github', 'requests')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy), file=sys.stderr)\n"
    )
    # A fresh interpreter: only a new process shows in sys.modules what the command imports.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "COV_CORE_"))}
    env = {k: v for k, v in env.items() if not k.startswith("GITHUB_")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    done = subprocess.run(
        [sys.executable, "-c", script, str(repo)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stderr.strip().splitlines()[-1] == "[]"
