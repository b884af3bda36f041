import json
from pathlib import Path

import pytest

from walkthetalk.analysis.commonground.cli import main

from .conftest import polis_folder


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


def test_too_little_data_gives_empty_lists_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    (tmp_path / "votes.csv").write_text("timestamp,comment-id,voter-id,vote\n1,1,1,1\n")
    out = tmp_path / "o.json"
    assert main([str(tmp_path), "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["groups"] == [] and data["divides"] == []
    assert data["consensus"]["agree"] == [] and data["consensus"]["majority"]["agree"] == []
    assert "one statement" in data["reasons"]["groups"]
    assert "no groups: there is only one statement" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["missing-folder/out.json", "a-file/out.json", "."])
def test_unwritable_output_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
):
    (tmp_path / "a-file").write_text("not a folder")
    target = tmp_path / where
    assert main([str(polis_folder("london.youth.policing")), "--json", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"commonground: cannot write {target}:")
    assert err.count("\n") == 1


def test_runs_as_a_module_and_through_walkthetalk(tmp_path: Path):
    import subprocess
    import sys

    from walkthetalk.site.cli import main as walkthetalk_main

    folder = str(polis_folder("london.youth.policing"))
    out = tmp_path / "module.json"
    done = subprocess.run(
        [sys.executable, "-m", "walkthetalk.analysis.commonground", folder, "--json", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    via = tmp_path / "via.json"
    assert walkthetalk_main(["commonground", folder, "--json", str(via)]) == 0
    assert json.loads(out.read_text()) == json.loads(via.read_text())


def test_json_carries_text_and_the_full_statement_table(tmp_path: Path):
    folder = polis_folder("brexit-consensus")
    out = tmp_path / "out.json"
    assert main([str(folder), "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    n_groups = len(data["groups"])
    assert len(data["statements"]) == 50
    for row in data["statements"]:
        assert row["text"]
        assert row["seen"] == row["agree"] + row["disagree"] + row["pass"]
        assert len(row["groups"]) == n_groups
        assert sum(g["agree"] for g in row["groups"]) == row["agree"]
        assert len(row["repness"]) == n_groups
        assert set(row["consensus"]) == {"agree", "disagree"}
    listed = [*data["consensus"]["agree"], *data["divides"], *data["repness"]["0"]]
    assert listed and all(item["text"] for item in listed)
    # "I voted to Leave." / "I voted to Remain." are about the participant: never listed.
    about = {r["id"] for r in data["statements"] if r["status"] == "about the participant"}
    assert about == {"0", "1"}
    everywhere = [
        *data["consensus"]["agree"],
        *data["consensus"]["disagree"],
        *data["consensus"]["majority"]["agree"],
        *data["consensus"]["majority"]["disagree"],
        *data["consensus"]["uncertainty"],
        *data["divides"],
        *[r for reps in data["repness"].values() for r in reps],
    ]
    assert not about & {item["statement"] for item in everywhere}


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
