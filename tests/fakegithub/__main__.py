"""Run the fake GitHub server by hand.

    python -m tests.fakegithub --port 8765 --repo owner/name [--token T] [--seed-issues N]

Then e.g. ``curl -H 'Authorization: token T' http://127.0.0.1:8765/repos/owner/name/issues``.
Stop with Ctrl-C.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from tests.fakegithub.server import FakeGitHub


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakegithub", description=__doc__)
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--repo", default="octo-org/risk-register", help="owner/name")
    parser.add_argument(
        "--token", default="fake-token", help="accepted token; 'any' accepts every token"
    )
    parser.add_argument("--seed-issues", type=int, default=0, help="create N open issues")
    args = parser.parse_args(argv)
    # Ctrl-C stops it even when a shell started it in the background: a shell without job
    # control starts background jobs with SIGINT ignored, and Python then leaves it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    server = FakeGitHub(
        args.repo,
        token=None if args.token == "any" else args.token,
        port=args.port,
        host=args.host,
    )
    for number in range(1, args.seed_issues + 1):
        server.add_issue(f"Seeded issue {number}", f"Body of seeded issue {number}.")
    with server:
        print(f"fake GitHub for {args.repo} at {server.url} (token: {args.token})", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopping", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
