"""Inside TRL's training forward passes, each row's frames are *its own prompt's* video, at the trainer's fps,
within the record's clip, on NTSC and variable-rate files, with the released text positions.

Three records, each with its own prompt text and its own coded video (every frame carries its index):

- ``cfr``: 8 fps, 5 s, no clip;
- ``ntsc``: 30000/1001 fps, 150 frames, clip [0.5, 4.6];
- ``vfr``: variable rate (synth's 1/2, 5/4, 5/4 frame-duration pattern around 2 fps), 6 s, clip [0.5, 4.6].

The trainer samples at ``video_fps=1.0`` (not the default 2). By hand (targets ``clip_start + k / fps``
while inside the clip, the nearest frame, an odd count drops its last): ``cfr`` 0, 1, 2, 3 s (4 s dropped)
-> frames 0, 8, 16, 24; ``ntsc`` 0.5, 1.5, 2.5, 3.5 s (4.5 dropped) -> frames 15, 45, 75, 105 (t * 29.97
rounded); ``vfr`` 0.5, 1.5, 2.5, 3.5 s -> frames 1, 3, 5, 7 at 0.25, 1.5, 2.375, 3.25 s (synth's exact frame
times, :func:`videorl.synth.frame_times`). Two patches per video, 2 s each at 1 fps. Qwen3-VL must print the
VFR patches at 0.6 and 2.6 s (means 0.625, 2.5625 s of the model clock); a trainer that gave Qwen3-VL
Qwen2.5-VL's metadata (``k / fps``) would print 0.5 and 2.5.

For every row of every training forward the test finds the row's record from its prompt text, turns the
row's ``pixel_values_videos`` back into frames (undoing the processor's normalisation and patch order)
and reads the frame codes: they must be that record's frames. A trainer that paired rows with other
rows' videos, ignored ``video_fps`` or the clip, or told Qwen3-VL the wrong clock for NTSC / VFR files
fails here. Qwen2.5-VL: the position ids that reach the language model put the text after the video at the
video's largest id + 1 (the released numbering that
:func:`videorl.video.qwen.restore_text_positions_after_vision` restores on transformers 5.x).
Qwen3-VL: the prompt prints each patch's mean time.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("trl")
pytest.importorskip("av")

from transformers import AutoModelForImageTextToText, AutoProcessor  # noqa: E402
from trl import GRPOConfig  # noqa: E402

from videorl.plugins.trl import VideoRLReward  # noqa: E402
from videorl.plugins.trl_video import VideoGRPOTrainer, records_dataset  # noqa: E402
from videorl.synth import frame_times, make_video, read_frame_code  # noqa: E402
from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl, build_tiny_qwen3_vl  # noqa: E402
from videorl.video.qwen import parse_qwen3_timestamps  # noqa: E402

pytestmark = pytest.mark.slow  # two one-step GRPO runs, about a minute on 2 cores

FPS = 1.0
SAMPLING = {"video_fps": FPS, "video_min_pixels": 3136, "video_max_pixels": 3136}


def _nearest(times: list[Fraction], t: float) -> int:
    return min(range(len(times)), key=lambda i: (abs(float(times[i]) - t), i))


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    d = tmp_path_factory.mktemp("pairing")
    specs = {"cfr": ({"fps": 8, "duration": 5}, None), "ntsc": ({"fps": Fraction(30000, 1001), "duration": 5},
                                                              [0.5, 4.6]),
             "vfr": ({"fps": 2, "duration": 6, "vfr": True}, [0.5, 4.6])}
    rows, expected = [], {}
    for name, (kw, clip) in specs.items():
        v = make_video(d / f"{name}.mp4", size=(64, 48), **kw)
        c0 = 0.0 if clip is None else clip[0]
        times = frame_times(v.n_frames, v.fps, v.vfr)
        codes = [_nearest(times, c0 + k / FPS) for k in range(4)]
        expected[name] = {"codes": codes, "seconds": [float(times[i] - times[codes[0]]) for i in codes]}
        rows.append({"id": name, "video": v.path.name, "duration": v.duration, "task": "mcq", "clip": clip,
                     "query": f"Question about the {name} video: which colour?", "options": ["red", "green"],
                     "answer": "A", "schema_version": 1})
    assert expected["cfr"]["codes"] == [0, 8, 16, 24] and expected["ntsc"]["codes"] == [15, 45, 75, 105]
    assert expected["vfr"]["codes"] == [1, 3, 5, 7] and expected["vfr"]["seconds"] == [0.0, 1.25, 2.125, 3.0]
    path = d / "records.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path, expected


def _frames_from_pixels(pixels, grid, processor) -> np.ndarray:
    """uint8 ``[T, H, W, 3]`` frames from one video's ``pixel_values_videos`` rows: the inverse of the Qwen
    video processor's patch order and normalisation."""
    vp = processor.video_processor
    t, h, w = (int(x) for x in grid)
    tp, ps, m = int(vp.temporal_patch_size), int(vp.patch_size), int(vp.merge_size)
    x = pixels.reshape(t, h // m, w // m, m, m, 3, tp, ps, ps)
    x = x.permute(0, 6, 5, 1, 3, 7, 2, 4, 8).reshape(t * tp, 3, h * ps, w * ps)
    mean = torch.tensor(vp.image_mean).view(1, 3, 1, 1)
    std = torch.tensor(vp.image_std).view(1, 3, 1, 1)
    x = (x * std + mean) * 255.0
    return x.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()


def _train(model, processor, records, out):
    captured, state = [], {"outer": None}

    def pre(module, args, kwargs):
        if "labels" in kwargs:  # the log-prob forward passes (old / reference / training), not generation
            state["outer"] = {k: v.detach().clone() if torch.is_tensor(v) else v for k, v in kwargs.items()
                              if k != "labels"}

    def post(module, args, kwargs, output):
        if state["outer"] is not None:
            captured.append(state["outer"])
        state["outer"] = None

    def lm_pre(module, args, kwargs):
        if state["outer"] is not None:
            state["outer"]["lm_position_ids"] = kwargs["position_ids"].detach().clone()

    handles = [model.register_forward_pre_hook(pre, with_kwargs=True),
               model.register_forward_hook(post, with_kwargs=True),
               model.model.language_model.register_forward_pre_hook(lm_pre, with_kwargs=True)]
    config = GRPOConfig(output_dir=str(out), per_device_train_batch_size=6, num_generations=2,
                        max_completion_length=2, max_steps=1, learning_rate=1e-3, beta=0.04, temperature=1.0,
                        logging_steps=1, save_strategy="no", report_to=[], use_cpu=True, seed=0, disable_tqdm=True)
    trainer = VideoGRPOTrainer(model=model, processing_class=processor, args=config,
                               reward_funcs=[VideoRLReward("default_mcq")], train_dataset=records_dataset(records),
                               **SAMPLING)
    trainer.train()
    for h in handles:
        h.remove()
    assert captured, "no log-prob forward pass was seen"
    return trainer, captured


def _rows(captured, processor):
    """(forward kwargs, row, record id, frame codes read from the row's pixels) of every forward row."""
    tok = processor.tokenizer
    for kw in captured:
        grid = kw["video_grid_thw"]
        n = kw["input_ids"].shape[0]
        assert grid.shape[0] == n
        per_row = torch.split(kw["pixel_values_videos"], grid.prod(-1).tolist())
        for i in range(n):
            text = tok.decode(kw["input_ids"][i][kw["attention_mask"][i].bool()])
            ids = re.findall(r"Question about the (\w+) video", text)
            assert len(ids) == 1, text
            frames = _frames_from_pixels(per_row[i], grid[i], processor)
            yield kw, i, ids[0], [read_frame_code(f).index for f in frames], text


def test_qwen2_5_vl_rows_get_their_own_video_clip_fps_and_text_positions(task, tmp_path):
    records, expected = task
    d = build_tiny_qwen2_5_vl(tmp_path / "model")
    processor = AutoProcessor.from_pretrained(d)
    model = AutoModelForImageTextToText.from_pretrained(d)
    trainer, captured = _train(model, processor, records, tmp_path / "out")
    tps = trainer.model.config.vision_config.tokens_per_second
    video_id = processor.video_token_id
    seen = set()
    for kw, i, rid, codes, _ in _rows(captured, processor):
        seen.add(rid)
        assert codes == expected[rid]["codes"], rid  # its own video, at 1 fps, inside its clip
        assert float(kw["second_per_grid_ts"][i]) == pytest.approx(2 / FPS)  # 2 frames per patch at 1 fps
        # the position ids the language model got: video time ids k * 2 s * tps, then the text at max + 1
        keep = kw["attention_mask"][i].bool()
        pos = kw["lm_position_ids"][:, i, :] if kw["lm_position_ids"].dim() == 3 else kw["lm_position_ids"][-3:, i]
        pos = pos[:, keep]
        ids = kw["input_ids"][i][keep]
        is_video = (ids == video_id).nonzero().flatten()
        first, last = int(is_video[0]), int(is_video[-1])
        start = int(pos[0, first])
        assert sorted(set((pos[0, first:last + 1] - start).tolist())) == [0, int(2 / FPS * tps)]  # [0, 4]
        assert int(pos[:, last + 1].min()) == int(pos[:, first:last + 1].max()) + 1  # released numbering
        assert torch.equal(pos[:, last + 1:], pos[:, last + 1:last + 2] + torch.arange(len(ids) - last - 1))
    assert seen == set(expected)


def test_qwen3_vl_rows_get_their_own_video_and_clock_on_ntsc_and_vfr(task, tmp_path):
    records, expected = task
    d = build_tiny_qwen3_vl(tmp_path / "model")
    processor = AutoProcessor.from_pretrained(d)
    model = AutoModelForImageTextToText.from_pretrained(d)
    _, captured = _train(model, processor, records, tmp_path / "out")
    seen = set()
    for _, _, rid, codes, text in _rows(captured, processor):
        seen.add(rid)
        assert codes == expected[rid]["codes"], rid
        # two patches of two frames: Qwen3-VL prints each pair's mean model time with one decimal
        sec = expected[rid]["seconds"]
        means = [(sec[0] + sec[1]) / 2, (sec[2] + sec[3]) / 2]
        assert parse_qwen3_timestamps(text) == pytest.approx(means, abs=0.051)
        if rid == "vfr":
            assert parse_qwen3_timestamps(text) == [0.6, 2.6]
    assert seen == set(expected)
