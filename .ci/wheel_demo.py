"""Run ``walkthetalk demo`` from an installed wheel and read its pages over HTTP.

Used by .ci/run with the Python of a fresh virtual environment into which only the built wheel
was installed, so a template or static file missing from the package fails CI. Standard library
only. Starts the demo in an empty folder, waits for it, reads the participant and staff pages
and every static file they name, then stops it as Ctrl+C does and checks it stopped cleanly.
"""

from __future__ import annotations

import argparse
import html.parser
import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

PUBLIC_PAGES = ["/", "/welcome/", "/accounts/login/", "/messenger/", "/api/docs"]
PARTICIPANT_PAGES = ["/agenda/backlog/", "/agenda/you-said-we-did/"]
STAFF_PAGES = [
    "/conversations/",
    "/agenda/manage/northhaven/",
    "/map/northhaven/",
    "/pulse/northhaven/",
]
STAFF_USER = "facilitator"
DEMO_PASSWORD = "walk-the-talk-demo"  # noqa: S105 - the demo's published password

# The settings a run of the CLI reads from its environment; each run here names its own.
OWN_SETTINGS = ("WALKTHETALK_", "DJANGO_", "DATABASE_URL")


class Links(html.parser.HTMLParser):
    """The static files a page names, and its CSRF token."""

    def __init__(self) -> None:
        super().__init__()
        self.static: set[str] = set()
        self.csrf = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("href", "src"):
            value = found.get(name) or ""
            if value.startswith("/static/"):
                self.static.add(value)
        if found.get("name") == "csrfmiddlewaretoken":
            self.csrf = found.get("value") or ""


def fail(message: str, output: str = "") -> None:
    print(f"wheel demo: {message}", file=sys.stderr)
    if output:
        print(output, file=sys.stderr)
    raise SystemExit(1)


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.static: set[str] = set()

    def get(self, path: str, data: dict[str, str] | None = None) -> tuple[str, Links]:
        url = path if path.startswith("http") else self.base + path
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Referer": self.base + "/"}
        request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 - http
        try:
            with self.opener.open(request, timeout=60) as response:
                landed = urllib.parse.urlsplit(response.url).path
                is_html = response.headers.get_content_type() == "text/html"
                text = response.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            fail(f"{path} answered {exc.code}")
        if landed == "/accounts/login/" and not path.startswith("/accounts/login/"):
            fail(f"{path} sent this browser to the sign-in page")
        links = Links()
        if is_html:
            links.feed(text)
        self.static |= links.static
        return text, links


def wait_for(url: str, proc: subprocess.Popen[str], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            fail(f"the demo ended early with exit code {proc.returncode}", log.read_text())
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - http on loopback
                return
        except OSError:
            time.sleep(1)
    fail(f"the demo did not answer at {url} within {timeout:.0f} s")


def read_pages(base: str, output: str) -> None:
    """Read the public, participant and staff pages and every static file they name."""
    links = re.findall(r"http://\S+/join/\?t=\S+", output)
    if not links:
        fail("the demo printed no participant link", output)
    visitor = Browser(base)
    for path in PUBLIC_PAGES:
        visitor.get(path)
    participant = Browser(base)
    _, start = participant.get(links[0])  # shows a start button; its POST redeems
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(links[0]).query)["t"][0]
    page, _ = participant.get("/join/", {"t": token, "csrfmiddlewaretoken": start.csrf})
    if "Walk the Talk" not in page:
        fail("the participant link did not open the participant home", page)
    for path in PARTICIPANT_PAGES:
        participant.get(path)
    staff = Browser(base)
    _, login = staff.get("/accounts/login/")
    staff.get(
        "/accounts/login/",
        {"username": STAFF_USER, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": login.csrf},
    )
    for path in STAFF_PAGES:
        staff.get(path)
    static = visitor.static | participant.static | staff.static
    if not static:
        fail("the pages name no static files")
    for path in sorted(static):
        visitor.get(path)
    pages = len(PUBLIC_PAGES) + len(PARTICIPANT_PAGES) + len(STAFF_PAGES) + 1
    print(f"read {pages} pages and {len(static)} static files")


def stop(proc: subprocess.Popen[str]) -> None:
    """Stop the demo as Ctrl+C in a terminal would (and for good if it does not listen)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def check_stopped_cleanly(proc: subprocess.Popen[str], log: Path, folder: Path, data: Path) -> None:
    output = log.read_text()
    if proc.returncode != 0 or "Traceback" in output:
        fail(f"the demo did not stop cleanly (exit code {proc.returncode})", output)
    if not output.rstrip().endswith("The demo has stopped."):
        fail("the demo did not say it stopped", output)
    made = sorted(p.name for p in folder.iterdir())
    if made != [data.name]:
        fail(f"the demo made more than its data folder here: {made}")
    print("the demo stopped cleanly on Ctrl+C")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--walkthetalk", required=True, help="the installed console script")
    parser.add_argument("--folder", required=True, type=Path, help="an empty folder to run in")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    folder: Path = args.folder
    data = folder / "walkthetalk-data"
    base = f"http://127.0.0.1:{args.port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_SETTINGS)}
    env.pop("PYTHONPATH", None)
    env["PYTHONUNBUFFERED"] = "1"
    log = folder.parent / "wheel-demo.log"
    with open(log, "w") as out:
        started = time.monotonic()
        proc = subprocess.Popen(  # noqa: S603 - our own console script
            [args.walkthetalk, "demo", "--port", str(args.port)],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            wait_for(base + "/", proc, log, timeout=900)
            print(f"the demo answered after {time.monotonic() - started:.0f} s")
            read_pages(base, log.read_text())
        finally:
            stop(proc)
    check_stopped_cleanly(proc, log, folder, data)


if __name__ == "__main__":
    main()
