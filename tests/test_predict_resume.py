"""``videorl predict`` survives interruption and says when it failed.

- a run killed with SIGKILL mid-way (a real subprocess) and resumed with ``--resume`` leaves the same
  file, byte for byte, as an uninterrupted run;
- missing videos stop the run before the model is loaded (the model path does not even exist),
  with the resolution rule and the fix;
- failed rows beyond ``--max-failures`` make the run exit non-zero after every row is written.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from videorl.io import write_jsonl
from videorl.predict.guard import FailureBudget, read_rows_tolerant

REPO = Path(__file__).resolve().parents[1]
N = 12
FLAGS = ["--max-new-tokens", "4", "--batch-size", "1", "--workers", "0", "--fps", "1", "--max-pixels", str(160 * 120)]


def _records(root: Path, n: int = N, missing: int = 0) -> Path:
    rows = [{"id": f"s{i}", "video": f"v{i % 3}.mp4", "duration": 3.0 + i % 3, "task": "grounding",
             "query": f"thing {i}", "spans": [[0.5, 2.0]]} for i in range(n)]
    for i in range(missing):
        rows[i]["video"] = f"gone{i}.mp4"
    path = root / f"recs{n}_{missing}.jsonl"
    write_jsonl(path, rows)
    return path


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    pytest.importorskip("av")
    pytest.importorskip("transformers")
    from videorl.synth import make_video
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

    root = tmp_path_factory.mktemp("resume")
    for i in range(3):
        make_video(root / f"v{i}.mp4", duration=3.0 + i, fps=8, size=(160, 120))
    return root, build_tiny_qwen2_5_vl(root / "q25")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])])
    env.pop("VIDEORL_VIDEO_DIR", None)
    return env


@pytest.mark.slow
def test_kill_9_then_resume_equals_an_uninterrupted_run(setup):
    import videorl
    from videorl.predict.hf import QwenEngine

    root, model = setup
    recs = _records(root)
    full, cut = root / "full.jsonl", root / "cut.jsonl"
    # the uninterrupted run, in this process, through the same writer
    engine = QwenEngine(str(model))
    videorl.predict(str(model), recs, output=full, engine=engine, video_dir=str(root), max_new_tokens=4,
                    batch_size=1, workers=0, fps=1.0, max_pixels=160 * 120, progress=False)
    assert not (root / "full.jsonl.partial").exists()
    cmd = [sys.executable, "-m", "videorl", "predict", str(recs), "--model", str(model), "-o", str(cut),
           "--video-dir", str(root), *FLAGS]
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    partial = root / "cut.jsonl.partial"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if partial.exists() and partial.read_text().count("\n") >= 2:
                break
            time.sleep(0.02)
        assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read()[-2000:]}"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert not cut.exists()  # the output appears only complete
    kept = read_rows_tolerant(partial)
    assert 2 <= len(kept) < N
    kw = dict(engine=engine, video_dir=str(root), max_new_tokens=4, batch_size=1, workers=0, fps=1.0,
              max_pixels=160 * 120, progress=False)
    with pytest.raises(FileExistsError, match="--resume"):  # the interrupted run's rows are not thrown away
        videorl.predict(str(model), recs, output=cut, **kw)
    r = subprocess.run([*cmd, "--resume"], env=_env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"{len(kept)} rows already in" in r.stderr
    assert cut.read_bytes() == full.read_bytes()
    assert not partial.exists()
    rows = [json.loads(line) for line in cut.read_text().splitlines()]
    assert [row["id"] for row in rows] == [f"s{i}" for i in range(N)]
    # resuming a complete run changes nothing; resuming with another setting is refused, naming it
    videorl.predict(str(model), recs, output=cut, resume=True, **kw)
    assert cut.read_bytes() == full.read_bytes()
    with pytest.raises(ValueError, match="temperature"):
        videorl.predict(str(model), recs, output=cut, resume=True, temperature=0.5, **kw)


def test_missing_videos_fail_before_the_model_loads(setup, capsys, monkeypatch):
    """The model path does not exist: reaching it would be another error. Nothing is written."""
    from videorl.cli import main

    root, _ = setup
    recs = _records(root, n=4, missing=2)
    out = root / "never.jsonl"
    monkeypatch.chdir(root.parent)
    monkeypatch.delenv("VIDEORL_VIDEO_DIR", raising=False)
    assert main(["predict", str(recs), "--model", str(root / "no-such-model"), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "4 of 4 records have no video file" in err  # no --video-dir: v*.mp4 are not in the cwd either
    assert "neither is set, so against the current directory" in err and "Fix: pass --video-dir" in err
    assert not out.exists() and not (root / "never.jsonl.partial").exists()
    monkeypatch.setenv("VIDEORL_VIDEO_DIR", str(root))
    assert main(["predict", str(recs), "--model", str(root / "no-such-model"), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "2 of 4 records have no video file" in err and f"$VIDEORL_VIDEO_DIR ({root})" in err
    assert "s0: " + str(root / "gone0.mp4") in err


def test_failed_rows_beyond_the_budget_exit_nonzero_after_writing(setup, capsys, monkeypatch):
    import videorl.predict.hf as hf
    from videorl.cli import main
    from videorl.predict.hf import QwenEngine

    root, model = setup
    engine = QwenEngine(str(model))
    monkeypatch.setattr(hf, "QwenEngine", lambda *a, **k: engine)
    (root / "broken.mp4").write_bytes(b"not a video at all")  # exists, so only the decode can fail
    rows = [{"id": f"b{i}", "video": "broken.mp4" if i == 0 else f"v{i % 3}.mp4", "duration": 3.0 + i % 3,
             "task": "grounding", "query": "q", "spans": [[0.5, 2.0]]} for i in range(4)]
    write_jsonl(root / "b.jsonl", rows)
    out = root / "b.pred.jsonl"
    base = ["predict", str(root / "b.jsonl"), "--model", str(model), "-o", str(out), "--video-dir", str(root), *FLAGS]
    assert main(base) == 1  # default --max-failures 0%
    err = capsys.readouterr().err
    assert "1 of 4 rows failed" in err and "b0:" in err
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(written) == 4 and written[0]["predict"]["error"] and not written[1]["predict"].get("error")
    assert main([*base, "--max-failures", "25%"]) == 0
    assert "(1 failed, within --max-failures 25%)" in capsys.readouterr().out
    assert main([*base, "--max-failures", "1"]) == 0
    # a resume redoes the failed row only (still failing), keeps the others
    assert main([*base, "--resume", "--max-failures", "1"]) == 0


def test_failure_budget_parsing():
    assert FailureBudget.parse(None).allows(0, 10) and not FailureBudget.parse(None).allows(1, 10)
    assert FailureBudget.parse("10%").allows(1, 10) and not FailureBudget.parse("10%").allows(2, 10)
    assert FailureBudget.parse("2").allows(2, 3) and not FailureBudget.parse("2").allows(3, 1000)
    for bad in ("-1", "x", "101%", "1.5"):
        with pytest.raises(ValueError, match="max-failures"):
            FailureBudget.parse(bad)


def test_a_line_cut_by_a_kill_is_dropped_and_a_bad_middle_line_is_an_error(tmp_path):
    from videorl.record import RecordError

    p = tmp_path / "x.partial"
    p.write_text('{"id": "a"}\n{"id": "b"}\n{"id": "c", "predi')
    assert [r["id"] for r in read_rows_tolerant(p)] == ["a", "b"]
    p.write_text('{"id": "a"}\n{"id"\n{"id": "c"}\n')
    with pytest.raises(RecordError, match=r"x.partial:2"):
        read_rows_tolerant(p)
