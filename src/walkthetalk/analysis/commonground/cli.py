"""The engine's command line: analyse a Pol.is openData export folder.

``python -m walkthetalk.analysis.commonground DIR --json OUT`` (``walkthetalk commonground``
dispatches here). No Django. Exit codes: 0 success (degenerate input still writes results,
with empty lists and their reasons), 2 usage error, unreadable export or unwritable output.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from walkthetalk.analysis.privacy import PrivacyError, validate_min_size

from .engine import Settings, analyze
from .errors import MalformedExportError
from .polis_io import read_export


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m walkthetalk.analysis.commonground",
        description="Opinion groups, representative statements, common ground and divides "
        "of a Pol.is openData export folder.",
    )
    parser.add_argument(
        "folder",
        metavar="DIR",
        help="export folder (votes.csv or participants-votes.csv, and comments.csv)",
    )
    parser.add_argument(
        "--json",
        dest="out",
        metavar="OUT",
        required=True,
        help="where to write the results ('-' for standard output)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="accepted for compatibility; the analysis has no random step it could change, "
        "so every seed gives the same result",
    )
    parser.add_argument(
        "--min-group-size",
        type=int,
        default=5,
        help="suppress sector counts below this size (default 5)",
    )
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        validate_min_size(args.min_group_size)
    except PrivacyError as exc:
        print(f"commonground: --min-group-size: {exc}", file=sys.stderr)
        return 2
    out = None if args.out == "-" else Path(args.out)
    if out is not None:
        problem = _unwritable(out)
        if problem:
            print(f"commonground: cannot write {out}: {problem}", file=sys.stderr)
            return 2
    try:
        export = read_export(args.folder)
    except MalformedExportError as exc:
        print(f"commonground: malformed export: {exc}", file=sys.stderr)
        return 2
    analysis = analyze(
        export.matrix,
        export.excluded_statements,
        Settings(seed=args.seed, min_group_size=args.min_group_size),
        statement_text=export.statement_text,
        counted_before=export.counted_before,
    )
    payload = analysis.result.to_json()
    payload["meta"]["source"] = export.source
    text = json.dumps(payload, indent=1, sort_keys=False)
    if out is None:
        sys.stdout.write(text + "\n")
        return 0
    partial = out.with_name(out.name + ".partial")
    try:
        partial.write_text(text + "\n", encoding="utf-8")
        partial.replace(out)  # atomic: a reader never sees a half-written file
    except OSError as exc:
        partial.unlink(missing_ok=True)
        print(f"commonground: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    for name, why in analysis.result.reasons.items():
        print(f"commonground: no {name}: {why}", file=sys.stderr)
    placed = sum(1 for group in payload["participants"].values() if group is not None)
    print(
        f"commonground: {len(payload['participants'])} participants, {placed} placed in "
        f"{len(payload['groups'])} opinion groups; results in {out}",
        file=sys.stderr,
    )
    return 0


def _unwritable(out: Path) -> str | None:
    """Why ``out`` cannot be written (checked before the analysis runs), or ``None``."""
    parent = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        return "it is a folder"
    if not parent.is_dir():
        return f"no folder {parent}"
    if not os.access(parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        return "permission denied"
    return None
