"""``videorl score``: exact numbers on examples/predictions.jsonl, bad input, atomic output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from videorl.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "predictions.jsonl"

# Hand-computed metrics of examples/predictions.jsonl.
# grounding, IoU per record (GT vs parsed prediction):
#   1: [3,7] vs [3,7] -> 1;  2: [10,20] vs [12,20] -> 8/10 = 0.8;  3: [0,10] vs [5,15] -> 5/15 = 0.3333;
#   4: [4,8] vs [2,6] -> 2/6 = 0.3333;  5: unparseable -> 0 (parse_fail);  6: [5,15] vs [5,10] -> 5/10 = 0.5
#   R1@0.3 = 5/6 = 83.33, R1@0.5 = 3/6 = 50, R1@0.7 = 2/6 = 33.33,
#   mIoU = (100 + 80 + 33.33 + 33.33 + 0 + 50) / 6 = 49.44, parse_fail = 1/6 = 16.67
# mcq: 1 "(B) ..." right; 2 "sits down on a chair" -> C by text, right (lmms-eval would read "a" as A);
#   3 "(A)" wrong; 4 "none of the above" -> no answer: accuracy 2/4 = 50, parse_fail 1/4 = 25
# grounded_qa (official NExT-GQA rules):
#   1: B right, [13,22] vs [[12.1,17.1],[20,23.5]]: tIoU 4.1/9.9 = 0.4141, tIoP 4.1/9 = 0.4556
#   2: A right, [2,8] vs [[1.2,5.8]]: tIoU 3.8/6.8 = 0.5588, tIoP 3.8/6 = 0.6333 (>= 0.5: Acc@GQA)
#   3: "D" wrong and no span
#   count: Acc@QA 2/3, Acc@GQA 1/3, mIoU (41.41 + 55.88) / 3 = 32.43, mIoP (45.56 + 63.33) / 3 = 36.30,
#          IoU@0.3 2/3, IoU@0.5 1/3, IoP@0.3 2/3, IoP@0.5 1/3, parse_fail 1/3
#   skip:  the grounding metrics over the 2 questions with a span: mIoU 97.30 / 2 = 48.65,
#          mIoP 108.89 / 2 = 54.44, IoU@0.3 100, IoU@0.5 50, IoP@0.3 100, IoP@0.5 50, Acc@GQA 50
EXPECTED = {
    "grounding": {"R1@0.3": 83.33, "R1@0.5": 50.0, "R1@0.7": 33.33, "mIoU": 49.44, "parse_fail": 16.67, "count": 6},
    "mcq": {"accuracy": 50.0, "parse_fail": 25.0, "count": 4},
    "grounded_qa": {"Acc@QA": 66.67, "Acc@GQA": 33.33, "mIoU": 32.43, "mIoP": 36.3, "IoU@0.3": 66.67,
                    "IoU@0.5": 33.33, "IoP@0.3": 66.67, "IoP@0.5": 33.33, "parse_fail": 33.33, "count": 3},
}
EXPECTED_SKIP_GQA = {"Acc@QA": 66.67, "Acc@GQA": 50.0, "mIoU": 48.65, "mIoP": 54.44, "IoU@0.3": 100.0,
                     "IoU@0.5": 50.0, "IoP@0.3": 100.0, "IoP@0.5": 50.0, "parse_fail": 33.33, "count": 3}


def _close(got, expected):
    """The hand-worked 2-decimal values, against the full-precision JSON."""
    assert got.keys() == expected.keys()
    for task, metrics in expected.items():
        assert got[task] == pytest.approx(metrics, abs=0.005), task


def run_main(args, capsys):
    rc = main(["score", *map(str, args)])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_example_json(capsys):
    rc, out, _ = run_main([EXAMPLE, "--json"], capsys)
    assert rc == 0
    got = json.loads(out)
    _close(got, EXPECTED)
    # machine output is not rounded: the exact means of the hand-worked per-record values
    assert got["grounding"]["mIoU"] == pytest.approx((100 + 80 + 100 / 3 + 100 / 3 + 0 + 50) / 6, abs=1e-9)
    assert got["grounding"]["R1@0.3"] == pytest.approx(500 / 6, abs=1e-9)


def test_example_skip(capsys):
    rc, out, _ = run_main([EXAMPLE, "--json", "--nextgqa-missing", "skip"], capsys)
    assert rc == 0
    _close({"grounded_qa": json.loads(out)["grounded_qa"]}, {"grounded_qa": EXPECTED_SKIP_GQA})


def test_example_table(capsys):
    rc, out, _ = run_main([EXAMPLE], capsys)
    assert rc == 0
    lines = out.splitlines()
    assert lines[0].split() == ["task", "count", "R1@0.3", "R1@0.5", "R1@0.7", "mIoU", "parse_fail"]
    assert lines[1].split() == ["grounding", "6", "83.33", "50.00", "33.33", "49.44", "16.67"]


def test_example_subprocess():
    proc = subprocess.run([sys.executable, "-m", "videorl", "score", str(EXAMPLE), "--json"], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    _close(json.loads(proc.stdout), EXPECTED)


def test_per_sample_output(tmp_path, capsys):
    out_path = tmp_path / "out" / "scored.jsonl"
    rc, _, _ = run_main([EXAMPLE, "--json", "--per-sample", out_path], capsys)
    assert rc == 0
    rows = [json.loads(line) for line in out_path.read_text().splitlines()]
    assert len(rows) == 13
    by_id = {r["id"]: r for r in rows}
    assert by_id["grounding/2"]["scores"]["parsed_span"] == [12.0, 20.0]
    assert by_id["grounding/2"]["scores"]["mIoU"] == pytest.approx(80.0)
    assert by_id["grounding/5"]["scores"]["parse_fail"] == 100.0
    assert by_id["mcq/2"]["scores"]["parsed_answer"] == "C"
    assert by_id["gqa/1"]["prediction"] == "B; 13 - 22"  # the input record is kept
    # re-running replaces the file (atomic), leaving no temporary files behind
    rc, _, _ = run_main([EXAMPLE, "--json", "--per-sample", out_path], capsys)
    assert rc == 0 and sorted(p.name for p in out_path.parent.iterdir()) == ["scored.jsonl"]


def test_policies(tmp_path, capsys):
    f = tmp_path / "p.jsonl"
    rec = {"id": "a", "video": "v.mp4", "duration": 30.0, "task": "grounding", "query": "q", "spans": [[20.0, 30.0]]}
    f.write_text(json.dumps({**rec, "prediction": "40 - 20"}) + "\n")
    # swapped to (20, 40), clamped to (20, 30): IoU 1
    assert json.loads(run_main([f, "--json"], capsys)[1])["grounding"]["mIoU"] == 100.0
    # not clamped: IoU 10 / 20 = 0.5
    assert json.loads(run_main([f, "--json", "--no-clamp"], capsys)[1])["grounding"]["mIoU"] == 50.0
    # reversed counts as a failure
    got = json.loads(run_main([f, "--json", "--reversed", "invalid"], capsys)[1])["grounding"]
    assert got["parse_fail"] == 100.0 and got["mIoU"] == 0.0


GOOD = {"id": "a", "video": "v.mp4", "duration": 30.0, "task": "grounding", "query": "q", "spans": [[1.0, 2.0]],
        "prediction": "1 - 2"}


@pytest.mark.parametrize(("second_line", "needle"), [
    ("{not json", "malformed JSON"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "duration"} | {"id": "b"}), "field 'duration'"),
    (json.dumps(GOOD | {"id": "b", "duration": 0}), "field 'duration': must be > 0"),
    (json.dumps(GOOD | {"id": "b", "duration": -3}), "field 'duration'"),
    ('{"id": "b", "video": "v.mp4", "duration": NaN, "task": "grounding", "query": "q", "spans": [[1, 2]], '
     '"prediction": "1 - 2"}', "field 'duration': must be finite"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "prediction"} | {"id": "b"}), "field 'prediction': no prediction"),
    (json.dumps(GOOD | {"id": "b", "prediction": None, "prediction_span": [1, float("nan")]}),
     "field 'prediction_span'"),
    (json.dumps(GOOD | {"id": "b", "prediction": 5}), "field 'prediction': must be a string"),
    (json.dumps(GOOD | {"id": "b", "predicton": "1 - 2"}), "unknown field"),
    (json.dumps(GOOD), "duplicate id"),
])
def test_bad_input(tmp_path, capsys, second_line, needle):
    f = tmp_path / "bad.jsonl"
    f.write_text(json.dumps(GOOD) + "\n" + second_line + "\n")
    out_path = tmp_path / "scored.jsonl"
    rc, out, err = run_main([f, "--per-sample", out_path], capsys)
    assert rc == 2
    assert f"{f}:2:" in err and needle in err
    assert out == ""
    assert not out_path.exists()  # nothing partial is written
    assert list(tmp_path.iterdir()) == [f]


def test_missing_and_empty_files(tmp_path, capsys):
    rc, _, err = run_main([tmp_path / "nope.jsonl"], capsys)
    assert rc == 2 and "file not found" in err
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    rc, _, err = run_main([empty], capsys)
    assert rc == 2 and "no records" in err


def test_help_lists_every_option(capsys):
    with pytest.raises(SystemExit):
        main(["score", "--help"])
    out = capsys.readouterr().out
    for opt in ("--json", "--per-sample", "--reversed", "--no-clamp", "--nextgqa-missing"):
        assert opt in out
