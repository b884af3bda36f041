"""Pulse dashboard: server time of the page and its charts on the demo data.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 WALKTHETALK_DATA=DIR \
        python benchmarks/dashboard.py [--repeat 7]

Uses the data folder's database as it is (run ``walkthetalk demo --no-serve --no-worker`` into
``DIR`` first). Signs in as the demo leader with Django's test client and asks for each wave's
dashboard (and, where the page links them, its chart files) ``--repeat`` times, after one first
request that may compute and store the figures. Prints, per wave, the first request and the
median of the rest: wall time and CPU time (process time) of the whole request, and the page's
size in bytes.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "walkthetalk.site.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from walkthetalk.pulse.models import Wave

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="leader"))
    for wave in Wave.objects.order_by("opened_on"):
        url = f"/pulse/{wave.care_system.slug}/waves/{wave.pk}/dashboard/"

        def get(path: str) -> tuple[float, float, int]:
            cpu, wall = time.process_time(), time.perf_counter()
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return time.perf_counter() - wall, time.process_time() - cpu, len(response.content)

        first = get(url)
        runs = [get(url) for _ in range(args.repeat)]
        page = client.get(url).content.decode()
        charts = sorted(set(re.findall(r'src="(/pulse/[^"]+\.svg[^"]*)"', page)))
        chart_runs = [get(c.replace("&amp;", "&")) for c in charts for _ in range(args.repeat)]
        print(
            f"{wave.title} ({'open' if wave.is_open else 'closed'}): "
            f"first {first[0] * 1000:.0f} ms "
            f"wall / {first[1] * 1000:.0f} ms CPU; then median "
            f"{statistics.median(r[0] for r in runs) * 1000:.0f} ms wall / "
            f"{statistics.median(r[1] for r in runs) * 1000:.0f} ms CPU, "
            f"{runs[-1][2] / 1024:.0f} KB"
        )
        if chart_runs:
            print(
                f"  {len(charts)} chart files: median "
                f"{statistics.median(r[0] for r in chart_runs) * 1000:.0f} ms wall / "
                f"{statistics.median(r[1] for r in chart_runs) * 1000:.0f} ms CPU, "
                f"{sum(r[2] for r in chart_runs) / args.repeat / 1024:.0f} KB together"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
