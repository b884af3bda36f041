from pathlib import Path

import numpy as np
import pytest

from walkthetalk.analysis.commonground import MalformedExportError, read_export
from walkthetalk.analysis.commonground.polis_io import (
    PARTICIPANTS_VOTES,
    _read_participants_votes,
    read_comments,
)

from .conftest import polis_folder

COMMENTS = "timestamp,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def test_reads_votes_keeping_latest_and_excluding_moderated(tmp_path: Path):
    _write(
        tmp_path,
        "comments.csv",
        COMMENTS + '1,1,0,0,0,1,a\n2,2,0,0,0,-1,"b, quoted"\n3,3,0,0,0,0,c\n',
    )
    _write(
        tmp_path,
        "votes.csv",
        "timestamp,datetime,comment-id,voter-id,vote\n"
        "100,x,1,7,1\n50,x,1,7,-1\n60,x,3,7,0\n70,x,2,8,1\n",
    )
    ex = read_export(tmp_path)
    assert ex.source == "votes.csv"
    assert ex.matrix.statement_ids == ("1", "2", "3")
    assert ex.excluded_statements == frozenset({"2"})
    dense = ex.matrix.values.toarray()
    assert dense[ex.matrix.participant_ids.index("7")].tolist() == [1, 0, 0]
    assert ex.matrix.voted().toarray().sum() == 3
    assert ex.reference_groups is None


def test_is_meta_statements_are_excluded(tmp_path: Path):
    head = "timestamp,comment-id,author-id,agrees,disagrees,moderated,is-meta,comment-body\n"
    _write(tmp_path, "comments.csv", head + "1,1,0,0,0,1,true,a\n1,2,0,0,0,1,false,b\n")
    ids, excluded, _ = read_comments(tmp_path / "comments.csv")
    assert ids == ["1", "2"] and excluded == frozenset({"1"})


@pytest.mark.parametrize(
    ("votes", "line", "fragment"),
    [
        ("timestamp,comment-id,voter-id\n", 1, "missing column(s) vote"),
        ("timestamp,comment-id,voter-id,vote\n1,1,1,1\n2,1,2,agree\n", 3, "'agree'"),
        ("timestamp,comment-id,voter-id,vote\n1,1,1,2\n", 2, "not -1, 0 or 1"),
        ("timestamp,comment-id,voter-id,vote\n1,1,1\n", 2, "no value for 'vote'"),
        ("timestamp,comment-id,voter-id,vote\nsoon,1,1,1\n", 2, "timestamp"),
        ("", 1, "empty"),
    ],
)
def test_malformed_votes_name_file_and_line(tmp_path: Path, votes: str, line: int, fragment: str):
    _write(tmp_path, "votes.csv", votes)
    with pytest.raises(MalformedExportError) as info:
        read_export(tmp_path)
    err = info.value
    assert err.file == "votes.csv"
    assert err.line == line
    assert fragment in str(err)
    assert f"votes.csv, line {line}" in str(err)


def test_malformed_participants_votes_and_comments(tmp_path: Path):
    _write(tmp_path, PARTICIPANTS_VOTES, "participant,group-id,1,2\n1,0,1,\n2,0,1\n")
    with pytest.raises(MalformedExportError, match=r"participants-votes.csv, line 3"):
        read_export(tmp_path)
    _write(tmp_path, PARTICIPANTS_VOTES, "participant,group-id,1,2\n1,0,1,x\n")
    with pytest.raises(MalformedExportError, match=r"line 2: vote 'x'"):
        read_export(tmp_path)
    _write(tmp_path, PARTICIPANTS_VOTES, "participant,group-id,1,2\n1,0,1,\n")
    _write(tmp_path, "comments.csv", COMMENTS + "1,1,0,0,0,maybe,a\n")
    with pytest.raises(MalformedExportError, match=r"comments.csv, line 2: moderated"):
        read_export(tmp_path)


def test_folder_without_votes_is_an_error(tmp_path: Path):
    _write(tmp_path, "comments.csv", COMMENTS)
    with pytest.raises(MalformedExportError, match="neither votes.csv nor"):
        read_export(tmp_path)
    with pytest.raises(MalformedExportError, match="not a folder"):
        read_export(tmp_path / "missing")


def test_votes_and_participants_votes_agree_on_real_data():
    """The export's latest-vote matrix equals the latest vote per cell from votes.csv."""
    folder = polis_folder("london.youth.policing")
    ex = read_export(folder)
    pv, groups = _read_participants_votes(
        folder / PARTICIPANTS_VOTES, list(ex.matrix.statement_ids)
    )
    assert groups is not None
    rows = [pv.participant_ids.index(p) for p in ex.matrix.participant_ids]
    cols = [pv.statement_ids.index(s) for s in ex.matrix.statement_ids]
    a = pv.values.toarray()[np.ix_(rows, cols)]
    am = pv.voted().toarray()[np.ix_(rows, cols)]
    np.testing.assert_array_equal(a, ex.matrix.values.toarray())
    np.testing.assert_array_equal(am, ex.matrix.voted().toarray())
    assert ex.reference_groups == groups
    assert set(v for v in groups.values() if v is not None) == {0, 1, 2}


def test_history_keeps_those_who_counted_when_there_were_few_statements(tmp_path: Path):
    # Statement 1 exists from t=0; statements 2..9 appear at t=100. Participant "early" voted
    # on the only statement at t=10 (1 >= min(7, 1)): Pol.is took them in and kept them.
    # "late" cast the same single vote at t=200, when 9 statements existed: never counted.
    comments = ["timestamp,comment-id,moderated,comment-body", "0,1,1,first"]
    comments += [f"100,{c},1,s{c}" for c in range(2, 10)]
    (tmp_path / "comments.csv").write_text("\n".join(comments) + "\n")
    votes = ["timestamp,comment-id,voter-id,vote", "10,1,early,1", "200,1,late,1"]
    votes += [f"{300 + c},{c},busy,-1" for c in range(1, 10)]
    (tmp_path / "votes.csv").write_text("\n".join(votes) + "\n")
    export = read_export(tmp_path)
    assert export.counted_before == frozenset({"early", "busy"})
