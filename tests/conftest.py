"""Shared test set-up: the test environment, and a guard that keeps tests inside the repository.

Tests read only what the repository carries (small public data live in ``tests/data/``, see its
README). The guard below records every file or folder this test process opens under the
repository's parent folder that is neither inside the repository nor inside the Python
environment or the temporary folder, and fails the test that opened it (or the whole run, when
it happened while collecting). So a test that quietly reads ``../shared`` fails in CI, where a
copy of that folder sits beside the clone. Subprocesses that tests start are not watched.
"""

from __future__ import annotations

import os
import site
import sys
import sysconfig
import tempfile
from collections.abc import Generator, Iterable
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by fixtures
# there are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REPOSITORY = Path(__file__).resolve().parent.parent


def _environment_roots() -> list[Path]:
    """Folders a test may read besides the repository: Python's, the packages', temp, system."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, tempfile.gettempdir()}
    roots.update(p for p in sysconfig.get_paths().values() if p)
    roots.update(site.getsitepackages())
    roots.add(site.getusersitepackages())
    roots.update(("/usr", "/lib", "/lib64", "/etc", "/proc", "/sys", "/dev", "/run", "/var"))
    roots.add(str(Path.home()))
    return [Path(r).resolve() for r in roots if r]


class OutsideReads:
    """Which opened paths lie outside what tests may read: under ``repository.parent``, only
    the repository itself and those environment folders that sit inside that parent count."""

    def __init__(
        self, repository: Path, environment: Iterable[Path], temp: Path | None = None
    ) -> None:
        self.repository = repository.resolve()
        self.scope = self.repository.parent
        self.allowed = [self.repository] + [
            root for root in environment if root != self.scope and root.is_relative_to(self.scope)
        ]
        # A clone that sits directly in the temporary folder shares it with every temporary
        # file the tests make: there only what was beside the clone before the run (other than
        # pytest's own folders) is out of bounds.
        temp = (temp or Path(tempfile.gettempdir())).resolve()
        self.siblings: set[str] | None = None
        if self.scope == temp:
            self.siblings = {
                entry.name
                for entry in self.scope.iterdir()
                if entry.name != self.repository.name and not entry.name.startswith("pytest-of-")
            }
        self.seen: list[str] = []

    def is_outside(self, path: Path) -> bool:
        if not path.is_relative_to(self.scope) or any(
            path.is_relative_to(root) for root in self.allowed
        ):
            return False
        if self.siblings is None:
            return True
        parts = path.relative_to(self.scope).parts
        return bool(parts) and parts[0] in self.siblings

    def check(self, raw: object) -> None:
        if isinstance(raw, int) or raw is None:  # an already-open file descriptor
            return
        try:
            path = Path(os.fsdecode(raw))  # type: ignore[arg-type]
            path = path if path.is_absolute() else Path.cwd() / path
            resolved = Path(os.path.normpath(path))
        except (TypeError, ValueError, OSError):
            return
        if self.is_outside(resolved):
            self.seen.append(str(resolved))

    def take(self) -> list[str]:
        seen, self.seen = self.seen, []
        return seen


WATCHED_EVENTS = {"open", "os.listdir", "os.scandir", "glob.glob"}
outside_reads = OutsideReads(REPOSITORY, _environment_roots())


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event in WATCHED_EVENTS and args:
        outside_reads.check(args[0])


sys.addaudithook(_audit)


def _fail_report(report: pytest.TestReport | pytest.CollectReport, paths: list[str]) -> None:
    shown = "\n  ".join(sorted(set(paths)))
    report.outcome = "failed"
    report.longrepr = (
        "Read outside the repository (tests may read only what the repository carries; put "
        f"small data in tests/data/):\n  {shown}"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    paths = outside_reads.take()
    if paths:
        _fail_report(report, paths)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    paths = outside_reads.take()
    if paths:
        _fail_report(report, paths)
    return report


@pytest.fixture(autouse=True)
def _default_language() -> Generator[None]:
    """Every test starts in the site's default language. A request answered in Spanish leaves
    Spanish active in the test's thread (LocaleMiddleware activates a language and nothing
    switches it back), which would otherwise leak into the tests that run after it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
