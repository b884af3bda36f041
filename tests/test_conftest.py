"""The guard in tests/conftest.py fails a test that reads outside the repository."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPOSITORY, OutsideReads

INNER_TESTS = """
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def test_reads_a_sibling_folder():
    (REPO.parent / "shared" / "data.csv").read_text()


def test_lists_a_sibling_folder():
    os.listdir(REPO.parent / "shared")


def test_reads_inside_the_repository():
    assert (HERE / "data" / "small.csv").read_text() == "a,b\\n"


def test_reads_its_own_temporary_folder(tmp_path):
    (tmp_path / "x.txt").write_text("x")
    assert (tmp_path / "x.txt").read_text() == "x"


def test_reads_the_python_library():
    assert Path(os.__file__).read_text()
"""


def _fake_checkout(root: Path) -> Path:
    """root/work/repo (with this repository's tests/conftest.py) beside root/work/shared."""
    repo = root / "work" / "repo"
    (repo / "tests" / "data").mkdir(parents=True)
    (root / "work" / "shared").mkdir()
    (root / "work" / "shared" / "data.csv").write_text("secret,data\n")
    (repo / "tests" / "data" / "small.csv").write_text("a,b\n")
    shutil.copy(REPOSITORY / "tests" / "conftest.py", repo / "tests" / "conftest.py")
    (repo / "tests" / "test_inner.py").write_text(INNER_TESTS)
    return repo


def _run_pytest(repo: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:django", "-p", "no:cacheprovider"]
        + ["-q", "-rA", "tests", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout + result.stderr


def test_a_test_reading_beside_the_repository_fails_and_the_others_pass(tmp_path) -> None:
    repo = _fake_checkout(tmp_path)
    output = _run_pytest(repo)
    assert "FAILED tests/test_inner.py::test_reads_a_sibling_folder" in output
    assert "FAILED tests/test_inner.py::test_lists_a_sibling_folder" in output
    assert "Read outside the repository" in output
    assert str(tmp_path / "work" / "shared" / "data.csv") in output
    for name in ("inside_the_repository", "its_own_temporary_folder", "the_python_library"):
        assert f"PASSED tests/test_inner.py::test_reads_{name}" in output
    assert "2 failed, 3 passed" in output


def test_a_read_while_collecting_fails_the_run(tmp_path) -> None:
    repo = _fake_checkout(tmp_path)
    (repo / "tests" / "test_inner.py").unlink()
    (repo / "tests" / "test_at_import.py").write_text(
        "from pathlib import Path\n"
        "DATA = (Path(__file__).resolve().parents[2] / 'shared' / 'data.csv').read_text()\n"
        "def test_nothing():\n    assert DATA\n"
    )
    output = _run_pytest(repo)
    assert "ERROR tests/test_at_import.py" in output
    assert "Read outside the repository" in output


def test_only_the_repository_and_environment_inside_its_parent_are_allowed(tmp_path) -> None:
    repo, venv, shared = tmp_path / "repo", tmp_path / "venv", tmp_path / "shared"
    reads = OutsideReads(repo, [venv, tmp_path, tmp_path.parent, Path("/usr")])
    assert reads.is_outside(shared / "data.csv")
    assert reads.is_outside(tmp_path / "notes.txt")  # the parent folder itself is not allowed
    assert not reads.is_outside(repo / "tests" / "data" / "bfi.csv")
    assert not reads.is_outside(venv / "lib" / "site.py")  # an environment inside the parent
    assert not reads.is_outside(Path("/usr/lib/python3/os.py"))  # not under the parent at all
    reads.check(str(shared / "x"))
    reads.check(3)  # a file descriptor is not a path
    reads.check(str(repo / "x"))
    assert reads.take() == [str(shared / "x")]
    assert reads.take() == []


def test_a_clone_in_the_temporary_folder_may_read_the_temporary_files_tests_make(tmp_path) -> None:
    temp = tmp_path / "tmp"
    (temp / "shared").mkdir(parents=True)
    (temp / "pytest-of-root").mkdir()
    repo = temp / "clone"
    repo.mkdir()
    reads = OutsideReads(repo, [Path("/usr")], temp=temp)
    assert reads.is_outside(temp / "shared" / "data.csv")  # was beside the clone before the run
    assert not reads.is_outside(temp / "pytest-of-root" / "pytest-3" / "db.sqlite3")
    assert not reads.is_outside(temp / "tmpab12cd" / "export.csv")  # made during the run
    assert not reads.is_outside(repo / "tests" / "data" / "bfi.csv")
