"""A tiny video task that a randomly initialised model can learn with GRPO on a CPU in minutes.

"Which colour is the block in the video?": each coded video (:func:`videorl.synth.make_video`)
shows one event block for its whole length, red (event 0) or green (event 1, drawn in the next
column). The record is an ``mcq`` with the two colour names as options, in an order drawn per
sample, so the right letter is A or B equally often. Any videorl MCQ reward scores it (the
``default_mcq`` preset: 0.9 * accuracy + 0.1 * lenient format); the option parser also reads an
answer that names the colour. A model that names one colour every time earns accuracy 0.5; only one
that looks at the frames earns more.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

COLOURS = ("red", "green")


def make_colour_task(directory: str | os.PathLike, n: int = 8, *, seed: int = 0, duration: float = 2.0,
                     fps: float = 8, size: tuple[int, int] = (64, 48), shuffle_options: bool = True,
                     fill: bool = False, query: str = "Which colour is the block in the video?") -> Path:
    """Write ``n`` coded videos and ``records.jsonl`` under ``directory``; return the records path.

    Record ``i`` is red for even ``i`` and green for odd ``i``. ``shuffle_options=False`` keeps the
    options in one order (red = A, green = B) for every record, so all prompts have the same text and
    only the frames tell the answer; videos of one colour are then identical in every pixel (no texture),
    so the frames tell nothing but the colour. ``fill=True`` paints everything below the frame-code band in
    the record's colour (the easy version: the colour covers three quarters of every frame, not one small
    block), still with each frame's code."""
    from videorl.synth import make_video

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        colour = i % 2  # balanced: half red, half green
        name = f"colour_{i:03d}.mp4"
        events = [(0.0, duration + 1.0) if k == colour else (duration + 1.0, duration + 2.0) for k in range(2)]
        if fill:
            _write_filled(out / name, colour, duration=duration, fps=fps, size=size)
        else:
            make_video(out / name, duration=duration, fps=fps, size=size, events=events, seed=seed + i)
        options = list(COLOURS)
        if shuffle_options:
            rng.shuffle(options)
        rows.append({"id": f"colour/{i}", "video": name, "duration": duration, "task": "mcq",
                     "query": query, "options": options,
                     "answer": "AB"[options.index(COLOURS[colour])], "schema_version": 1})
    path = out / "records.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


FILL_RGB = ((220, 30, 30), (30, 200, 30))  # red, green


def _write_filled(path: Path, colour: int, *, duration: float, fps: float, size: tuple[int, int]) -> None:
    """A coded video (each frame's index in the top band, :func:`videorl.synth.draw_frame`) whose lower three
    quarters are one flat colour, ``FILL_RGB[colour]``."""
    import av

    from videorl.synth import draw_frame

    width, height = size
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=round(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "18", "preset": "veryfast"}
        for i in range(round(duration * fps)):
            img = draw_frame(i, (colour == 0, colour == 1), width, height)
            img[height // 4:] = FILL_RGB[colour]
            container.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        container.mux(stream.encode(None))


def blind_source(i: int, n: int) -> int:
    """The record whose frames record ``i`` shows in a *blind* control (``n`` records, a multiple of 4).

    A one-to-one map with no fixed point, built so that what the shown frames say is independent of
    the true answer: records ``i < n/2`` get record ``i + n/2`` (the same colour), records ``i >= n/2``
    get record ``(i - n/2) xor 1`` (the other colour). Among the records of each colour half see that
    colour and half the other, so a policy that reads the frames perfectly is right half of the time,
    exactly chance: no better policy exists, the text being the same for every record.
    """
    if n % 4 or not 0 <= i < n:
        raise ValueError(f"need 0 <= i < n and n a multiple of 4, got i={i}, n={n}")
    return i + n // 2 if i < n // 2 else (i - n // 2) ^ 1


def prime_answer_tokens(model, processor, rows, *, words: tuple[str, ...] = (" A", " B"),
                        boost: float = 4.0, fps: float = 2.0, min_pixels: int = 3136,
                        max_pixels: int = 3136 * 4) -> list[int]:
    """Give a random model a prior toward answering: raise the logits of ``words`` by about ``boost``.

    A randomly initialised model samples nearly uniformly from its vocabulary, so no completion ever
    names an option and GRPO sees no reward variance (nothing to learn from). This adds
    ``boost * m / |m|^2`` to the output-embedding rows of ``words``, where ``m`` is the mean
    final hidden state over the first record's prompt: each of those tokens' logits rises by about
    ``boost`` wherever the hidden state is near its mean. With the tiny models and ``boost=4``
    roughly half the 8-token completions name one option; which one does not depend on the video.
    ``rows``: the training dataset (:func:`videorl.plugins.trl_video.records_dataset`: ``prompt`` messages and
    ``video`` JSON), so the prior is computed on exactly the prompts GRPO samples from. Returns the boosted
    token ids.
    """
    import torch

    from videorl.video import sample_frames
    from videorl.video.qwen import family_of, processor_video_kwargs

    row = rows[0]
    spec = json.loads(row["video"])
    vp = processor.video_processor
    frames, meta = sample_frames(spec["path"], fps=fps, min_pixels=min_pixels, max_pixels=max_pixels,
                                 patch_size=int(vp.patch_size), merge_size=int(vp.merge_size))
    text = processor.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=False)
    inputs = processor(text=[text], return_tensors="pt",
                       **processor_video_kwargs([(frames, meta)], family_of(model.config.model_type)))
    with torch.no_grad():
        hidden = model(**inputs, output_hidden_states=True).hidden_states[-1][0]
        mean = hidden.mean(0)
        ids = [processor.tokenizer.encode(w)[0] for w in words]
        weight = model.get_output_embeddings().weight
        for i in ids:
            weight[i] += boost * mean / mean.norm() ** 2
    return ids


