"""Host tier: LLaMA-Factory 0.9.5's own SFT data path and trainer on `videorl data export llamafactory` output.

Everything LLaMA-Factory does here is its own code in its own environment (tests/host_llamafactory.py):
the dataset converter, ``mm_plugin`` (Qwen2VLPlugin / Qwen3VLPlugin), the collator with the model's
``get_rope_index``, ``llamafactory-cli train`` and ``llamafactory-cli export``. What the model is
told is read back from the collated batches by :mod:`videorl.testing.lf_clock` (frame codes from
``pixel_values_videos``, temporal M-RoPE ids or ``<t seconds>`` markers) and compared with the
coded videos' truth and with what videorl's own glue tells the model in RL and evaluation
(tests/lf_clock_cases.py says how).
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import pytest
from host_llamafactory import LLAMAFACTORY, lf_environ
from lf_clock_cases import (
    DURATIONS,
    MODELS,
    clock_error,
    eval_told,
    lf_config,
    make_cases,
    sweep_specs,
    true_times,
    write_records,
)

from videorl.data.export_llamafactory import PATCH_SIZE, export_llamafactory
from videorl.video.cache import FrameCache

pytestmark = pytest.mark.host
NTSC = Fraction(30000, 1001)


@pytest.fixture(scope="module")
def lf():
    return LLAMAFACTORY.ensure()


def _tiny(env, folder: Path, models=tuple(MODELS)) -> dict[str, Path]:
    """Tiny random models with the released processor sizes, built by transformers 4.57.1 in the host env."""
    code = ("import sys; from videorl.testing import tiny_qwen as t; "
            "[getattr(t, 'build_tiny_' + m)(sys.argv[1] + '/' + m, released_sizes=True) for m in sys.argv[2:]]")
    env.script(code, str(folder), *models, env=lf_environ(env))
    return {m: folder / m for m in models}


def _probe(env, configs: list[Path], out: Path) -> list[list[dict]]:
    """LLaMA-Factory's own data path on each config (one process): per config, the probed samples."""
    env.run(["-m", "videorl.testing.lf_clock", out, *configs], env=lf_environ(env), timeout=900)
    return [run["samples"] for run in json.loads(out.read_text())["runs"]]


def test_clock_exact_through_mm_plugin_every_container_and_duration(lf, tmp_path: Path) -> None:
    # 3 containers x 6 durations at 4 fps (2 fps targets land on frames), plus Charades-like (30.96 s) and
    # ActivityNet-like (119.5 s) clips at 29.97 fps, where the nearest frame is up to half a frame off the target.
    cases = make_cases(tmp_path / "videos", sweep_specs() + [("charades", 30.96, NTSC, "mp4"),
                                                             ("activitynet", 119.5, NTSC, "webm")])
    records = write_records(cases, tmp_path / "clock.jsonl")
    tiny = _tiny(lf, tmp_path / "tiny")
    configs = []
    for model in MODELS:
        data = tmp_path / f"lf_{model}"
        summary = export_llamafactory(records, data, name="clock", style="direct", model=model)
        assert summary.written == len(cases) and "video_fps: 2" in summary.overrides
        configs.append(lf_config(tmp_path / f"{model}.yaml", model_dir=tiny[model], data_dir=data, dataset="clock",
                                 model=model, out_dir=tmp_path / f"out_{model}"))
    for model, samples in zip(MODELS, _probe(lf, configs, tmp_path / "probe.json"), strict=True):
        data = tmp_path / f"lf_{model}"
        assert len(samples) == len(cases)
        cache = FrameCache(data / "frames", format="jpeg")
        for case, s in zip(cases, samples, strict=True):
            v, where = case.video, f"{model} {case.name}"
            _, meta = cache.frame_paths(v.path, fps=2.0, max_pixels=50176, min_pixels=3136,
                                        patch_size=PATCH_SIZE[model])
            # the very frames the sampler chose for RL and eval, every one, none re-sampled or dropped
            assert s["frames"] == meta.frame_indices, where
            n_expect = math.ceil(v.duration * 2 - 1e-9)  # targets k / 2 s before the end, then an even count
            assert len(s["frames"]) == n_expect - n_expect % 2, where
            # undistorted: the vision tower sees the sampler's size (no 28 -> 32 re-rounding, no re-resize)
            assert s["size"] == [meta.height, meta.width], where
            assert s["video_tokens"] == s["video_features"] > 0, where
            # the same times as RL and evaluation (videorl's glue on the same frames); the one exception is
            # Qwen3-VL off the frame grid, where LF prints target times and the glue real ones: a marker on
            # the k + 0.25 rounding boundary can then differ by 0.1 s (docs/clock.md, NTSC)
            on_grid = case.name.startswith("d")
            tol = 1e-9 if on_grid or model == "qwen2_5_vl" else 0.1 + 1e-9
            assert s["told"] == pytest.approx(eval_told(model, meta), abs=tol), where
            err = clock_error(model, v, s)
            if on_grid:  # 4 fps clips: every target is a frame -> exact
                assert err == 0.0, where
            elif model == "qwen2_5_vl":  # 29.97 fps: the patch's first frame is <= half a frame from k s
                assert err <= 0.5 / float(NTSC) + 1e-9, where
            else:  # Qwen3-VL markers: the rounded mean of the pair, see docs/clock.md
                assert err <= 0.1 + 1e-9, where
            if model == "qwen2_5_vl":
                assert s["second_per_grid_ts"] == [1.0] and s["time_ids"] == list(range(0, 2 * len(s["told"]), 2))
            assert max(true_times(v, s["frames"])) >= v.duration - 1.05, where  # the whole clip, to its last second
    assert {c.name for c in cases} >= {f"d{d:g}_{c}" for d in DURATIONS for c in ("mp4", "mkv", "webm")}


