"""``python -m walkthetalk.analysis.commonground DIR --json OUT`` (see :mod:`.cli`)."""

from __future__ import annotations

import sys

from .cli import main

raise SystemExit(main(sys.argv[1:]))
