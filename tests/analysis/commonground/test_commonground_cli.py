import json
from pathlib import Path

import pytest

from walkthetalk.commonground_cli import main

from .commonground_helpers import polis_folder


def test_writes_the_documented_json(tmp_path: Path):
    folder = polis_folder("brexit-consensus")
    out = tmp_path / "out.json"
    assert main([str(folder), "--json", str(out), "--seed", "3", "--min-group-size", "5"]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    for key in ("participants", "projection", "groups", "repness", "consensus", "divides"):
        assert key in data
    assert set(data["consensus"]) >= {"agree", "disagree", "majority", "uncertainty"}
    groups = {g["id"] for g in data["groups"]}
    assert {v for v in data["participants"].values() if v is not None} == groups
    assert all(len(xy) == 2 for xy in data["projection"].values())
    assert set(data["repness"]) == {str(g) for g in groups}
    assert data["meta"]["seed"] == 3 and data["meta"]["source"] == "votes.csv"


def test_malformed_export_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "votes.csv").write_text("timestamp,comment-id,voter-id,vote\n1,1,1,yes\n")
    assert main([str(tmp_path), "--json", str(tmp_path / "o.json")]) == 2
    err = capsys.readouterr().err
    assert "votes.csv, line 2" in err and "'yes'" in err
    assert not (tmp_path / "o.json").exists()


def test_not_enough_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "votes.csv").write_text("timestamp,comment-id,voter-id,vote\n1,1,1,1\n")
    assert main([str(tmp_path), "--json", "-"]) == 1
    assert "fewer than two participants" in capsys.readouterr().err


def test_json_option_is_required():
    with pytest.raises(SystemExit):
        main(["somewhere"])


def test_min_group_size_below_the_privacy_floor_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    assert main([str(tmp_path), "--json", "-", "--min-group-size", "2"]) == 2
    assert "at least" in capsys.readouterr().err


def test_sector_column_is_read_and_suppressed(tmp_path: Path):
    rows = ["timestamp,comment-id,voter-id,vote,sector"]
    rng = __import__("random").Random(0)
    for p in range(60):
        sector = "peer" if p < 52 else "leader"
        camp = p % 2
        for c in range(10):
            vote = (1 if camp else -1) * (1 if c < 5 else -1)
            if rng.random() < 0.1:
                vote = 0
            rows.append(f"{p * 10 + c},{c},{p},{vote},{sector}")
    (tmp_path / "votes.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "o.json"
    assert main([str(tmp_path), "--json", str(out)]) == 0
    sectors = __import__("json").loads(out.read_text())["sectors"]
    assert set(sectors) == {"peer", "leader"}
    assert sectors["leader"]["participants"] is None  # 8 leaders, but 60 - 52 would reveal...
    assert all(
        v is None or v >= 5 or v == 0 for s in sectors.values() for v in s["groups"].values()
    )
