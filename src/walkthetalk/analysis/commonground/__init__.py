"""Common ground: Pol.is-style opinion math over a sparse vote matrix.

A pure library (numpy, scipy, scikit-learn; no Django). Typical use::

    from walkthetalk.analysis.commonground import analyze, read_export

    export = read_export("path/to/polis-export")
    analysis = analyze(
        export.matrix,
        export.excluded_statements,
        statement_text=export.statement_text,
        counted_before=export.counted_before,
    )
    json_ready = analysis.result.to_json()

From the command line: ``python -m walkthetalk.analysis.commonground DIR --json OUT``.
"""

from .engine import Analysis, Settings, analyze, refresh, update
from .errors import CommonGroundError, MalformedExportError, NotEnoughDataError
from .matrix import VoteMatrix, build_vote_matrix, from_dense
from .polis_io import PolisExport, read_export
from .result import CommonGroundResult

__all__ = [
    "Analysis",
    "CommonGroundError",
    "CommonGroundResult",
    "MalformedExportError",
    "NotEnoughDataError",
    "PolisExport",
    "Settings",
    "VoteMatrix",
    "analyze",
    "build_vote_matrix",
    "from_dense",
    "read_export",
    "refresh",
    "update",
]
