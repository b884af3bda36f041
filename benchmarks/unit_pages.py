"""Server time and size of the pages that show or pick units, on a care map of 1,000 units.

The care map (tree), "open a wave" (units to cover), a wave's page (the unit of a batch of
invitations) and the care map's invitations page, each fetched through Django's test client in
this process (so the time is the server's: view, queries, template; no network), on a fresh
SQLite test database. Prints the median wall and CPU time of --repeats fetches and the page's
size raw and gzipped.

    OMP_NUM_THREADS=1 WALKTHETALK_ENV=test PYTHONPATH=src python benchmarks/unit_pages.py

Point PYTHONPATH at another checkout's src to measure it the same way (the 1,000-unit map is
built by tests/caremap/factories.py with bulk inserts, which any checkout's models accept).
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "walkthetalk.site.settings")
    os.environ.setdefault("WALKTHETALK_ENV", "test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)

    from tests.caremap.factories import thousand_unit_system
    from walkthetalk.pulse import services as pulse

    system = thousand_unit_system()
    agencies = list(system.units.filter(parent=None))
    wave = pulse.open_wave(system, "Spring pulse", agencies)
    user = get_user_model().objects.create_superuser("bench")
    client = Client()
    client.force_login(user)
    import walkthetalk

    print(f"code: {Path(walkthetalk.__file__).parent}; units: {system.units.count()}")
    print(f"load average: {os.getloadavg()[0]:.1f} (2 cores, shared)")
    print(f"{'page':44} {'wall ms':>8} {'cpu ms':>8} {'KB':>7} {'KB gz':>7}")
    pages = {
        "care map": f"/map/{system.slug}/",
        "care map, search 'Team 045'": f"/map/{system.slug}/?q=Team+045",
        "open a wave (units to cover)": f"/pulse/{system.slug}/new/",
        "wave page (unit of a batch)": f"/pulse/{system.slug}/waves/{wave.pk}/",
        "care map invitations (unit of a batch)": f"/map/{system.slug}/invitations/",
    }
    for name, url in pages.items():
        walls, cpus = [], []
        body = b""
        for _ in range(args.repeats):
            w0, c0 = time.perf_counter(), time.process_time()
            response = client.get(url)
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
            assert response.status_code == 200, (url, response.status_code)
            body = response.content
        print(
            f"{name:44} {1000 * statistics.median(walls):8.1f} "
            f"{1000 * statistics.median(cpus):8.1f} {len(body) / 1024:7.1f} "
            f"{len(gzip.compress(body)) / 1024:7.1f}"
        )


if __name__ == "__main__":
    main()
