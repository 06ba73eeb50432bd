"""The processor in the decode workers: the model loop gets the tensors the inline processor gives.

Coded videos of three lengths (different token counts: real left padding), eight requests sharing
them (so a worker builds several rows from one video by the splice), tiny random Qwen2.5-VL and
Qwen3-VL. Checked against the inline path in the same process: the collated batch equals the
processor's batch tensor for tensor, greedy tokens are identical at batch 1 and 8, and the
first-step logits agree within 1e-5.
"""

from __future__ import annotations

import pytest

pytest.importorskip("av")
pytest.importorskip("transformers")

pytestmark = pytest.mark.slow

DURATIONS = (3.0, 5.0, 4.0)


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    from videorl.synth import make_video

    root = tmp_path_factory.mktemp("workers")
    for i, d in enumerate(DURATIONS):
        make_video(root / f"v{i}.mp4", duration=d, fps=8, size=(160, 120))
    return root


@pytest.fixture(scope="module", params=["qwen2_5_vl", "qwen3_vl"])
def engine(request, videos):
    from videorl.predict.hf import QwenEngine
    from videorl.testing import tiny_qwen

    build = tiny_qwen.build_tiny_qwen2_5_vl if request.param == "qwen2_5_vl" else tiny_qwen.build_tiny_qwen3_vl
    return QwenEngine(str(build(videos / request.param)))


def _jobs(root, n=8):
    from videorl.predict.run import GenJob

    # v0 x3, v1 x3, v2 x2; queries of different lengths; one clip
    return [GenJob(prompt=f"When does thing {i} happen" + " again" * (i % 3) + "?", video=str(root / f"v{i % 3}.mp4"),
                   clip=(1.0, 3.0) if i == 7 else None, max_new_tokens=6) for i in range(n)]


def test_worker_rows_equal_the_processor_batch(videos, engine):
    """Rows made by RowInputs (full processor for a video's first text, splice for the others) and
    collated equal the inline processor's padded batch, key for key."""
    import torch

    sampling = engine.sampling(fps=2.0, max_pixels=160 * 120)
    prep = engine.row_inputs()
    texts = [engine.chat_text(j.prompt) for j in _jobs(videos)]
    rows = []
    for v in range(3):
        frames, meta = sampling.decode(str(videos / f"v{v}.mp4"))
        mine = [t for i, t in enumerate(texts) if i % 3 == v]
        rows += prep(frames, meta, mine)
        inline = engine.inputs(mine, [(frames, meta)] * len(mine))
        got = engine.collate(rows[-len(mine):])
        assert set(got) == set(inline)
        for key in inline:
            assert torch.equal(got[key], inline[key]), key
    assert prep.spliced == 5  # 8 rows over 3 videos: 3 full processor calls, 5 splices
    # a different system prompt before the video: the splice does not apply, the full processor does
    other = engine.chat_text("q", system_prompt="You watch videos.")
    frames, meta = sampling.decode(str(videos / "v0.mp4"))
    two = prep(frames, meta, [texts[0], other])
    assert prep.spliced == 5
    ref = engine.inputs([other], [(frames, meta)])
    assert torch.equal(two[1]["input_ids"], ref["input_ids"][0])


def test_greedy_tokens_and_logits_match_the_inline_path(videos, engine):
    import torch

    from videorl.predict.decode import FramePrefetcher, video_key
    from videorl.predict.run import generate_jobs

    sampling = engine.sampling(fps=2.0, max_pixels=160 * 120)
    jobs = _jobs(videos)
    # today's path: decode in the loop or in a worker, processor in the loop
    ref1, _ = generate_jobs(engine, sampling, jobs, batch_size=1, workers=0, progress=False)
    ref8, _ = generate_jobs(engine, sampling, jobs, batch_size=8, workers=1, in_workers=False, progress=False)
    new8, t8 = generate_jobs(engine, sampling, jobs, batch_size=8, workers=1, progress=False)
    new1, _ = generate_jobs(engine, sampling, jobs, batch_size=1, workers=2, in_workers=True, progress=False)
    texts = [r.text for r in ref1]
    assert [r.text for r in ref8] == texts and [r.text for r in new8] == texts and [r.text for r in new1] == texts
    assert [r.meta.timestamps for r in new8] == [r.meta.timestamps for r in ref8]
    assert t8.prepare > 0 and t8.decodes == 4  # 3 videos + the clip, each decoded (and processed) once
    # CPU seconds per stage: the workers' decode and processor, the loop thread's padding and generate,
    # all inside the model process's own CPU total for the loop's part
    assert t8.decode_cpu > 0 and t8.prepare_cpu > 0 and t8.processor_cpu > 0 and t8.generate_cpu > 0
    assert t8.loop_cpu >= t8.processor_cpu + t8.generate_cpu - 0.02
    assert {"decode_cpu_s", "prepare_cpu_s", "generate_cpu_s", "loop_cpu_s"} <= set(t8.to_dict())

    # the tensors come back in shared memory, and give the inline batch's logits
    keys = [video_key(j.video, j.clip) for j in jobs]
    pay = [engine.chat_text(j.prompt) for j in jobs]
    items = list(FramePrefetcher(sampling, keys, workers=1, prepare=engine.row_inputs(), payloads=pay))
    assert all(it.frames is None and it.inputs["pixel_values_videos"].is_shared() for it in items)
    batch = engine.collate([it.inputs for it in items])
    inline = engine.inputs(pay, [sampling.decode(j.video, j.clip) for j in jobs])
    assert len(set(inline["attention_mask"].sum(1).tolist())) > 3  # padding is real
    with torch.inference_mode():
        a = engine.model(**batch).logits[:, -1]
        b = engine.model(**inline).logits[:, -1]
    assert torch.allclose(a, b, atol=1e-5, rtol=0)


def test_errors_stay_per_row_with_the_processor_in_workers(videos, engine, tmp_path):
    from videorl.predict.run import GenJob, generate_jobs

    sampling = engine.sampling(fps=2.0, max_pixels=160 * 120)
    jobs = _jobs(videos, 4) + [GenJob(prompt="x", video=str(tmp_path / "gone.mp4"), max_new_tokens=6)]
    res, t = generate_jobs(engine, sampling, jobs, batch_size=8, workers=1, ahead=1, progress=False)
    assert [r.error is None for r in res] == [True] * 4 + [False]
    assert "gone.mp4" in res[-1].error and res[-1].text == ""
    assert t.decodes == 4  # v0, v1, v2, the missing one; v0's second request shares its decode
