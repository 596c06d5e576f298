"""Whether a package index holds a release: asked before `riskbot init` writes a pin of it.

A workflow that installs ``riskbot==X`` where no index holds X fails on its first run, in
someone else's repository. So init asks the index pip would ask (``PIP_INDEX_URL``, else PyPI)
through its simple API (PEP 503 pages, or PEP 691 JSON when the index offers it), with a short
timeout, and writes the pin only when a file of that version is there and not yanked. A
``file://`` index is a folder: a project's files are listed in ``NAME/index.html``, or are the
folder ``NAME/`` itself.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

DEFAULT_INDEX = "https://pypi.org/simple/"
INDEX_TIMEOUT = 5.0
"""Seconds init waits for the index: it answers in well under one, or not at all."""
MAX_PAGE = 8 * 1024 * 1024
"""Most bytes of a project page read (PyPI's largest pages are a few MiB)."""
ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.1"
)
_ANCHOR = re.compile(r"<a\s[^>]*>", re.IGNORECASE)
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


class IndexUnreadable(Exception):
    """The index could not be asked (offline, refused, timed out, not an index)."""


def index_url() -> str:
    """The index pip asks: ``PIP_INDEX_URL``, else PyPI's."""
    return os.environ.get("PIP_INDEX_URL", "").strip() or DEFAULT_INDEX


def normalized(name: str) -> str:
    """A project's name as index URLs spell it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _file_name(href: str) -> str:
    return unquote(href.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1])


def _from_html(text: str) -> list[str]:
    names = []
    for anchor in _ANCHOR.findall(text):
        href = _HREF.search(anchor)
        if href is not None and "data-yanked" not in anchor.lower():
            names.append(_file_name(href.group(1)))
    return names


def _from_json(data: Any) -> list[str]:
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list):
        raise IndexUnreadable("its answer is not a project page")
    return [
        str(f.get("filename", "")) for f in files if isinstance(f, dict) and not f.get("yanked")
    ]


def _folder_files(folder: Path) -> list[str]:
    page = folder / "index.html"
    if page.is_file():
        return _from_html(page.read_text(encoding="utf-8", errors="replace"))
    return [p.name for p in folder.iterdir()] if folder.is_dir() else []


def project_files(name: str, index: str, *, timeout: float = INDEX_TIMEOUT) -> list[str]:
    """The names of the files an index holds for a project (none: it has no such project)."""
    url = f"{index.rstrip('/')}/{normalized(name)}/"
    parts = urlparse(url)
    if parts.scheme == "file":
        return _folder_files(Path(unquote(parts.path)))
    if parts.scheme not in ("https", "http"):
        raise IndexUnreadable(f"{index} is not an http(s) or file URL")
    request = urllib.request.Request(url, headers={"Accept": ACCEPT})  # noqa: S310 - checked above
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            body = answer.read(MAX_PAGE)
            kind = answer.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return []
        raise IndexUnreadable(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise IndexUnreadable(str(reason) or type(exc).__name__) from None
    text = body.decode("utf-8", "replace")
    if kind.endswith("json"):
        try:
            return _from_json(json.loads(text))
        except json.JSONDecodeError:
            raise IndexUnreadable("its JSON answer does not parse") from None
    return _from_html(text)


def holds(name: str, version: str, files: list[str]) -> bool:
    """Whether these files hold a wheel or an sdist of ``name`` at ``version``."""
    stem = f"{normalized(name).replace('-', '_')}-{version}".lower()
    plain = f"{normalized(name)}-{version}".lower()
    for file in (f.lower() for f in files):
        if file.startswith(f"{stem}-") and file.endswith(".whl"):
            return True
        if file in (f"{stem}.tar.gz", f"{plain}.tar.gz", f"{stem}.zip", f"{plain}.zip"):
            return True
    return False
