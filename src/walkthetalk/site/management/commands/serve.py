from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from walkthetalk.site.ports import cannot_listen
from walkthetalk.site.serving import serve_site


class Command(BaseCommand):
    help = "Serve Walk the Talk with waitress (a production WSGI server)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args: Any, **options: Any) -> None:
        problem = cannot_listen(options["host"], options["port"])
        if problem:  # one clear line, before anything says it is serving
            raise CommandError(problem)
        self.stdout.write(f"Serving on http://{options['host']}:{options['port']}/")
        serve_site(options["host"], options["port"], options["threads"])
