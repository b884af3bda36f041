"""The ``walkthetalk`` command: a thin entry point over Django's management commands.

``walkthetalk --help`` lists the project's own commands (one line each) and, under a heading of
their own, Django's commands for administrators. ``walkthetalk help NAME`` or
``walkthetalk NAME --help`` shows one command's options; names are written with hyphens
(``import-polis``), Django's underscore names work too.

The project's commands are every management command of a ``walkthetalk`` app, so a new one is
listed as soon as it exists; :data:`PROJECT_COMMANDS` only sets their order, the names people
type when these differ, and which ones set up an installation's data folder.
"""

from __future__ import annotations

import ast
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from pathlib import Path

PROG = "walkthetalk"
PROJECT_APP_PREFIX = "walkthetalk"


@dataclass(frozen=True)
class ProjectCommand:
    """A command of the project: the name people type, the management command it runs."""

    name: str
    django_name: str
    summary: str = ""  # one line; by default the first sentence of the command's own help
    sets_up_data: bool = False  # creates the data folder and secret key before it runs


PROJECT_COMMANDS: tuple[ProjectCommand, ...] = (
    ProjectCommand("demo", "demo", sets_up_data=True),
    ProjectCommand("setup", "setup", sets_up_data=True),
    ProjectCommand("serve", "serve"),
    ProjectCommand(
        "worker",
        "worker",
        summary="Run background tasks (conversation results on a fixed clock, escalations).",
    ),
    ProjectCommand(
        "commonground",
        "commonground",
        summary="Find opinion groups, common ground and divides in a Pol.is export folder.",
    ),
    ProjectCommand("import-polis", "import_polis"),
    ProjectCommand(
        "escalate-concerns",
        "escalate_concerns",
        summary="Pass concerns left unanswered too long on to the stewards (run it daily).",
    ),
)
# Django's own commands that create the database, and so the data folder that holds it.
DJANGO_COMMANDS_THAT_SET_UP_DATA = ("migrate",)

# Library commands a project command runs in their place, so not listed for administrators:
# ``worker`` is django-tasks' ``db_worker`` plus the clock of periodic tasks.
REPLACED_COMMANDS = ("db_worker",)

# Commands that need no Django, each a module with ``main(argv) -> int``: the common-ground
# engine's command line (also ``python -m walkthetalk.analysis.commonground``). A management
# command of the same name, if one is added, takes its place.
PLAIN_COMMANDS = {"commonground": "walkthetalk.analysis.commonground.cli"}


def package_version() -> str:
    try:
        return version("walkthetalk")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print("\nStopped.", file=sys.stderr)
        return 130


def _dispatch(args: list[str]) -> int:
    if not args or args[0] in ("-h", "--help"):
        print(main_help())
        return 0
    if args[0] == "--version":
        print(f"{PROG} {package_version()}")
        return 0
    if args[0] == "help":
        if len(args) == 1:
            print(main_help())
            return 0
        return _run(args[1], ["--help"])
    return _run(args[0], args[1:])


def _run(typed: str, rest: list[str]) -> int:
    if "--version" in rest:  # Django's commands would print Django's version
        print(f"{PROG} {package_version()}")
        return 0
    plain = _plain_command(typed)
    if plain is not None:
        return int(plain(rest) or 0)
    entry = _entry(typed)
    django_name = entry.django_name if entry else typed.replace("-", "_")
    sets_up_data = (entry and entry.sets_up_data) or django_name in DJANGO_COMMANDS_THAT_SET_UP_DATA
    if sets_up_data and not {"-h", "--help", "--version"} & set(rest):
        from walkthetalk.site.paths import data_dir, prepare_data_dir

        prepare_data_dir(data_dir())
    _setup_django()
    from django.core.management import execute_from_command_line, get_commands, load_command_class

    app = get_commands().get(django_name)
    if app is None:
        print(
            f"{PROG}: no command called '{typed}'. See '{PROG} --help' for the list.",
            file=sys.stderr,
        )
        return 2
    try:
        if entry is not None or _is_project_app(app):
            # Shown with the project's name for it: "walkthetalk import-polis", not "import_polis".
            command = load_command_class(app, django_name)
            command.run_from_argv([PROG, _display_name(django_name), *rest])
        else:
            execute_from_command_line([PROG, django_name, *rest])
    except Exception as exc:
        missing = _missing_installation(exc)
        if missing is None:
            raise
        print(
            f"{PROG}: there is no installation in {missing} yet: set one up with "
            f"'{PROG} setup' or '{PROG} demo' (or name its folder in WALKTHETALK_DATA).",
            file=sys.stderr,
        )
        return 1
    return 0


