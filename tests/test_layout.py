"""The tests' own layout: each test module names the module it tests (or a promise listed in
docs/architecture.md), and shared helpers live in factories or conftest, never in a test module."""

import ast
import re
from pathlib import Path

TESTS = Path(__file__).parent


def imported_test_modules(path: Path) -> list[str]:
    """The test modules (``test_*``) that ``path`` imports from."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            last = node.module.rsplit(".", 1)[-1]
            if last.startswith("test_"):
                found.append(node.module)
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.rsplit(".", 1)[-1].startswith("test_")]
    return found


def test_the_check_sees_imports_from_test_modules(tmp_path: Path) -> None:
    sample = tmp_path / "test_sample.py"
    sample.write_text("from .test_views import helper\nfrom .factories import thing\n")
    assert imported_test_modules(sample) == ["test_views"]


def test_no_test_module_imports_another() -> None:
    offenders = {
        str(path.relative_to(TESTS)): imported_test_modules(path)
        for path in TESTS.rglob("*.py")
        if imported_test_modules(path)
    }
    assert offenders == {}


REPOSITORY = TESTS.parent
SOURCE = REPOSITORY / "src" / "walkthetalk"
ARCHITECTURE = REPOSITORY / "docs" / "architecture.md"
LIST_START = "<!-- cross-cutting tests:"
LIST_END = "<!-- end of cross-cutting tests -->"


def documented_cross_cutting(architecture: Path) -> set[str]:
    """The test modules docs/architecture.md lists as tests of a promise that spans modules."""
    text = architecture.read_text()
    start = text.index(LIST_START)
    block = text[start : text.index(LIST_END, start)]
    return set(re.findall(r"^\s*- `(tests/[\w/]+\.py)`:", block, flags=re.MULTILINE))


def names_a_module(test: Path, tests: Path, source: Path) -> bool:
    """Whether ``tests/<package>/test_<name>.py`` names ``<package>/<name>`` of the source, a
    helper beside it in the tests, or (for a browser test, ``test_<app>_<story>.py``) an app."""
    folder = test.parent.relative_to(tests)
    name = test.stem.removeprefix("test_")
    if folder.parts[:1] == ("browser",):
        return any((source / app).is_dir() for app in _prefixes(name))
    module = source / folder / name
    return (
        module.with_suffix(".py").is_file()
        or (module / "__init__.py").is_file()
        or (test.parent / f"{name}.py").is_file()
    )


def _prefixes(name: str) -> list[str]:
    words = name.split("_")
    return ["_".join(words[:n]) for n in range(1, len(words))]


def misnamed_test_modules(tests: Path, source: Path, documented: set[str]) -> list[str]:
    """Test modules named after neither a module, a helper, nor a documented promise."""
    root = tests.parent
    return sorted(
        str(test.relative_to(root))
        for test in tests.rglob("test_*.py")
        if str(test.relative_to(root)) not in documented and not names_a_module(test, tests, source)
    )


def test_the_naming_rule_fails_on_a_test_named_after_no_module(tmp_path: Path) -> None:
    source, tests = tmp_path / "src", tmp_path / "tests"
    for path in (
        source / "agenda" / "services.py",
        source / "agenda" / "management" / "commands" / "import_x.py",
        tests / "agenda" / "test_services.py",
        tests / "agenda" / "test_backlog.py",
        tests / "agenda" / "test_unlinkability.py",
        tests / "agenda" / "management" / "commands" / "test_import_x.py",
        tests / "privacy" / "auditor.py",
        tests / "privacy" / "test_auditor.py",
        tests / "browser" / "test_agenda_pages.py",
        tests / "browser" / "test_welcome_page.py",
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    (source / "privacy").mkdir()
    documented = {"tests/agenda/test_unlinkability.py"}
    assert misnamed_test_modules(tests, source, documented) == [
        "tests/agenda/test_backlog.py",
        "tests/browser/test_welcome_page.py",
    ]


def test_every_test_module_names_a_module_or_a_documented_promise() -> None:
    documented = documented_cross_cutting(ARCHITECTURE)
    assert misnamed_test_modules(TESTS, SOURCE, documented) == []


def test_every_documented_promise_has_its_test_module() -> None:
    documented = documented_cross_cutting(ARCHITECTURE)
    assert len(documented) >= 5
    assert [path for path in sorted(documented) if not (REPOSITORY / path).is_file()] == []
    # a module named after a source module needs no line in the list
    assert [
        path for path in sorted(documented) if names_a_module(REPOSITORY / path, TESTS, SOURCE)
    ] == []
