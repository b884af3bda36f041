"""The tests' own layout: shared helpers live in factories or conftest, never in a test module."""

import ast
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
