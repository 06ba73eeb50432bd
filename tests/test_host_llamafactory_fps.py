"""Host tier: a LLaMA-Factory export at fps other than 2, read back through LLaMA-Factory 0.9.5's own mm_plugin.

The export's printed ``video_fps`` override and its side file (read by the SFT recipes' dry-run check) must
carry the export's fps, and LLaMA-Factory, configured with that override, must tell the model the frames'
times. Values by hand, on a 6 s coded clip at 4 fps (every target lands on a frame):

- Qwen2.5-VL at 1 fps: frames 0, 4, ..., 20 (0..5 s), ``second_per_grid_ts`` 2, patches told 0, 2, 4 s
  (time ids 0, 4, 8 at tokens_per_second 2);
- Qwen2.5-VL at 0.5 fps: targets 0, 2, 4 s, an odd count drops the last: frames 0, 8, ``second_per_grid_ts``
  4, one patch told 0 s;
- Qwen3-VL at 1 fps: frames 0, 4, ..., 20, markers at the pair means 0.5, 2.5, 4.5 s.

An export that wrote 2 into the side file or printed ``video_fps: 2`` would make LLaMA-Factory tell
half or a quarter of these times.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from host_llamafactory import LLAMAFACTORY, lf_environ
from lf_clock_cases import lf_config, make_cases, write_records

from videorl.data.export_llamafactory import export_llamafactory

pytestmark = pytest.mark.host

CASES = [  # (model, fps, frames, second_per_grid_ts or None, told)
    ("qwen2_5_vl", 1.0, [0, 4, 8, 12, 16, 20], 2.0, [0.0, 2.0, 4.0]),
    ("qwen2_5_vl", 0.5, [0, 8], 4.0, [0.0]),
    ("qwen3_vl", 1.0, [0, 4, 8, 12, 16, 20], None, [0.5, 2.5, 4.5]),
]


@pytest.fixture(scope="module")
def lf():
    return LLAMAFACTORY.ensure()


def test_export_at_fps_other_than_2_is_told_right_by_llamafactory(lf, tmp_path: Path) -> None:
    [case] = make_cases(tmp_path / "videos", [("d6", 6.0, 4, "mp4")])
    records = write_records([case], tmp_path / "fps.jsonl")
    models = sorted({m for m, *_ in CASES})
    code = ("import sys; from videorl.testing import tiny_qwen as t; "
            "[getattr(t, 'build_tiny_' + m)(sys.argv[1] + '/' + m, released_sizes=True) for m in sys.argv[2:]]")
    lf.script(code, str(tmp_path / "tiny"), *models, env=lf_environ(lf))
    configs = []
    for i, (model, fps, *_rest) in enumerate(CASES):
        data = tmp_path / f"lf{i}"
        summary = export_llamafactory(records, data, name="fps", style="direct", model=model, fps=fps)
        assert f"video_fps: {fps:g}" in summary.overrides  # what the user pastes into the LF config
        printed = float(next(o for o in summary.overrides if o.startswith("video_fps:")).split(":")[1])
        assert json.loads((data / "fps.videorl.json").read_text())["fps"] == fps  # the dry-run check's source
        [sample] = json.loads((data / "fps.json").read_text())
        assert len(sample["videos"][0]) == len(_rest[0])  # frame lists: every sampled frame, no more
        configs.append(lf_config(tmp_path / f"{i}.yaml", model_dir=tmp_path / "tiny" / model, data_dir=data,
                                 dataset="fps", model=model, out_dir=tmp_path / f"out{i}", video_fps=printed))
    out = tmp_path / "probe.json"
    lf.run(["-m", "videorl.testing.lf_clock", out, *configs], env=lf_environ(lf), timeout=900)
    runs = [run["samples"] for run in json.loads(out.read_text())["runs"]]
    for (model, fps, frames, spg, told), [s] in zip(CASES, runs, strict=True):
        where = f"{model} at {fps:g} fps"
        assert s["frames"] == frames, where  # frame codes read back from LF's pixel_values_videos
        assert s["told"] == pytest.approx(told, abs=1e-9), where
        if spg is not None:
            assert s["second_per_grid_ts"] == [spg], where
            assert s["time_ids"] == [int(t * 2) for t in told], where
