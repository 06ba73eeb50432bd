"""The worker's video step (uint8 patches in shared memory) finished in the loop equals the processor.

transformers' own Qwen2.5-VL and Qwen3-VL processors (tiny checkpoints built locally) are the
reference: for coded videos of two sizes, alone and as a batch, ``finish_pixels`` of the fast path's
uint8 patches must be ``torch.equal`` to the processor's ``pixel_values_videos`` (and every other key
equal), a resize request must take the processor's own path, and a row must cross a process boundary
with its pixels in shared memory and its small tensors by value.
"""

from __future__ import annotations

import pytest

pytest.importorskip("av")
pytest.importorskip("transformers")

FAMILIES = ("qwen2_5_vl", "qwen3_vl")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    from videorl.predict.decode import Sampling
    from videorl.synth import make_video

    root = tmp_path_factory.mktemp("pixels")
    out = []
    for i, (d, size) in enumerate(((2.0, (160, 120)), (3.0, (200, 112)))):
        make_video(root / f"v{i}.mp4", duration=d, fps=8, size=size)
        out.append(str(root / f"v{i}.mp4"))
    return root, out, Sampling


@pytest.fixture(scope="module", params=FAMILIES)
def processor(request, clips):
    from transformers import AutoProcessor

    from videorl.testing import tiny_qwen

    build = tiny_qwen.build_tiny_qwen2_5_vl if request.param == "qwen2_5_vl" else tiny_qwen.build_tiny_qwen3_vl
    path = build(clips[0] / request.param)
    return request.param, AutoProcessor.from_pretrained(str(path))


def _text(proc):
    messages = [{"role": "user", "content": [{"type": "video"}, {"type": "text", "text": "When?"}]}]
    return proc.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


def test_uint8_patches_finish_to_the_processor_values(clips, processor):
    import torch

    from videorl.predict.pixels import NORM_KEY, fast_processor, finish_pixels
    from videorl.video.qwen import processor_video_kwargs

    family, proc = processor
    vp = proc.video_processor
    _, paths, sampling_cls = clips
    sampling = sampling_cls(patch_size=vp.patch_size, merge_size=vp.merge_size, max_pixels=160 * 120)
    videos = [sampling.decode(p) for p in paths]
    fast = fast_processor(proc, shared=False)
    text = _text(proc)
    for group in ([videos[0]], [videos[1]], videos):  # one video each, then a batch of two sizes
        kw = processor_video_kwargs(group, family)
        ref = proc(text=[text] * len(group), padding=True, return_tensors="pt", **kw)
        got = fast(text=[text] * len(group), padding=True, return_tensors="pt", **kw)
        assert got["pixel_values_videos"].dtype == torch.uint8 and got[NORM_KEY].shape == (2, 3)
        assert set(got) == set(ref) | {NORM_KEY}
        for key in ref:
            if key != "pixel_values_videos":
                assert torch.equal(got[key], ref[key]), key
        pix = finish_pixels([got["pixel_values_videos"]], [got[NORM_KEY]])
        assert pix.dtype == torch.float32 and torch.equal(pix, ref["pixel_values_videos"])
    # mixed parts into a reused, larger buffer: a float part (the processor's own path) and a uint8 one
    a = proc(text=[text], return_tensors="pt", **processor_video_kwargs([videos[0]], family))
    b = fast(text=[text], return_tensors="pt", **processor_video_kwargs([videos[1]], family))
    buf = torch.full((10_000, a["pixel_values_videos"].shape[1]), float("nan"))
    both = finish_pixels([a["pixel_values_videos"], b["pixel_values_videos"]], [None, b[NORM_KEY]], buf)
    ref = proc(text=[text] * 2, padding=True, return_tensors="pt", **processor_video_kwargs(videos, family))
    assert torch.equal(both, ref["pixel_values_videos"]) and both.data_ptr() == buf.data_ptr()
    # a resize asked of the processor: its own float32 path, unchanged
    kw = processor_video_kwargs([videos[0]], family)
    kw["do_resize"] = True
    got = fast(text=[text], return_tensors="pt", **kw)
    assert NORM_KEY not in got and got["pixel_values_videos"].dtype == torch.float32
    assert torch.equal(got["pixel_values_videos"], proc(text=[text], return_tensors="pt", **kw)["pixel_values_videos"])


def _pass_through_a_process(rows):
    return rows


def test_rows_cross_processes_with_shared_pixels(clips, processor):
    """Through the decode pool's own pickling: the pixel tensor arrives in shared memory (one storage for
    the rows of a video), the ids by value; the collated batch equals the in-process one."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import torch
    import torch.multiprocessing  # noqa: F401  (the shared-memory reductions)

    from videorl.predict.hf import _PROCESSORS, Row, RowInputs, collate

    family, proc = processor
    vp = proc.video_processor
    _, paths, sampling_cls = clips
    sampling = sampling_cls(patch_size=vp.patch_size, merge_size=vp.merge_size, max_pixels=160 * 120)
    frames, meta = sampling.decode(paths[0])
    key = f"pixels-test-{family}"
    _PROCESSORS[key] = proc
    prep = RowInputs(key, family)
    text = _text(proc)
    rows = prep(frames, meta, [text, text.replace("When?", "When, again?")])
    assert all(isinstance(r, Row) for r in rows) and rows[0]["pixel_values_videos"].is_shared()
    assert prep.spliced == 1
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        back = pool.submit(_pass_through_a_process, rows).result()
    assert back[0]["pixel_values_videos"].is_shared()
    assert back[0]["pixel_values_videos"].data_ptr() == back[1]["pixel_values_videos"].data_ptr()
    assert not back[0]["input_ids"].is_shared()
    pad = int(proc.tokenizer.pad_token_id)
    mine, theirs = collate(rows, pad), collate(back, pad)
    assert set(mine) == set(theirs)
    for k in mine:
        assert torch.equal(mine[k], theirs[k]), k
    proc.tokenizer.padding_side = "left"
    ref = proc(text=[text, text.replace("When?", "When, again?")], padding=True, return_tensors="pt",
               **processor_kwargs(family, [(frames, meta)] * 2))
    for k in ref:
        assert torch.equal(mine[k], ref[k]), k


def processor_kwargs(family, videos):
    from videorl.video.qwen import processor_video_kwargs

    return processor_video_kwargs(videos, family)
