"""Read a Pol.is openData export folder into a :class:`VoteMatrix`.

Files (see the export's own README):

- ``votes.csv`` -- one row per vote event ``timestamp,datetime,comment-id,voter-id,vote``
  (``datetime`` optional); re-votes included, the latest by ``timestamp`` wins.
- ``participants-votes.csv`` -- the latest-vote matrix, one row per participant:
  ``participant,[xid,]group-id,n-comments,n-votes,n-agree,n-disagree,<comment-id>...``;
  empty cell = not voted. Used when there is no ``votes.csv``; its ``group-id`` (Pol.is's own
  opinion groups) is returned as a reference either way.
- ``comments.csv`` -- ``comment-id``, ``moderated`` (-1 = moderated out) and optionally
  ``is-meta``; those statements are left out of the analysis.

With ``votes.csv`` and comment timestamps, :func:`counted_over_time` replays Pol.is's
``in-conv`` rule through the conversation's history: a participant counts from the moment
their distinct votes reach ``min(7, statements that existed then)`` and, as in Pol.is, stays
in. (Pol.is checks at each math update rather than at every vote; the replay checks at every
vote, so it may take in a few more early voters.)

Vote coding: 1 agree, -1 disagree, 0 pass. An optional ``sector`` column (in ``votes.csv`` or
``participants-votes.csv``) gives a participant's declared stakeholder sector.
Anything unreadable raises :class:`MalformedExportError` naming the file and line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import MalformedExportError
from .matrix import VoteMatrix, build_vote_matrix

VOTES = "votes.csv"
PARTICIPANTS_VOTES = "participants-votes.csv"
COMMENTS = "comments.csv"
_FIXED_PV_COLUMNS = {
    "participant",
    "xid",
    "group-id",
    "n-comments",
    "n-votes",
    "n-agree",
    "n-disagree",
    "sector",
}
_TRUE = {"true", "t", "1", "yes"}


@dataclass(frozen=True)
class PolisExport:
    """What the engine needs from an export folder.

    Attributes:
        matrix: latest vote per participant and statement.
        excluded_statements: statements moderated out or meta.
        reference_groups: Pol.is's ``group-id`` per participant (``None`` = not placed), if a
            ``participants-votes.csv`` was present.
        source: the file the votes were read from.
        statement_text: comment body per statement id.
        counted_before: participants who met Pol.is's vote rule at some time in the
            conversation's history (``None`` without ``votes.csv`` timestamps).
    """

    matrix: VoteMatrix
    excluded_statements: frozenset[str]
    reference_groups: dict[str, int | None] | None = None
    source: str = ""
    statement_text: dict[str, str] = field(default_factory=dict)
    counted_before: frozenset[str] | None = None


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, cells) for each record after the header (header is line 1)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            start = 1
            for row in reader:
                yield start, row
                start = reader.line_num + 1
    except UnicodeDecodeError as exc:
        raise MalformedExportError(path.name, f"not UTF-8 text ({exc.reason})") from exc
    except csv.Error as exc:
        raise MalformedExportError(path.name, f"unreadable CSV ({exc})") from exc


def _header(path: Path, rows: Iterator[tuple[int, list[str]]], need: set[str]) -> dict[str, int]:
    try:
        _, head = next(rows)
    except StopIteration:
        raise MalformedExportError(path.name, "file is empty", 1) from None
    cols = {name.strip(): i for i, name in enumerate(head)}
    missing = sorted(need - cols.keys())
    if missing:
        raise MalformedExportError(path.name, f"missing column(s) {', '.join(missing)}", 1)
    return cols


def _vote(path: Path, line: int, cell: str) -> int:
    text = cell.strip()
    try:
        value = int(float(text))
    except ValueError:
        raise MalformedExportError(path.name, f"vote {text!r} is not -1, 0 or 1", line) from None
    if value not in (-1, 0, 1) or float(text) != value:
        raise MalformedExportError(path.name, f"vote {text!r} is not -1, 0 or 1", line)
    return value


def _cell(path: Path, line: int, row: list[str], idx: int, name: str) -> str:
    if idx >= len(row):
        raise MalformedExportError(
            path.name, f"row has {len(row)} cells, no value for {name!r}", line
        )
    value = row[idx].strip()
    if not value:
        raise MalformedExportError(path.name, f"empty {name!r}", line)
    return value


def read_comments(path: Path) -> tuple[list[str], frozenset[str], dict[str, str]]:
    """Statement ids in file order, the excluded ones, and their text."""
    ids, excluded, text, _ = _read_comments(path)
    return ids, excluded, text


def _read_comments(
    path: Path,
) -> tuple[list[str], frozenset[str], dict[str, str], dict[str, float]]:
    rows = _rows(path)
    cols = _header(path, rows, {"comment-id", "moderated"})
    ids: list[str] = []
    excluded: set[str] = set()
    text: dict[str, str] = {}
    i_meta = cols.get("is-meta")
    i_body = cols.get("comment-body")
    i_time = cols.get("timestamp")
    created: dict[str, float] = {}
    for line, row in rows:
        if not row:
            continue
        cid = _cell(path, line, row, cols["comment-id"], "comment-id")
        mod = _cell(path, line, row, cols["moderated"], "moderated")
        try:
            moderated = int(mod)
        except ValueError:
            raise MalformedExportError(
                path.name, f"moderated {mod!r} is not -1, 0 or 1", line
            ) from None
        meta = i_meta is not None and i_meta < len(row) and row[i_meta].strip().lower() in _TRUE
        ids.append(cid)
        if moderated == -1 or meta:
            excluded.add(cid)
        if i_body is not None and i_body < len(row):
            text[cid] = row[i_body]
        if i_time is not None and i_time < len(row):
            try:
                created[cid] = float(row[i_time])
            except ValueError:
                pass  # a missing creation time only weakens the history replay
    return ids, frozenset(excluded), text, created


def counted_over_time(
    voters: np.ndarray,
    statements: np.ndarray,
    times: np.ndarray,
    created: dict[str, float],
    min_votes: int = 7,
) -> frozenset[str]:
    """Participants who at some vote had cast distinct votes on at least
    ``min(min_votes, statements created by then)`` statements (see the module docstring)."""
    if voters.size == 0 or not created:
        return frozenset()
    p_labels, p_idx = np.unique(voters, return_inverse=True)
    _, c_idx = np.unique(statements, return_inverse=True)
    order = np.lexsort((times, p_idx))
    p_s, c_s, t_s = p_idx[order], c_idx[order], times[order]
    key = p_s.astype(np.int64) * (int(c_idx.max()) + 1) + c_s
    _, first = np.unique(key, return_index=True)
    new = np.zeros(key.size, dtype=np.int64)
    new[first] = 1
    running = np.cumsum(new)
    start = np.searchsorted(p_s, p_s, side="left")
    before = np.where(start > 0, running[start - 1], 0)
    distinct = running - before
    born = np.sort(np.array(list(created.values()), dtype=np.float64))
    existing = np.searchsorted(born, t_s, side="right")
    ok = (distinct >= np.minimum(min_votes, existing)) & (existing > 0)
    return frozenset(str(p) for p in p_labels[np.unique(p_s[ok])])


def _read_votes(
    path: Path, statement_order: list[str], created: dict[str, float] | None = None
) -> tuple[VoteMatrix, frozenset[str] | None]:
    rows = _rows(path)
    cols = _header(path, rows, {"timestamp", "comment-id", "voter-id", "vote"})
    i_ts, i_c, i_p, i_v = cols["timestamp"], cols["comment-id"], cols["voter-id"], cols["vote"]
    i_sector = cols.get("sector")
    ts: list[float] = []
    cs: list[str] = []
    ps: list[str] = []
    vs: list[int] = []
    sectors: dict[str, str] = {}
    for line, row in rows:
        if not row:
            continue
        t = _cell(path, line, row, i_ts, "timestamp")
        try:
            ts.append(float(t))
        except ValueError:
            raise MalformedExportError(
                path.name, f"timestamp {t!r} is not a number", line
            ) from None
        cs.append(_cell(path, line, row, i_c, "comment-id"))
        pid = _cell(path, line, row, i_p, "voter-id")
        ps.append(pid)
        vs.append(_vote(path, line, _cell(path, line, row, i_v, "vote")))
        if i_sector is not None and i_sector < len(row) and row[i_sector].strip():
            sectors[pid] = row[i_sector].strip()
    p_arr, c_arr, t_arr = np.array(ps, dtype=str), np.array(cs, dtype=str), np.array(ts)
    matrix = build_vote_matrix(
        p_arr,
        c_arr,
        np.array(vs, dtype=np.int64),
        t_arr,
        statement_order=statement_order,
        sectors=sectors or None,
    )
    history = counted_over_time(p_arr, c_arr, t_arr, created) if created else None
    return matrix, history


def _read_participants_votes(
    path: Path, statement_order: list[str]
) -> tuple[VoteMatrix, dict[str, int | None] | None]:
    """The latest-vote matrix and Pol.is's ``group-id`` per participant (``None`` if the
    file has no such column)."""
    rows = _rows(path)
    cols = _header(path, rows, {"participant"})
    stmt_cols = [(name, i) for name, i in cols.items() if name not in _FIXED_PV_COLUMNS]
    i_group = cols.get("group-id")
    i_sector = cols.get("sector")
    ps: list[str] = []
    cs: list[str] = []
    vs: list[int] = []
    groups: dict[str, int | None] = {}
    sectors: dict[str, str] = {}
    participants: list[str] = []
    width = len(cols)
    for line, row in rows:
        if not row:
            continue
        if len(row) < width:
            raise MalformedExportError(
                path.name, f"row has {len(row)} cells, the header has {width}", line
            )
        pid = _cell(path, line, row, cols["participant"], "participant")
        participants.append(pid)
        if i_group is not None:
            g = row[i_group].strip()
            try:
                groups[pid] = int(g) if g else None
            except ValueError:
                raise MalformedExportError(
                    path.name, f"group-id {g!r} is not a number", line
                ) from None
        if i_sector is not None and row[i_sector].strip():
            sectors[pid] = row[i_sector].strip()
        for name, i in stmt_cols:
            cell = row[i]
            if cell.strip():
                ps.append(pid)
                cs.append(name)
                vs.append(_vote(path, line, cell))
    order = statement_order + [n for n, _ in stmt_cols if n not in set(statement_order)]
    matrix = build_vote_matrix(
        np.array(ps, dtype=str),
        np.array(cs, dtype=str),
        np.array(vs, dtype=np.int64),
        participant_order=participants,
        statement_order=order,
        sectors=sectors or None,
    )
    return matrix, (groups if i_group is not None else None)


def read_export(folder: str | Path) -> PolisExport:
    """Read an export folder; prefer ``votes.csv`` (it has timestamps) for the votes."""
    root = Path(folder)
    if not root.is_dir():
        raise MalformedExportError(str(root), "not a folder")
    comments = root / COMMENTS
    statement_order: list[str] = []
    excluded: frozenset[str] = frozenset()
    text: dict[str, str] = {}
    created: dict[str, float] = {}
    if comments.is_file():
        statement_order, excluded, text, created = _read_comments(comments)
    votes = root / VOTES
    pv = root / PARTICIPANTS_VOTES
    reference: dict[str, int | None] | None = None
    pv_matrix: VoteMatrix | None = None
    if pv.is_file():
        pv_matrix, reference = _read_participants_votes(pv, statement_order)
    history: frozenset[str] | None = None
    if votes.is_file():
        matrix, history = _read_votes(votes, statement_order, created)
        source = VOTES
    elif pv_matrix is not None:
        matrix, source = pv_matrix, PARTICIPANTS_VOTES
    else:
        raise MalformedExportError(
            str(root), f"neither {VOTES} nor {PARTICIPANTS_VOTES} is in the folder"
        )
    return PolisExport(matrix, excluded, reference, source, text, history)
