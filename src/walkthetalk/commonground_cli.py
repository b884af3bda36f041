"""``walkthetalk commonground DIR --json OUT``: analyse a Pol.is openData export folder.

A plain function (no Django) that the ``walkthetalk`` console script or a management command
calls with its arguments. Exit codes: 0 success, 2 usage or unreadable export, 1 not enough
data to analyse.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from walkthetalk.analysis.commonground import (
    MalformedExportError,
    NotEnoughDataError,
    Settings,
    analyze,
    read_export,
)
from walkthetalk.analysis.privacy import PrivacyError, validate_min_size


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="walkthetalk commonground",
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
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
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
    try:
        export = read_export(args.folder)
        analysis = analyze(
            export.matrix,
            export.excluded_statements,
            Settings(seed=args.seed, min_group_size=args.min_group_size),
        )
    except MalformedExportError as exc:
        print(f"commonground: malformed export: {exc}", file=sys.stderr)
        return 2
    except NotEnoughDataError as exc:
        print(f"commonground: {exc}", file=sys.stderr)
        return 1
    payload = analysis.result.to_json()
    payload["meta"]["source"] = export.source
    text = json.dumps(payload, indent=1, sort_keys=False)
    if args.out == "-":
        sys.stdout.write(text + "\n")
        return 0
    out = Path(args.out)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(text + "\n", encoding="utf-8")
    partial.replace(out)  # atomic: a reader never sees a half-written file
    placed = sum(1 for group in payload["participants"].values() if group is not None)
    print(
        f"commonground: {len(payload['participants'])} participants, {placed} placed in "
        f"{len(payload['groups'])} opinion groups; results in {out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
