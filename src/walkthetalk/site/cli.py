"""The ``walkthetalk`` command: a thin entry point over Django's management commands.

``walkthetalk demo``          set up a data folder with a seeded demo care system and serve it
``walkthetalk serve``         serve the site with waitress (a production WSGI server)
``walkthetalk worker``        run background tasks (django-tasks database worker)
``walkthetalk migrate``       and every other Django management command
``walkthetalk commonground``  run the common-ground engine on a Pol.is export (no database;
                              the same as ``python -m walkthetalk.analysis.commonground``)
``walkthetalk import-polis``  import a Pol.is export as a new conversation
"""

from __future__ import annotations

import os
import sys

ALIASES = {"worker": "db_worker", "import-polis": "import_polis"}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "commonground":
        from walkthetalk.analysis.commonground.cli import main as commonground_main

        return commonground_main(args[1:])
    if args and args[0] in ALIASES:
        args[0] = ALIASES[args[0]]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "walkthetalk.site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["walkthetalk", *args])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
