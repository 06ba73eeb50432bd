"""The LLaMA-Factory export's exact-clock defaults and guards, and the merged-config fix (no host env needed).

The host-tier proof that LLaMA-Factory itself tells these times is tests/test_host_llamafactory.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from videorl.data.export_llamafactory import export_llamafactory
from videorl.record import RecordError
from videorl.synth import make_video, read_frame_code

REPO = Path(__file__).resolve().parents[1]
FIX = REPO / "recipes" / "lib" / "fix_merged_config.py"


def _records(tmp_path: Path, videos: list[Path], clip=None) -> Path:
    rows = [{"id": f"t/{i}", "video": str(v), "duration": 6.0, "task": "grounding", "query": "q",
             "spans": [[1.0, 2.0]], **({"clip": clip} if clip else {})} for i, v in enumerate(videos)]
    p = tmp_path / "r.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return p


@pytest.fixture(scope="module")
def clip6(tmp_path_factory) -> Path:
    # 6 s at 29.97 fps, 160x120; with max_pixels 160*120 = 19200 (smart_resize by hand): Qwen2.5-VL rounds to
    # 112x168 (h x w, multiples of 28; 18816 px fits); Qwen3-VL to 128x160 = 20480 > 19200, so floor: 96x160
    d = tmp_path_factory.mktemp("lfv")
    return make_video(d / "c.mkv", duration=6.006, fps=29.97, size=(160, 120)).path


@pytest.mark.parametrize(("model", "size"), [("qwen2_5_vl", (168, 112)), ("qwen3_vl", (160, 96))])
def test_default_export_is_frame_lists_at_exact_times(clip6: Path, tmp_path: Path, model: str, size) -> None:
    out = tmp_path / "lf"
    s = export_llamafactory(_records(tmp_path, [clip6], clip=[1.0, 5.0]), out, style="direct", model=model,
                            max_pixels=160 * 120)
    [sample] = json.loads((out / "r.json").read_text())
    [frames] = sample["videos"]
    assert all(Path(f).parent.parent.parent == out / "frames" for f in frames)  # default cache: OUT/frames
    # clip [1, 5) at 2 fps: targets 1.0, 1.5, ..., 4.5 s -> nearest frames round(t * 29.97) (30, 45, 60, 75, ...)
    expect = [round((1.0 + k / 2) * 29.97) for k in range(8)]
    got = []
    for f in frames:
        with Image.open(f) as im:
            assert im.size == size
            got.append(read_frame_code(np.asarray(im.convert("RGB"))).index)
    assert got == expect
    area = size[0] * size[1]
    assert s.overrides[2:] == ["video_fps: 2", f"video_max_pixels: {area}  # or more",
                               f"video_min_pixels: {area}  # or less",
                               f"cutoff_len: more than {4 * area // (2 * (14 if model == 'qwen2_5_vl' else 16)) ** 2}"
                               " video tokens + the text"]


def test_fps_that_qwen2_5_vl_cannot_tell_is_refused(clip6: Path, tmp_path: Path) -> None:
    rec = _records(tmp_path, [clip6])
    with pytest.raises(ValueError, match=r"second_per_grid_ts = 2/1.5 = 1.33333.*truncates"):
        export_llamafactory(rec, tmp_path / "a", fps=1.5)
    # 1 fps (second_per_grid 2) is exact; Qwen3-VL writes times as text, so 1.5 fps is fine there
    assert export_llamafactory(rec, tmp_path / "b", fps=1.0, max_pixels=4096).written == 1
    assert export_llamafactory(rec, tmp_path / "c", fps=1.5, model="qwen3_vl", max_pixels=4096).written == 1


def test_qwen3_budget_and_bad_videos_name_the_record(clip6: Path, tmp_path: Path) -> None:
    # 2 frames of 32x32 = 2048 pixels < the released Qwen3-VL video minimum 4096: LLaMA-Factory would upscale
    rec = _records(tmp_path, [clip6], clip=[1.0, 2.0])
    with pytest.raises(RecordError, match=r"outside the Qwen3-VL video processor's budget"):
        export_llamafactory(rec, tmp_path / "a", model="qwen3_vl", max_pixels=1024, min_pixels=1024)
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    p = _records(tmp_path, [clip6, bad])
    with pytest.raises(RecordError, match=rf"{p}:2.*video.*not a readable video"):
        export_llamafactory(p, tmp_path / "b")
    with pytest.raises(ValueError, match="exclude each other"):
        export_llamafactory(p, tmp_path / "c", path_videos=True, frames_cache=tmp_path / "fc")


def _config(tmp_path: Path, text_type: str | None, top: str = "qwen2_5_vl") -> Path:
    d = tmp_path / "m"
    d.mkdir(parents=True, exist_ok=True)
    text = {"hidden_size": 64, **({"model_type": text_type} if text_type else {})}
    (d / "config.json").write_text(json.dumps({"model_type": top, "text_config": text, "vision_config": {}}))
    return d


def test_fix_merged_config(tmp_path: Path) -> None:
    d = _config(tmp_path, "qwen2_5_vl_text")
    run = lambda *a: subprocess.run([sys.executable, str(FIX), *map(str, a)], capture_output=True, text=True)  # noqa: E731
    r = run(d, "--check")
    assert r.returncode == 1 and "shadows model_type" in r.stdout
    assert run(d).returncode == 0
    cfg = json.loads((d / "config.json").read_text())
    assert cfg == {"model_type": "qwen2_5_vl", "text_config": {"hidden_size": 64}, "vision_config": {}}
    assert run(d, "--check").returncode == 0 and "already" in run(d).stdout  # idempotent
    assert run(_config(tmp_path / "q3", "qwen3_vl_text", top="qwen3_vl"), "--check").returncode == 0  # unaffected
    (d / "config.json").write_text("{\n  oops")
    r = run(d)
    assert r.returncode == 2 and f"{d}/config.json:2: malformed JSON" in r.stderr
    assert run(tmp_path / "nowhere").returncode == 2


def test_sft_recipe_refuses_a_model_that_reloads_as_text(tmp_path: Path) -> None:
    model = _config(tmp_path, "qwen2_5_vl_text")
    data = tmp_path / "data"
    data.mkdir()
    (data / "dataset_info.json").write_text(json.dumps({"train": {}}))
    r = subprocess.run(["bash", str(REPO / "recipes" / "qwen2_5_vl_7b_sft.sh"), "--dry-run"], capture_output=True,
                       text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "MODEL_PATH": str(model),
                                       "DATA_DIR": str(data), "PYTHON": sys.executable})
    assert r.returncode == 2 and "reloads as qwen2_5_vl_text" in r.stderr and "fix_merged_config.py" in r.stderr


def test_sft_dry_run_refuses_settings_that_change_the_export(clip6: Path, tmp_path: Path) -> None:
    data = tmp_path / "lf"
    export_llamafactory(_records(tmp_path, [clip6]), data, name="train", model="qwen2_5_vl")

    def dry(recipe: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", str(REPO / "recipes" / f"{recipe}.sh"), "--dry-run", *args],
                              capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DATA_DIR": str(data),
                                   "PYTHON": sys.executable, "NPROC_PER_NODE": "1"})

    assert dry("qwen2_5_vl_7b_sft").returncode == 0
    r = dry("qwen2_5_vl_7b_sft", "video_fps=1", "video_max_pixels=3000", "cutoff_len=64")
    assert r.returncode == 2
    assert "video_fps 1 differs from the export's --fps 2" in r.stderr
    assert "video_max_pixels 3000 is below the largest frame" in r.stderr
    assert "cutoff_len 64 does not exceed" in r.stderr
    r = dry("qwen3_vl_8b_sft")
    assert r.returncode == 2 and "the frames were sized for qwen2_5_vl (export with --model qwen3_vl)" in r.stderr
