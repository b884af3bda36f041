"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, plus axe checks."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = os.environ.get("WALKTHETALK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is required for browser tests and was not found at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A phone-sized page."""
    yield from _page(browser, PHONE)


@pytest.fixture(params=[PHONE, DESKTOP], ids=["phone", "desktop"])
def sized_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """The same test on a phone (390×844) and on a desktop (1366×768)."""
    yield from _page(browser, request.param)


def _page(browser: Browser, viewport: dict[str, int]) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    external: list[str] = []
    page.on(
        "request",
        lambda request: (
            external.append(request.url)
            if not request.url.startswith(
                ("http://localhost", "http://127.0.0.1", "data:", "about:")
            )
            else None
        ),
    )
    # Requests still on their way when a test ends (a lazy chart, a page the test did not wait
    # for) would be served while the test database is flushed: the live server shares the
    # test's in-memory SQLite connection, and the flush then finds a table locked. Wait for
    # them first (Chromium aborts them on close, but the server thread would still run).
    in_flight: set[object] = set()
    page.on("request", lambda request: in_flight.add(request))
    page.on("requestfinished", lambda request: in_flight.discard(request))
    page.on("requestfailed", lambda request: in_flight.discard(request))
    yield page
    for _ in range(600):  # at most 30 s
        if not in_flight:
            break
        page.wait_for_timeout(50)
    context.close()
    assert not external, f"the page talked to another server: {external}"


def assert_accessible(page: Page) -> None:
    """axe-core finds no serious or critical violation on the page as it stands."""
    results = Axe().run(page)
    serious = [
        v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
    ]
    assert not serious, "\n".join(
        f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']]})" for v in serious
    )
