import os
import signal
import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from walkthetalk.site.paths import prepare_data_dir
from walkthetalk.site.ports import cannot_listen

# Measured with `time walkthetalk demo --no-serve` on a fresh folder, two cores: 16 s when the
# machine was otherwise idle, 76-83 s when it was shared with a dozen busy processes (about
# 20 s of CPU time either way).
FIRST_RUN_ESTIMATE = "about 20 seconds on an idle machine, longer on a busy one"


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
        host, port, serve = options["host"], options["port"], not options["no_serve"]
        if serve:  # before anything else, so a busy port costs one line and no waiting
            problem = cannot_listen(host, port)
            if problem:
                raise CommandError(problem)
        prepare_data_dir(settings.DATA_DIR)
        self.stdout.write(f"Data folder: {settings.DATA_DIR}")
        started = time.monotonic()
        self._begin("Preparing the database")
        call_command("migrate", interactive=False, verbosity=0)
        self._end(started)
        seed = self._seed()
        if serve:
            self._serve(seed, host, port, with_worker=not options["no_worker"])

    def _begin(self, what: str) -> None:
        self.stdout.write(f"{what}… ", ending="")
        self.stdout.flush()

    def _end(self, started: float) -> None:
        self.stdout.write(f"{time.monotonic() - started:.1f} s")

    def _seed(self) -> Any:
        from walkthetalk.site.demo import is_seeded, seed_demo

        if is_seeded():
            started = time.monotonic()
            self._begin("Checking the demo care system seeded on an earlier run")
            seed = seed_demo()
            self._end(started)
        else:
            self.stdout.write(f"Seeding the demo care system ({FIRST_RUN_ESTIMATE}):")
            step_started = [0.0]

            def on_step(number: int, total: int, label: str) -> None:
                if number > 1:
                    self._end(step_started[0])
                step_started[0] = time.monotonic()
                self._begin(f"  [{number}/{total}] {label}")

            first = time.monotonic()
            seed = seed_demo(on_step)
            self._end(step_started[0])
            self.stdout.write(f"Seeded in {time.monotonic() - first:.0f} s.")
        units = seed.care_system.units.count()
        self.stdout.write(f"Demo care system: {seed.care_system.name} ({units} units)")
        return seed

    def _serve(self, seed: Any, host: str, port: int, with_worker: bool) -> None:
        from walkthetalk.site.demo import demo_participant_links
        from walkthetalk.site.serving import serve_site

        problem = cannot_listen(host, port)  # taken while the demo was seeding?
        if problem:
            raise CommandError(problem)
        url = f"http://{host}:{port}/"
        links = demo_participant_links(seed.care_system, url)
        connections.close_all()  # the server's threads or processes open their own
        worker = _start_worker() if with_worker else None
        self.stdout.write(self.style.SUCCESS(f"\nWalk the Talk demo is running at {url}"))
        names = ", ".join(f"'{name}'" for name in seed.usernames)
        self.stdout.write(f"Staff sign in: users {names}, each with password '{seed.password}'")
        self.stdout.write("Try it as a participant (each link works once):")
        for link in links:
            self.stdout.write(f"  {link}")
        self.stdout.write(f"A demo concern's receipt code: {seed.receipt_code}")
        self.stdout.write("Press Ctrl+C to stop.\n")
        self.stdout.flush()
        # A SIGTERM stops the demo as Ctrl+C does.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        demo_pid = os.getpid()
        try:
            serve_site(host, port)
        except KeyboardInterrupt:
            pass
        finally:
            # A server that forks its workers unwinds through here in each of them too: only
            # the demo's own process stops the task worker and says so.
            if os.getpid() == demo_pid:
                if worker is not None:
                    _stop(worker)
                self.stdout.write("\nThe demo has stopped.")


def _start_worker() -> int:
    """The background-task worker, in a session of its own: Ctrl+C reaches the demo only,
    which then stops the worker. A process id rather than a ``Popen`` object, so that the
    server's forked workers hold no copy of one to warn about when they exit."""
    command = [sys.executable, "-m", "walkthetalk.site.cli", "worker"]
    return os.posix_spawn(sys.executable, command, os.environ, setsid=True)


def _stop(worker: int, grace: float = 15.0) -> None:
    os.kill(worker, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if os.waitpid(worker, os.WNOHANG) != (0, 0):
            return
        time.sleep(0.1)
    os.kill(worker, signal.SIGKILL)
    os.waitpid(worker, 0)
