import signal
import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from walkthetalk.site.demo import demo_participant_links, seed_demo
from walkthetalk.site.serving import serve_site


class Command(BaseCommand):
    help = "Set up a data folder with a seeded demo care system and serve it on localhost."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="Set up and seed only.")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start a background-task worker beside the server.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Data folder: {settings.DATA_DIR}")
        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Seeding the demo care system (first run takes a few seconds)…")
        seed = seed_demo()
        counts = seed.care_system.units.count()
        self.stdout.write(f"Demo care system: {seed.care_system.name} ({counts} units)")
        if options["no_serve"]:
            return
        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
                [sys.executable, "-m", "walkthetalk.site.cli", "worker"]
            )
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"\nWalk the Talk demo is running at {url}"))
        names = ", ".join(f"'{name}'" for name in seed.usernames)
        self.stdout.write(f"Staff sign in: users {names}, each with password '{seed.password}'")
        self.stdout.write("Try it as a participant (each link works once):")
        for link in demo_participant_links(seed.care_system, url):
            self.stdout.write(f"  {link}")
        self.stdout.write(f"A demo concern's receipt code: {seed.receipt_code}")
        self.stdout.write("Press Ctrl+C to stop.\n")
        # Stop the worker too when the demo is stopped, by Ctrl+C or by a signal.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            serve_site(options["host"], options["port"])
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
