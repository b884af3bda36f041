"""``walkthetalk import_polis DIR --care-system SLUG``: a Pol.is export as a new conversation."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from walkthetalk.caremap.models import CareSystem
from walkthetalk.conversations import services


class Command(BaseCommand):
    help = "Import a Pol.is openData export folder as a new (closed) conversation."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("folder", metavar="DIR", help="the export folder")
        parser.add_argument("--care-system", required=True, metavar="SLUG")
        parser.add_argument("--title", default="", help="title of the new conversation")

    def handle(self, *args: Any, **options: Any) -> None:
        system = CareSystem.objects.filter(slug=options["care_system"]).first()
        if system is None:
            raise CommandError(f"No care system with the short name '{options['care_system']}'.")
        try:
            summary = services.import_polis(system, options["folder"], options["title"])
        except services.ConversationError as exc:
            raise CommandError(str(exc)) from exc
        conversation = summary.conversation
        self.stdout.write(
            f"Imported “{conversation.title}”: {summary.statements} statements, "
            f"{summary.participants} participants, {summary.votes} votes.\n"
            f"Results: /conversations/{conversation.public_id}/manage/results/ "
            "(computed by `walkthetalk worker`)."
        )
