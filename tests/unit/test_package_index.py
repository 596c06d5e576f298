"""What a package index holds, asked as `riskbot init` asks it: over HTTP from a local server
(a folder's listing, a PEP 503 page, PEP 691 JSON), or from a folder (``file:``)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.documents import package_index
from bot.documents.init import InitError, ensure_installable

WHEEL = "riskbot-1.2.0-py3-none-any.whl"


class Pages(SimpleHTTPRequestHandler):
    """A folder served as an index; ``/json/…`` answers PEP 691 JSON; ``/broken/…`` fails."""

    def do_GET(self) -> None:
        if self.path.startswith("/json/"):
            files = [
                {"filename": WHEEL, "url": WHEEL, "hashes": {}},
                {"filename": "riskbot-1.3.0.tar.gz", "url": "x", "hashes": {}, "yanked": True},
            ]
            body = json.dumps({"meta": {"api-version": "1.0"}, "name": "riskbot", "files": files})
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
            self.end_headers()
            self.wfile.write(body.encode())
        elif self.path.startswith("/broken/"):
            self.send_error(503)
        else:
            super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "riskbot").mkdir()
    (tmp_path / "riskbot" / WHEEL).write_bytes(b"")
    (tmp_path / "riskbot" / "riskbot-1.1.0.tar.gz").write_bytes(b"")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Pages, directory=str(tmp_path)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_a_folder_listing_over_http(server: str) -> None:
    files = package_index.project_files("riskbot", server)
    assert package_index.holds("riskbot", "1.2.0", files)  # the wheel
    assert package_index.holds("riskbot", "1.1.0", files)  # the sdist
    assert not package_index.holds("riskbot", "1.2", files)
    assert package_index.project_files("no-such-project", server) == []  # 404: not there


def test_json_pages_and_yanked_files(server: str) -> None:
    files = package_index.project_files("riskbot", f"{server}/json/")
    assert files == [WHEEL]  # 1.3.0 was yanked: no pin of it
    assert not package_index.holds("riskbot", "1.3.0", files)


def test_an_index_that_cannot_answer_is_said(server: str) -> None:
    with pytest.raises(package_index.IndexUnreadable, match="HTTP 503"):
        package_index.project_files("riskbot", f"{server}/broken/")
    with pytest.raises(package_index.IndexUnreadable):
        package_index.project_files("riskbot", "http://127.0.0.1:1/")  # nothing listens
    with pytest.raises(package_index.IndexUnreadable, match="not an http"):
        package_index.project_files("riskbot", "ftp://example.invalid/")


def test_a_folder_index_with_pages_and_yanked_anchors(tmp_path: Path) -> None:
    (tmp_path / "riskbot").mkdir()
    (tmp_path / "riskbot" / "index.html").write_text(
        f'<a href="../../files/{WHEEL}#sha256=00">{WHEEL}</a>\n'
        '<a data-yanked="" href="riskbot-1.3.0.tar.gz">riskbot-1.3.0.tar.gz</a>\n',
        encoding="utf-8",
    )
    files = package_index.project_files("RiskBot", tmp_path.as_uri())  # names are normalised
    assert files == [WHEEL]
    assert package_index.project_files("other", tmp_path.as_uri()) == []


def test_a_pin_is_written_only_when_the_index_holds_it(server: str) -> None:
    assert ensure_installable("riskbot==1.2.0", given=True, index=server) == "riskbot==1.2.0"
    with pytest.raises(InitError, match=r"has no riskbot 9\.9\.9, so the workflows could not"):
        ensure_installable("riskbot==9.9.9", given=True, index=server)
    with pytest.raises(InitError, match="could not ask the package index"):
        ensure_installable("riskbot==1.2.0", given=False, index=f"{server}/broken/")
    url = "git+https://github.com/OWNER/riskbot@" + "0" * 40
    assert ensure_installable(url, given=True, index=f"{server}/broken/") == url  # as given
