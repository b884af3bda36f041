import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from walkthetalk.messenger import services


class Command(BaseCommand):
    help = (
        "Escalate to the stewards every concern left unanswered for longer than its care "
        "system's set number of days. Run it daily."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--today", help="Treat this day (YYYY-MM-DD) as today.")

    def handle(self, *args: Any, **options: Any) -> None:
        on = None
        if options.get("today"):
            try:
                on = dt.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError("Give --today as YYYY-MM-DD.") from exc
        n = services.escalate_concerns(on)
        self.stdout.write(f"Escalated {n} unanswered concern{'s' if n != 1 else ''}.")