def format_warmup(model, processor, rows, *, letters: tuple[str, ...] = ("A", "B"), steps: int = 40,
                  lr: float = 2e-3, fps: float = 2.0, min_pixels: int = 3136, max_pixels: int = 3136,
                  seed: int = 0) -> list[dict[str, float]]:
    """A format SFT warm-up that teaches *how* to answer and, by construction, not *which* answer.

    Every record's prompt (with its own video) is trained toward each of the completions
    ``"<letter><|im_end|>"``, one per option letter, with equal weight. For one prompt the loss is
    ``-sum_l log p(l | prompt) / len(letters)`` (plus the end-of-turn token), which is smallest at
    ``p(l | prompt) = 1 / len(letters)`` for *every* video: the warm-up's optimum is a policy that answers
    at all, always with the option format, and picks each letter equally often whatever the frames show.
    So whatever the GRPO stage learns beyond chance it learns there (the methods' two stages: SFT for the
    format, RL for the answer). Runs ``steps`` full-batch AdamW steps (``torch.manual_seed(seed)``) on the
    model in place, vision tower frozen as in the GRPO stage. Returns per step the loss and the mean over
    prompts of the answer-letter probability mass and of ``|p(A) - p(B)|`` (the first two letters).
    ``rows``: the training dataset (:func:`videorl.plugins.trl_video.records_dataset`), so the warm-up trains
    on exactly the prompts GRPO samples from.
    """
    import torch

    from videorl.video import sample_frames
    from videorl.video.qwen import family_of, processor_video_kwargs

    torch.manual_seed(seed)
    tok = processor.tokenizer
    letter_ids = [tok.encode(letter) for letter in letters]
    if any(len(ids) != 1 for ids in letter_ids):
        raise ValueError(f"each option letter must be one token, got {dict(zip(letters, letter_ids, strict=True))}")
    vp = processor.video_processor
    family = family_of(model.config.model_type)
    texts, videos = [], []
    for row in rows:
        spec = json.loads(row["video"])
        frames, meta = sample_frames(spec["path"], fps=fps, min_pixels=min_pixels, max_pixels=max_pixels,
                                     patch_size=int(vp.patch_size), merge_size=int(vp.merge_size))
        prompt = processor.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=False)
        for letter in letters:
            texts.append(prompt + letter + tok.eos_token)
            videos.append((frames, meta))
    tok.padding_side = "left"
    inputs = processor(text=texts, padding=True, return_tensors="pt", **processor_video_kwargs(videos, family))
    ids = inputs["input_ids"]
    labels = torch.full_like(ids, -100)
    labels[:, -2:] = ids[:, -2:]  # the letter and the end of turn; left padding keeps them last
    params = [p for n, p in model.named_parameters() if ".visual." not in f".{n}" and p.requires_grad]
    optim = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    first = torch.tensor([i[0] for i in letter_ids])
    model.train()
    history = []
    for _ in range(steps):
        out = model(**inputs, labels=labels)
        optim.zero_grad()
        out.loss.backward()
        optim.step()
        with torch.no_grad():
            probs = out.logits[:, -3].float().softmax(-1)[:, first]  # the position that predicts the letter
        history.append({"loss": float(out.loss.detach()), "letter_mass": float(probs.sum(-1).mean()),
                        "imbalance": float((probs[:, 0] - probs[:, 1]).abs().mean())})
    model.eval()
    return history
