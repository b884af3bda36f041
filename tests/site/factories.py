"""Helpers for tests that start the site in a fresh Python process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def fresh_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "WALKTHETALK_DATA": str(tmp_path), **extra}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=180
    )
