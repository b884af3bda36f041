import getpass
import os
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from walkthetalk.caremap.mapfile import MapFileError
from walkthetalk.caremap.services import CareMapError
from walkthetalk.site.setup import SetupError, first_steward_and_care_system

PASSWORD_ENV = "WALKTHETALK_SETUP_PASSWORD"  # noqa: S105 - the name of a variable


class Command(BaseCommand):
    help = (
        "Start an installation: the first steward and a care system from a care map. "
        "Applies migrations; the map is a YAML file (by default the shipped example, "
        "Riverbend County)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--username", required=True, help="the first steward's user name")
        parser.add_argument(
            "--map", type=Path, default=None, help="a YAML care map (default: the example)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get(PASSWORD_ENV)
        if not password:
            if not os.isatty(0):
                raise CommandError(f"Give the password in {PASSWORD_ENV} or run interactively.")
            password = getpass.getpass("Password for the first steward: ")
            if password != getpass.getpass("The same password again: "):
                raise CommandError("The two passwords differ; nothing was made.")
        call_command("migrate", interactive=False, verbosity=0)
        try:
            result = first_steward_and_care_system(options["username"], password, options["map"])
        except (SetupError, CareMapError) as exc:
            raise CommandError(f"{exc} Nothing was made.") from exc
        except MapFileError as exc:
            raise CommandError(f"The care map has problems; nothing was made:\n{exc}") from exc
        system = result.care_system
        self.stdout.write(
            self.style.SUCCESS(
                f"Care system '{system.name}' ({result.units} units) is ready "
                f"at /map/{system.slug}/"
            )
        )
        self.stdout.write(
            f"Sign in as '{result.steward.username}' at /accounts/login/; in production you "
            "will set up two-step sign-in first (an authenticator app)."
        )