def _missing_installation(exc: Exception) -> Path | None:
    """The data folder, when ``exc`` is SQLite failing to open (or create) a database in a
    data folder that was never set up (any other fault keeps its traceback)."""
    from django.conf import settings
    from django.db import OperationalError

    cannot_open = isinstance(exc, FileNotFoundError) or (
        isinstance(exc, OperationalError) and "unable to open database file" in str(exc)
    )
    if not cannot_open:
        return None
    database = settings.DATABASES["default"]
    if "sqlite" not in database["ENGINE"]:
        return None
    folder = Path(database["NAME"]).parent
    return None if folder.exists() else folder


def _entry(typed: str) -> ProjectCommand | None:
    for entry in PROJECT_COMMANDS:
        if typed in (entry.name, entry.django_name):
            return entry
    return None


def _display_name(django_name: str) -> str:
    for entry in PROJECT_COMMANDS:
        if entry.django_name == django_name:
            return entry.name
    return django_name.replace("_", "-")


def _plain_command(typed: str) -> Callable[[list[str]], int] | None:
    module_name = PLAIN_COMMANDS.get(typed)
    if module_name is None:
        return None
    _setup_django()
    from django.core.management import get_commands

    if typed in get_commands():
        return None
    try:
        module = import_module(module_name)
    except ImportError:
        return None
    runner: Callable[[list[str]], int] = module.main
    return runner


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "walkthetalk.site.settings")
    import django

    django.setup()


def _is_project_app(app: str) -> bool:
    return app == PROJECT_APP_PREFIX or app.startswith(PROJECT_APP_PREFIX + ".")


def _first_sentence(text: str) -> str:
    line = " ".join(text.split()).split(". ", 1)[0]
    return line.rstrip(".") + "." if line else ""


def _command_help(app: str, name: str) -> str:
    """A command's ``help`` text, read from its source when it is written there as a literal
    (so listing the commands imports none of them), else from the loaded command."""
    spec = find_spec(f"{app}.management.commands.{name}")
    if spec is not None and spec.origin and spec.origin.endswith(".py"):
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == "Command":
                for statement in node.body:
                    if (
                        isinstance(statement, ast.Assign)
                        and any(getattr(t, "id", "") == "help" for t in statement.targets)
                        and isinstance(statement.value, ast.Constant)
                    ):
                        return str(statement.value.value)
    from django.core.management import load_command_class

    return str(load_command_class(app, name).help)


def project_commands() -> list[tuple[str, str]]:
    """(name, one line) for each of the project's commands that exists, in the registry's order,
    then any other command of a ``walkthetalk`` app."""
    _setup_django()
    from django.core.management import get_commands

    commands = get_commands()
    listed: list[tuple[str, str]] = []
    seen: set[str] = set()
    for entry in PROJECT_COMMANDS:
        if entry.django_name in commands:
            summary = entry.summary or _first_sentence(
                _command_help(commands[entry.django_name], entry.django_name)
            )
            listed.append((entry.name, summary))
        elif entry.name in PLAIN_COMMANDS and find_spec(PLAIN_COMMANDS[entry.name]) is not None:
            listed.append((entry.name, entry.summary))
        else:
            continue
        seen.add(entry.django_name)
    others = sorted(
        name for name, app in commands.items() if _is_project_app(app) and name not in seen
    )
    for name in others:
        listed.append((_display_name(name), _first_sentence(_command_help(commands[name], name))))
    return listed


def django_commands() -> list[str]:
    """Django's own commands and those of the libraries it runs with (for administrators)."""
    _setup_django()
    from django.core.management import get_commands

    project = {entry.django_name for entry in PROJECT_COMMANDS} | set(REPLACED_COMMANDS)
    return sorted(
        name
        for name, app in get_commands().items()
        if not _is_project_app(app) and name not in project
    )


def main_help() -> str:
    width = 100
    project = project_commands()
    name_width = max(len(name) for name, _ in project) + 2
    lines = [
        f"usage: {PROG} COMMAND [options]",
        f"       {PROG} help COMMAND      (a command's options)",
        f"       {PROG} --version",
        "",
        "Walk the Talk: see a system of care's parallel processes and hold the conversations",
        "it avoids, anonymously.",
        "",
        "Commands:",
    ]
    lines.extend(f"  {name.ljust(name_width)}{summary}" for name, summary in project)
    lines += [
        "",
        "Administration (Django's commands, e.g. migrate, createsuperuser, check):",
        *textwrap.wrap(
            ", ".join(django_commands()), width, initial_indent="  ", subsequent_indent="  "
        ),
        "",
        "Data live in ./walkthetalk-data or $WALKTHETALK_DATA; see the README and docs/.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
