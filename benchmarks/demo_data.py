"""The demo seeded into a fresh data folder, for the benchmarks that read it the way a site does.

``staff_pages.py`` and ``privacy_utility.py`` start from the same place: an emptied data
folder, the migrations, then ``demo --no-serve`` (the demo care system, its waves,
conversations, backlog and concerns, and the worker's first round of figures, charts and PDFs).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path


def seed_fresh_demo(data: Path) -> float:
    """Empty ``data``, point the site at it, set Django up, migrate and seed the demo; the
    seconds it took."""
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    os.environ["WALKTHETALK_DATA"] = str(data)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "walkthetalk.site.settings")
    import django

    django.setup()
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("demo", "--no-serve", verbosity=0)
    return time.perf_counter() - t0
