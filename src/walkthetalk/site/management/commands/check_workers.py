import secrets
import time
from argparse import ArgumentParser
from typing import Any

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError

from walkthetalk.site.tasks import heartbeat, heartbeat_keys


class Command(BaseCommand):
    help = (
        "Check the background workers: each of N heartbeat tasks must run exactly once. "
        "Needs at least one worker running."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tasks", type=int, default=20)
        parser.add_argument("--wait", type=float, default=120, help="seconds to wait at most")
        parser.add_argument(
            "--hold", type=float, default=0.2, help="seconds each task keeps its worker busy"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django_tasks_db.models import DBTaskResult

        tokens = [secrets.token_hex(8) for _ in range(options["tasks"])]
        ids = [str(heartbeat.enqueue(token, options["hold"]).id) for token in tokens]
        rows = DBTaskResult.objects.filter(id__in=ids)
        deadline = time.monotonic() + options["wait"]
        while rows.exclude(status__in=["SUCCESSFUL", "FAILED"]).exists():
            if time.monotonic() > deadline:
                raise CommandError("the heartbeat tasks did not all finish: is a worker running?")
            time.sleep(0.5)
        try:
            failed = rows.filter(status="FAILED").count()
            taken_twice = [r.id for r in rows if len(r.worker_ids) != 1]
            ran = [cache.get(heartbeat_keys(t)[0]) for t in tokens]
            again = [t for t in tokens if cache.get(heartbeat_keys(t)[1]) is not None]
        finally:
            rows.delete()
            cache.delete_many([key for t in tokens for key in heartbeat_keys(t)])
        if failed or taken_twice or again or None in ran:
            raise CommandError(
                f"{failed} failed, {len(taken_twice)} taken by two workers, "
                f"{len(again)} ran twice, {ran.count(None)} never ran"
            )
        processes = len(set(ran))
        self.stdout.write(
            f"{len(tokens)} tasks, each run exactly once, by {processes} worker process(es)."
        )
