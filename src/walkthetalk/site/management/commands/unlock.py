from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from walkthetalk.site import lockout


class Command(BaseCommand):
    help = "Lift the sign-in pause on a staff user name (and forget its growing delay)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        cleared = lockout.unlock(options["username"])
        self.stdout.write(
            f"{options['username']} can sign in again ({cleared} paused record(s) cleared)."
        )
