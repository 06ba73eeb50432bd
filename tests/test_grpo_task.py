"""The learning benchmark's task (videorl.testing.grpo_task): the blind control's video map and the format
warm-up that must teach how to answer but not which answer."""

from __future__ import annotations

import json
import math

import pytest

from videorl.testing.grpo_task import COLOURS, blind_source


@pytest.mark.parametrize("n", [4, 8, 12, 32])
def test_blind_source_carries_no_information(n):
    colour = [i % 2 for i in range(n)]  # make_colour_task: red for even records, green for odd
    src = [blind_source(i, n) for i in range(n)]
    assert sorted(src) == list(range(n))  # one-to-one: every video is shown once
    assert all(s != i for i, s in enumerate(src))  # no record sees its own video
    for c in (0, 1):  # among the records of each colour, half see that colour and half the other
        shown = [colour[src[i]] for i in range(n) if colour[i] == c]
        assert shown.count(c) == shown.count(1 - c) == n // 4
    # so the best frame-reading policy (answer the colour shown) is right exactly half the time
    assert sum(colour[src[i]] == colour[i] for i in range(n)) == n // 2
    for bad in ((0, 6), (-1, 8), (8, 8)):
        with pytest.raises(ValueError):
            blind_source(*bad)


@pytest.mark.slow
def test_format_warmup_teaches_the_format_not_the_answer(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("av")
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from videorl.plugins.trl_video import records_dataset
    from videorl.testing.grpo_task import format_warmup, make_colour_task
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl
    from videorl.video import sample_frames
    from videorl.video.qwen import processor_video_kwargs

    torch.set_num_threads(1)
    records = make_colour_task(tmp_path / "data", n=2, seed=0, shuffle_options=False, fill=True)
    model_dir = build_tiny_qwen2_5_vl(tmp_path / "model", seed=1)
    processor = AutoProcessor.from_pretrained(model_dir)
    model = AutoModelForImageTextToText.from_pretrained(model_dir)
    visual = {n: p.detach().clone() for n, p in model.model.visual.named_parameters()}
    history = format_warmup(model, processor, records_dataset(records, style="direct"), steps=80, lr=3e-3, seed=0)

    # the loss is the mean over the two target tokens (letter, end of turn) of the mean over letters of
    # -log p: at best -(log 1/2 + log 1/2) / 2 on the letter and 0 on the end of turn, i.e. log(2) / 2
    floor = math.log(2) / 2
    assert all(h["loss"] >= floor - 1e-4 for h in history)
    assert history[0]["loss"] > 3 and history[-1]["loss"] < floor + 0.03
    assert all(torch.equal(p, visual[n]) for n, p in model.model.visual.named_parameters())  # frozen

    # a fresh forward per record, its own video: the answer letter is near certain, and A vs B is a coin flip
    tok = processor.tokenizer
    a, b = tok.encode("A")[0], tok.encode("B")[0]
    seen = set()
    for row in records_dataset(records, style="direct"):
        target = json.loads(row["target"])
        seen.add(target["options"][0 if target["answer"] == "A" else 1])
        frames, meta = sample_frames(json.loads(row["video"])["path"], fps=2.0, min_pixels=3136,
                                     max_pixels=3136, patch_size=14, merge_size=2)
        text = processor.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=False)
        inputs = processor(text=[text], return_tensors="pt", **processor_video_kwargs([(frames, meta)], "qwen2_5_vl"))
        with torch.no_grad():
            p = model(**inputs).logits[0, -1].softmax(-1)
        assert p[a] + p[b] > 0.95
        assert abs(p[a] - p[b]) < 0.05, (row["id"], float(p[a]), float(p[b]))
    assert seen == set(COLOURS)  # both answers were in the data: the warm-up saw red and green videos
