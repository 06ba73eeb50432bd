"""``data export`` and ``frames build`` follow ``predict``'s rules: missing videos stop the command before
anything is written or decoded (with the resolution rule and the fix), unless ``--max-failures`` allows them."""

from __future__ import annotations

import pytest

from videorl.cli import main
from videorl.io import write_jsonl


@pytest.fixture
def records(tmp_path):
    pytest.importorskip("av")
    from videorl.synth import make_video

    (tmp_path / "videos").mkdir()
    make_video(tmp_path / "videos" / "v.mp4", duration=3.0, fps=8, size=(64, 48))
    rows = [{"id": f"r{i}", "video": "v.mp4" if i else "gone.mp4", "duration": 3.0, "task": "grounding",
             "query": "q", "spans": [[0.5, 2.0]]} for i in range(4)]
    write_jsonl(tmp_path / "r.jsonl", rows)
    return tmp_path


def test_data_export_fails_fast_on_missing_videos(records, capsys):
    pytest.importorskip("pyarrow")
    out = records / "e"
    args = ["data", "export", "easyr1", str(records / "r.jsonl"), "--out", str(out), "--video-dir",
            str(records / "videos")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "1 of 4 records have no video file" in err and "r0: " in err and "gone.mp4" in err
    assert f"against --video-dir ({records / 'videos'})" in err and "Fix: pass --video-dir" in err
    assert not out.exists()
    assert main([*args, "--max-failures", "25%"]) == 0  # allowed: written, with the warning
    assert "1 video files do not exist here" in capsys.readouterr().out
    assert main([*args, "--max-failures", "25%", "--strict-videos"]) == 2


def test_frames_build_fails_fast_on_missing_videos(records, capsys):
    cache = records / "cache"
    args = ["frames", "build", str(records / "r.jsonl"), "--cache-dir", str(cache), "--min-pixels", "784", "--max-pixels", "3072"]
    assert main(args) == 2  # no --video-dir and no VIDEORL_VIDEO_DIR: all four resolve against the cwd
    assert "4 of 4 records have no video file" in capsys.readouterr().err and not cache.exists()
    assert main([*args, "--video-dir", str(records / "videos"), "--max-failures", "1"]) == 0
    assert "1 built" in capsys.readouterr().out