def test_sft_step_merge_and_reload(lf, tmp_path: Path) -> None:
    """One real `llamafactory-cli train` step on the export, the merge, and a merged config that reloads as released."""
    cases = make_cases(tmp_path / "videos", [("charades", 30.96, NTSC, "mp4")])
    records = write_records(cases, tmp_path / "train.jsonl")
    data = tmp_path / "lf"
    export_llamafactory(records, data, name="train", style="r1", model="qwen2_5_vl")
    base = _tiny(lf, tmp_path / "tiny", ("qwen2_5_vl",))["qwen2_5_vl"]
    adapter, merged = tmp_path / "adapter", tmp_path / "merged"
    cfg = lf_config(tmp_path / "sft.yaml", model_dir=base, data_dir=data, dataset="train", model="qwen2_5_vl",
                    out_dir=adapter, cutoff_len=4096, max_steps=1, logging_steps=1, save_strategy="no",
                    learning_rate=1.0e-3)
    cli = lf.root / "bin" / "llamafactory-cli"
    r = lf.run([cli, "train", cfg], env=lf_environ(lf), timeout=600)  # the console script, by the env's python
    log = r.stdout + r.stderr
    assert "Set vision model not trainable" in log  # LLaMA-Factory knows it is a VLM: LoRA on the LLM only
    state = json.loads((adapter / "trainer_state.json").read_text())
    assert state["global_step"] == 1 and state["log_history"][0]["loss"] > 0
    assert (adapter / "adapter_model.safetensors").stat().st_size > 0

    merge = tmp_path / "merge.yaml"
    merge.write_text(f"model_name_or_path: {base}\nadapter_name_or_path: {adapter}\ntemplate: qwen2_vl\n"
                     f"trust_remote_code: true\nexport_dir: {merged}\nexport_size: 5\nexport_device: cpu\n"
                     "export_legacy_format: false\n")
    lf.run([cli, "export", merge], env=lf_environ(lf), timeout=600)
    reload = ("import sys; from transformers import AutoConfig; c = AutoConfig.from_pretrained(sys.argv[1]); "
              "print(c.model_type)")
    # transformers 4.57.1 saves text_config.model_type, so the merged model reloads as the text model ...
    assert lf.script(reload, str(merged), env=lf_environ(lf)).stdout.split()[-1] == "qwen2_5_vl_text"
    fix = Path(__file__).resolve().parents[1] / "recipes" / "lib" / "fix_merged_config.py"
    assert lf.run([fix, merged, "--check"], env=lf_environ(lf), check=False).returncode == 1
    lf.run([fix, merged], env=lf_environ(lf))
    # ... and after the recipe's fix as the released one: LLaMA-Factory freezes the vision tower again.
    check = ("import sys; from transformers import AutoConfig; from llamafactory.hparams import FinetuningArguments; "
             "from llamafactory.model.model_utils.visual import get_forbidden_modules; "
             "c = AutoConfig.from_pretrained(sys.argv[1]); "
             "f = FinetuningArguments(finetuning_type='lora', lora_target=['all']); "
             "print(c.model_type, sorted(get_forbidden_modules(c, f)))")
    out = lf.script(check, str(merged), env=lf_environ(lf)).stdout.strip().splitlines()[-1]
    assert out.startswith("qwen2_5_vl ") and "visual.blocks" in out and "visual.merger" in out
