from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from walkthetalk.site.ports import cannot_listen
from walkthetalk.site.serving import default_workers, serve_site


class Command(BaseCommand):
    help = "Serve Walk the Talk with gunicorn, one worker process per core by default."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help=f"worker processes (default: the number of CPU cores, here {default_workers()})",
        )
        parser.add_argument(
            "--threads", type=int, default=1, help="threads per worker process (default 1)"
        )
        parser.add_argument(
            "--timeout", type=int, default=60, help="seconds before a stuck worker is restarted"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        problem = cannot_listen(options["host"], options["port"])
        if problem:  # one clear line, before anything says it is serving
            raise CommandError(problem)
        workers = options["workers"] or default_workers()
        self.stdout.write(
            f"Serving on http://{options['host']}:{options['port']}/ "
            f"with {workers} worker processes × {options['threads']} threads"
        )
        self.stdout.flush()
        serve_site(
            options["host"], options["port"], options["threads"], workers, options["timeout"]
        )
