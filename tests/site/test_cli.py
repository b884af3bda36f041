"""The ``walkthetalk`` command line, run as people run it: a subprocess in a folder of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from django.core.management import get_commands

PROJECT_COMMANDS = ["demo", "serve", "worker", "commonground", "import-polis", "escalate-concerns"]

# The settings a run of the CLI reads from its environment; each run here names its own.
OWN_SETTINGS = ("WALKTHETALK_", "DJANGO_", "DATABASE_URL")


def walkthetalk(
    *args: str, cwd: Path, data: Path | None = None, timeout: int = 120
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in ``cwd`` with the development environment and no data folder named,
    unless ``data`` is given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_SETTINGS)}
    if data is not None:
        env["WALKTHETALK_DATA"] = str(data)
    return subprocess.run(
        [sys.executable, "-m", "walkthetalk.site.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def section(text: str, heading: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    body = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        body.append(line)
    return body


def test_help_lists_the_projects_commands_one_line_each_and_djangos_apart(tmp_path) -> None:
    result = walkthetalk("--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    commands = section(result.stdout, "Commands:")
    names = [line.split()[0] for line in commands]
    expected = list(PROJECT_COMMANDS)
    if "setup" in get_commands():  # listed as soon as the command exists
        expected.insert(1, "setup")
    assert names[: len(expected)] == expected
    for line in commands:  # a name, then one line that says what it does
        name, summary = line.split(maxsplit=1)
        assert len(summary) > 15 and summary.endswith("."), line
        assert summary.count("(") == summary.count(")"), line
        assert len(line) <= 100
    admin = " ".join(section(result.stdout, "Administration"))
    for django_command in ("migrate", "createsuperuser", "check", "changepassword"):
        assert django_command in admin
        assert django_command not in names
    assert "db_worker" not in admin  # shown once, as "worker"
    assert "import_polis" not in result.stdout


def test_help_without_arguments_and_help_command_show_the_same(tmp_path) -> None:
    assert walkthetalk(cwd=tmp_path).stdout == walkthetalk("help", cwd=tmp_path).stdout


@pytest.mark.parametrize("args", [["--version"], ["demo", "--version"], ["migrate", "--version"]])
def test_version_is_the_packages(tmp_path, args) -> None:
    result = walkthetalk(*args, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"walkthetalk {version('walkthetalk')}"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "option"),
    [
        ("commonground", "--json"),
        ("import-polis", "--care-system"),
        ("escalate-concerns", "--today"),
        ("demo", "--no-serve"),
        ("worker", "--queue-name"),
        ("serve", "--port"),
    ],
)
def test_help_for_one_command_shows_its_options_under_its_name(tmp_path, name, option) -> None:
    for args in (["help", name], [name, "--help"]):
        result = walkthetalk(*args, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        usage = result.stdout.splitlines()[0]
        assert usage.startswith("usage: ") and f" {name} " in usage.replace(".", " "), usage
        if name != "commonground":  # the engine's own command line names itself
            assert usage.startswith(f"usage: walkthetalk {name} ")
        assert option in result.stdout


def test_an_unknown_command_says_so_in_one_line(tmp_path) -> None:
    result = walkthetalk("sevre", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "walkthetalk: no command called 'sevre'. See 'walkthetalk --help' for the list."
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["help", "demo"],
        ["help", "commonground"],
        ["demo", "--help"],
        ["serve", "--help"],
        ["worker", "--help"],
        ["import-polis", "--help"],
        ["escalate-concerns", "--help"],
        ["check"],
        ["sevre"],
    ],
)
def test_commands_not_asked_to_set_up_write_nothing(tmp_path, args) -> None:
    """Above all, no ./walkthetalk-data appears in the folder it was run from."""
    result = walkthetalk(*args, cwd=tmp_path)
    assert result.returncode in (0, 2), result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_named_data_folder_is_not_created_by_help_either(tmp_path) -> None:
    walkthetalk("--help", cwd=tmp_path, data=tmp_path / "data")
    walkthetalk("check", cwd=tmp_path, data=tmp_path / "data")
    assert not (tmp_path / "data").exists()


def test_migrate_sets_up_the_data_folder_and_hyphenated_commands_run(tmp_path) -> None:
    data = tmp_path / "data"
    assert walkthetalk("migrate", "--verbosity", "0", cwd=tmp_path, data=data).returncode == 0
    assert (data / "walkthetalk.sqlite3").is_file()
    assert oct((data / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert oct(data.stat().st_mode & 0o777) == "0o700"
    hyphen = walkthetalk("escalate-concerns", "--today", "2026-03-02", cwd=tmp_path, data=data)
    underscore = walkthetalk("escalate_concerns", "--today", "2026-03-02", cwd=tmp_path, data=data)
    assert hyphen.returncode == 0, hyphen.stderr
    assert hyphen.stdout == underscore.stdout
    assert hyphen.stdout.strip()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    unknown = walkthetalk(
        "import-polis", str(tmp_path), "--care-system", "nowhere", cwd=tmp_path, data=data
    )
    assert unknown.returncode == 1
    assert unknown.stderr.strip().splitlines() == [
        "CommandError: No care system with the short name 'nowhere'."
    ]


def test_a_command_needing_the_database_before_set_up_says_so_in_one_line(tmp_path) -> None:
    data = tmp_path / "data"
    result = walkthetalk("escalate-concerns", cwd=tmp_path, data=data)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"walkthetalk: there is no installation in {data} yet: set one up with "
        "'walkthetalk setup' or 'walkthetalk demo' (or name its folder in WALKTHETALK_DATA)."
    ]
    assert list(tmp_path.iterdir()) == []
