"""Server time and size of every staff page a steward or facilitator opens on the demo.

Seeds the demo into a fresh data folder (``demo_data.py``, shared with ``privacy_utility.py``),
signs in as the demo steward with Django's test client (in this process, so the time is the
server's: view, queries, template; no network), and fetches each page: the care map and its
invitations, the waves list, each wave's page, each wave's pulse dashboard and every chart it
shows, the conversations list, each conversation's manage, moderate and results pages, topics,
the backlog and each gathering and step, "You said, we did", the messenger's concerns and each
concern, and the PDF reports. A page the steward may not open is fetched as the demo staff
member whose role opens it (the role is printed).

Each page is fetched once cold ("first": the first request after the seeding, whose worker
round has already computed and stored the dashboards' figures, their charts and the PDFs;
with ``--empty-cache`` the store is emptied first, so a dashboard, chart or PDF's first request
computes and stores it) and then --repeats times; the table gives the first request's
CPU, the median wall and CPU ms of the repeats, the CPU of child processes (the PDF renderer)
and the size. Pages at or over 300 ms of server CPU (first or median) are flagged.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=src \
        python benchmarks/staff_pages.py --data /tmp/wtt-staff-pages
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from demo_data import seed_fresh_demo

SLOW_CPU_MS = 300.0


@dataclass
class Timing:
    status: int
    size: int
    first_cpu: float
    wall: float
    cpu: float
    child_cpu: float


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fetch(client: Any, url: str, repeats: int) -> Timing:
    def once() -> tuple[int, int, float, float, float]:
        w0, c0, k0 = time.perf_counter(), time.process_time(), _children_cpu()
        response = client.get(url)
        body = b"".join(response) if response.streaming else response.content
        return (
            response.status_code,
            len(body),
            time.perf_counter() - w0,
            time.process_time() - c0,
            _children_cpu() - k0,
        )

    status, size, _, first_cpu, _ = once()
    runs = [once() for _ in range(repeats)]
    return Timing(
        status=status,
        size=size,
        first_cpu=1000 * first_cpu,
        wall=1000 * statistics.median(r[2] for r in runs),
        cpu=1000 * statistics.median(r[3] for r in runs),
        child_cpu=1000 * statistics.median(r[4] for r in runs),
    )


def pages(slug: str) -> list[tuple[str, str]]:
    """(name, address) of the staff pages of the demo care system, in the order one opens
    them."""
    from walkthetalk.agenda.models import ActionItem, Gathering
    from walkthetalk.conversations.models import Conversation
    from walkthetalk.messenger.models import Concern
    from walkthetalk.pulse.models import Wave

    out = [
        ("care map", f"/map/{slug}/"),
        ("care map invitations", f"/map/{slug}/invitations/"),
        ("care map staff", f"/map/{slug}/staff/"),
        ("waves list", f"/pulse/{slug}/"),
    ]
    waves = list(Wave.objects.filter(care_system__slug=slug).order_by("opened_on", "pk"))
    for wave in waves:
        out.append((f"wave {wave.title}", f"/pulse/{slug}/waves/{wave.pk}/"))
    for wave in waves:
        out.append((f"dashboard {wave.title}", f"/pulse/{slug}/waves/{wave.pk}/dashboard/"))
    out.append(("conversations list", "/conversations/"))
    for conv in Conversation.objects.filter(care_system__slug=slug).order_by("pk"):
        base = f"/conversations/{conv.public_id}/manage/"
        out += [
            (f"manage {conv.title[:28]}", base),
            (f"moderate {conv.title[:26]}", f"{base}moderate/"),
            (f"results {conv.title[:27]}", f"{base}results/"),
        ]
    out.append(("topics", f"/conversations/topics/{slug}/"))
    out.append(("backlog (agenda manage)", f"/agenda/manage/{slug}/"))
    for gathering in Gathering.objects.filter(care_system__slug=slug).order_by("pk"):
        name = f"gathering {gathering.title[:25]}"
        out.append((name, f"/agenda/manage/{slug}/gatherings/{gathering.public_id}/"))
    for step in ActionItem.objects.filter(care_system__slug=slug).order_by("pk"):
        out.append((f"step {step.step[:30]}", f"/agenda/manage/{slug}/actions/{step.public_id}/"))
    out.append(("you said, we did (staff)", f"/agenda/manage/{slug}/you-said-we-did/"))
    out.append(("messenger concerns", f"/messenger/leaders/{slug}/"))
    for concern in Concern.objects.filter(care_system__slug=slug).order_by("sent_on", "pk")[:3]:
        out.append(
            (
                f"concern {concern.public_id}",
                f"/messenger/leaders/{slug}/concerns/{concern.public_id}/",
            )
        )
    for wave in waves:
        out.append((f"brief.pdf {wave.title}", f"/pulse/{slug}/waves/{wave.pk}/brief.pdf"))
    first_conv = Conversation.objects.filter(care_system__slug=slug).order_by("pk").first()
    if first_conv is not None:
        out.append(
            (
                "report.pdf (a conversation)",
                f"/conversations/{first_conv.public_id}/manage/results/report.pdf",
            )
        )
    out.append(("you-said-we-did.pdf", f"/reports/{slug}/you-said-we-did.pdf"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a fresh data folder (emptied)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--empty-cache",
        action="store_true",
        help="empty the stored figures, charts and PDFs before the first requests",
    )
    args = parser.parse_args()
    seconds = seed_fresh_demo(args.data)
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client

    from walkthetalk.site.demo import DEMO_SLUG, DEMO_STAFF

    print(f"seeded the demo in {seconds:.0f} s; code: "
          f"{Path(sys.modules['walkthetalk'].__file__ or '').parent}")  # fmt: skip
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    clients = {}
    for username, _role in DEMO_STAFF:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        clients[username] = client
    if args.empty_cache:
        cache.clear()
    clients["steward"].get("/healthz")  # load the URL conf and middleware before timing
    print(
        f"load average: {os.getloadavg()[0]:.1f} (2 cores, shared); repeats: {args.repeats}; "
        f"store {'emptied' if args.empty_cache else 'as the seeding left it'}"
    )
    print(
        f"| page | as | status | first CPU ms | median wall ms | median CPU ms "
        f"| child CPU ms | KB | |\n|{'---|' * 9}"
    )
    listed = pages(DEMO_SLUG)
    slow = []
    queue = list(listed)
    while queue:
        name, url = queue.pop(0)
        for username in ("steward", "facilitator", "leader"):
            timing = fetch(clients[username], url, args.repeats)
            if timing.status != 403:
                break
        if name.startswith("dashboard ") and timing.status == 200:
            body = clients[username].get(url).content.decode()
            # each chart at the address the page gives (its query names the healthy way)
            found = re.findall(r'<img src="(/pulse/[^"]+/charts/[^"]+)"', body)
            found = sorted({u.replace("&amp;", "&") for u in found})
            queue[0:0] = [(f"chart {u.split('/waves/')[1].split('&v=')[0]}", u) for u in found]
        flag = "**≥ 300 ms**" if max(timing.first_cpu, timing.cpu) >= SLOW_CPU_MS else ""
        if flag:
            slow.append(name)
        print(
            f"| {name} | {username} | {timing.status} | {timing.first_cpu:.0f} | "
            f"{timing.wall:.0f} | {timing.cpu:.0f} | {timing.child_cpu:.0f} | "
            f"{timing.size / 1024:.1f} | {flag} |",
            flush=True,
        )
    print(f"pages at or over {SLOW_CPU_MS:.0f} ms of server CPU: {', '.join(slow) or 'none'}")


if __name__ == "__main__":
    main()
