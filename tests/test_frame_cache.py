"""Frame cache: hit, miss, invalidation, atomic builds, concurrent builders, JPEG frame lists, CLI."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import shutil

import numpy as np
import pytest
from video_fixtures import coded  # noqa: F401

import videorl.video.exact as exact_mod
from videorl.cli import main as cli_main
from videorl.synth import make_video, read_frame_code
from videorl.video import sample_frames
from videorl.video.cache import FrameCache

SET = {"fps": 2.0, "min_pixels": 3136, "max_pixels": 160 * 120}


@pytest.fixture
def video(tmp_path):
    return make_video(tmp_path / "v.mp4", duration=2, fps=10, size=(160, 120)).path


def _counting(monkeypatch):
    calls = []
    real = exact_mod.decode_frames  # what the cache decodes with on a miss

    def counted(*a, **k):
        calls.append(a[0])
        return real(*a, **k)

    monkeypatch.setattr(exact_mod, "decode_frames", counted)
    return calls


def test_miss_then_hit_returns_same_frames(tmp_path, video, monkeypatch):
    calls = _counting(monkeypatch)
    cache = FrameCache(tmp_path / "c")
    f1, m1 = cache.get_or_build(video, **SET)
    f2, m2 = cache.get_or_build(video, **SET)
    assert len(calls) == 1  # decoded once
    assert np.array_equal(f1, f2) and m1 == m2
    assert m2.frame_indices == [0, 5, 10, 15]  # 2 s at 10 fps sampled at 2 fps
    ref, ref_meta = sample_frames(video, **SET)
    assert np.array_equal(ref, f2) and ref_meta == m2
    # through sample_frames(cache=...) too
    f3, _ = sample_frames(video, cache=tmp_path / "c", **{k: v for k, v in SET.items()})
    assert np.array_equal(f3, f1) and len(calls) == 1  # still one decode: a hit
    assert len(cache.entries()) == 1 and cache.verify_entry(cache.entries()[0]) == []


def test_settings_and_touch_change_the_key(tmp_path, video):
    cache = FrameCache(tmp_path / "c")
    k = cache.key(video, **SET)
    assert cache.key(video, **{**SET, "fps": 1.0}) != k
    assert cache.key(video, **SET, clip=[0.0, 1.0]) != k
    assert cache.key(video, **{**SET, "max_pixels": 200 * 150}) != k
    assert cache.key(video, "jpeg", **SET) != k
    assert cache.key(video, fps=2, min_pixels=3136, max_pixels=160 * 120) == k  # int/float fps alike
    cache.get_or_build(video, **SET)
    st = os.stat(video)
    os.utime(video, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert cache.key(video, **SET) != k and not cache.has(video, **SET)
    # content hash: same bytes elsewhere keep the hash part equal but the path differs
    hashed = FrameCache(tmp_path / "h", content_hash=True)
    assert len(hashed.key_inputs(video, **SET)["file"]["sha256"]) == 64


def test_interrupted_build_leaves_no_entry(tmp_path, video, monkeypatch):
    cache = FrameCache(tmp_path / "c", format="jpeg")
    from PIL import Image

    real_save, n = Image.Image.save, []

    def dying_save(self, *a, **k):
        n.append(1)
        if len(n) == 3:
            raise KeyboardInterrupt  # as if the job were stopped while writing frame 3
        return real_save(self, *a, **k)

    monkeypatch.setattr(Image.Image, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        cache.get_or_build(video, **SET)
    assert not cache.has(video, **SET) and cache.entries() == []
    assert cache.stale_temp_dirs() == []  # the temporary folder was removed on the way out
    monkeypatch.setattr(Image.Image, "save", real_save)
    paths, meta = cache.frame_paths(video, **SET)
    assert [read_frame_code(np.asarray(Image.open(p))).index for p in paths] == meta.frame_indices == [0, 5, 10, 15]


def test_killed_build_leaves_only_a_hidden_temp_dir(tmp_path, video):
    cache = FrameCache(tmp_path / "c")
    entry = cache.entry_dir(cache.key(video, **SET))
    # what a SIGKILL during the build leaves: a half-written temporary folder beside the entry
    tmp = entry.parent / f".tmp-{entry.name}-dead"
    tmp.mkdir(parents=True)
    (tmp / "frames.npy").write_bytes(b"\x93NUMPY half")
    assert not cache.has(video, **SET) and cache.entries() == [] and cache.stale_temp_dirs() == [tmp]
    frames, meta = cache.get_or_build(video, **SET)
    assert frames.shape[0] == 4 and cache.has(video, **SET)


def _build_in_child(root, video, q):
    frames, meta = FrameCache(root).get_or_build(video, **SET)
    q.put((frames.shape, meta.frame_indices))


def test_two_processes_build_the_same_entry(tmp_path, video):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_build_in_child, args=(str(tmp_path / "c"), str(video), q)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [q.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert results[0] == results[1] == ((4, 112, 168, 3), [0, 5, 10, 15])  # 160x120 rounds to 112x168 = 18816 px
    cache = FrameCache(tmp_path / "c")
    assert len(cache.entries()) == 1 and cache.verify_entry(cache.entries()[0]) == []
    assert cache.stale_temp_dirs() == []


def test_losing_the_rename_race_keeps_the_winner(tmp_path, video):
    cache = FrameCache(tmp_path / "c")
    frames, _ = cache.get_or_build(video, **SET)
    entry = cache.entries()[0]
    cache._build(video, entry, "npy", **SET)  # a second builder finishing later
    assert cache.entries() == [entry] and cache.stale_temp_dirs() == []
    assert np.array_equal(cache.get_or_build(video, **SET)[0], frames)


def _records(tmp_path, videos, name="recs.jsonl"):
    lines = [{"id": f"r{i}", "video": v, "duration": 2.0, "task": "grounding", "query": "q",
              "spans": [[0.5, 1.0]], **({"clip": c} if c else {})} for i, (v, c) in enumerate(videos)]
    p = tmp_path / name
    p.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return p


def test_cli_build_resume_and_verify(tmp_path, video, capsys):
    (tmp_path / "junk.mp4").write_text("not a video")
    good = _records(tmp_path, [("v.mp4", None), ("v.mp4", [0.5, 1.5]), ("v.mp4", None)], "good.jsonl")
    recs = _records(tmp_path, [("v.mp4", None), ("v.mp4", [0.5, 1.5]), ("junk.mp4", None), ("gone.mp4", None)])
    args = ["frames", "build", str(recs), "--cache-dir", str(tmp_path / "c"), "--video-dir", str(tmp_path),
            "--fps", "2", "--min-pixels", "3136", "--max-pixels", "19200"]
    assert cli_main(args) == 2  # gone.mp4 is missing: stop before any decode (default --max-failures 0%)
    assert "gone.mp4" in capsys.readouterr().err and not (tmp_path / "c" / "build_report.json").exists()
    args += ["--max-failures", "1"]  # one missing file allowed, but junk.mp4 fails to decode too
    assert cli_main(args) == 1  # two failures, the rest built
    report = json.loads((tmp_path / "c" / "build_report.json").read_text())
    assert (report["videos"], report["built"], report["cached"], report["failed"]) == (4, 2, 0, 2)
    assert sorted(os.path.basename(f["video"]) for f in report["failures"]) == ["gone.mp4", "junk.mp4"]
    assert cli_main(args + ["--workers", "2"]) == 1  # resume: nothing rebuilt
    report = json.loads((tmp_path / "c" / "build_report.json").read_text())
    assert (report["built"], report["cached"], report["failed"]) == (0, 2, 2)
    verify = ["frames", "verify", "--cache-dir", str(tmp_path / "c"), "--video-dir", str(tmp_path),
              "--fps", "2", "--min-pixels", "3136", "--max-pixels", "19200"]
    assert cli_main(verify + [str(good)]) == 0
    assert cli_main(verify + [str(good), "--max-pixels", "40000"]) == 1  # other settings: entries missing
    entry = FrameCache(tmp_path / "c").entries()[0]
    (entry / "frames.npy").write_bytes(b"garbage")
    assert cli_main(verify) == 1
    assert "unreadable frames" in capsys.readouterr().out
    shutil.rmtree(entry)
    assert cli_main(verify + [str(good)]) == 1  # the record whose entry is gone is reported missing
