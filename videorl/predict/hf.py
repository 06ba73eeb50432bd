"""The Hugging Face engine: a Qwen-VL checkpoint, batched generation, exact time through the shared glue.

One engine serves ``videorl predict --backend hf`` and lmms-eval's ``videorl_qwen``. Frames come
already sampled (:mod:`videorl.predict.decode`) and reach the processor through
:func:`videorl.video.qwen.processor_video_kwargs`, the glue training uses, so the model is told the
same time in SFT, RL, evaluation and prediction.

Batching: the tokenizer pads on the left, so every row's last prompt token sits at the same
position and ``generate`` appends after it; Qwen-VL's position ids (M-RoPE, with the video's time
ids) are computed per row from the attention mask, so a padded row sees the positions it would see
alone. A test checks that batch-8 greedy tokens equal batch 1 on videos of different lengths.

Sampling (``temperature > 0``) is per row and seeded: each row draws its token by the Gumbel-max
trick (``argmax(logits / T + G)``, ``G`` standard Gumbel noise from the row's own generator), which
is an exact draw from ``softmax(logits / T)``. A row's draw therefore depends on its own seed and
not on which rows share its batch: batch size, worker count and Ray sharding do not change the
output. ``top_p`` / ``top_k`` are not supported.

Processor in the decode workers (:class:`RowInputs`, :func:`collate`): a worker decodes a video,
runs the processor on it **once** (with its first request's chat text), and builds every other
request's prompt ids by tokenising that request's own text after the video and putting it in place
of the first request's (the video block, and the system text before it, are the same for every
request of a video; the text after ``<|vision_end|>`` is tokenised on its own, since special tokens
split the text). A check falls back to the full processor for a row when the splice would not be
exact (another prefix, vision tokens in the query, an unknown per-token key). The worker's video step
stops at uint8 patches in shared memory (:mod:`videorl.predict.pixels`: a quarter of the bytes, no
float32 passes in the worker), and only that tensor crosses as shared memory (:class:`Row`: the ids go
by value). The model loop then only pads on the left (:func:`collate`: the tokenizer's pad id, mask 0),
finishes the pixels into one float32 batch tensor (the processor's own convert and normalise, in row
order, into a reused buffer), moves the batch to the device and generates: the same tensors the
processor gives for the whole batch (tested: identical ids, pixels and greedy tokens; logits within 1e-5).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from videorl.predict.decode import Sampling


def family_of(model_type: str) -> str:
    """The glue family of a checkpoint's ``config.model_type`` (:func:`videorl.video.qwen.family_of`)."""
    from videorl.video.qwen import family_of as _family_of

    try:
        return _family_of(model_type)
    except ValueError as err:
        raise ValueError(f"videorl_qwen: {err}") from None


def row_seed(seed: int, *parts: Any) -> int:
    """A stable 63-bit seed for one generated row (``seed``, the sample id, the sample index...)."""
    blob = ":".join(str(p) for p in (seed, *parts)).encode()
    return int.from_bytes(hashlib.sha256(blob).digest()[:8], "big") >> 1


def resolve_dtype(dtype: str, device: Any) -> Any:
    """``auto``: bfloat16 on CUDA, float32 elsewhere; otherwise the torch dtype of that name."""
    import torch

    if dtype == "auto":
        return torch.bfloat16 if torch.device(device).type == "cuda" else torch.float32
    value = getattr(torch, str(dtype), None)
    if not isinstance(value, torch.dtype):
        raise ValueError(f"unknown dtype {dtype!r}; use auto, float32, bfloat16 or float16")
    return value


class SeededGumbel:
    """Logits processor: ``logits / T`` plus Gumbel noise drawn from each row's own generator."""

    def __init__(self, temperature: float, seeds: Sequence[int]):
        import torch

        if temperature <= 0:
            raise ValueError(f"temperature must be > 0 for sampling, got {temperature}")
        self.temperature = float(temperature)
        self.generators = [torch.Generator().manual_seed(int(s)) for s in seeds]

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        vocab = scores.shape[-1]
        u = torch.stack([torch.rand(vocab, generator=g, dtype=torch.float64) for g in self.generators])
        gumbel = -torch.log(-torch.log(u.clamp_min(1e-300)))
        return scores.float() / self.temperature + gumbel.to(scores.device, torch.float32)


class QwenFront:
    """What every backend shares: the checkpoint's processor (chat template, patch and merge sizes)."""

    processor: Any
    patch_size: int
    merge_size: int

    def _init_front(self, processor: Any) -> None:
        self.processor = processor
        vp = processor.video_processor
        self.patch_size, self.merge_size = int(vp.patch_size), int(vp.merge_size)

    def sampling(self, **settings: Any) -> Sampling:
        """:class:`Sampling` with this model's patch and merge sizes (the frame sizes it needs)."""
        return Sampling(patch_size=self.patch_size, merge_size=self.merge_size, **settings)

    def chat_text(self, prompt: str, system_prompt: str | None = None) -> str:
        """The chat template with one video then ``prompt``, ending with the assistant turn."""
        messages: list[dict[str, Any]] = []
        if system_prompt:
            messages.append({"role": "system", "content": system_prompt})
        messages.append({"role": "user", "content": [{"type": "video"}, {"type": "text", "text": prompt}]})
        return self.processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


_PROCESSORS: dict[str, Any] = {}
"""Processors by checkpoint, registered by the engine before the workers fork (spawned workers load)."""
_FAST: dict[str, Any] = {}
"""Per process: the same processors with :func:`videorl.predict.pixels.fast_processor`'s video step."""

_SEQ_KEYS = ("input_ids", "attention_mask", "mm_token_type_ids")
_SHARED_KEYS = ("pixel_values_videos",)
"""Row tensors that travel through shared memory; the others are a few hundred bytes, pickled by value
(each shared tensor costs a file descriptor handed over a socket, about a millisecond each side)."""


def _rebuild_row(items: dict[str, Any]) -> Row:
    import torch

    return Row({k: torch.from_numpy(v) if not isinstance(v, torch.Tensor) else v for k, v in items.items()})


class Row(dict):
    """One model-ready row (a dict of CPU tensors) that pickles its small tensors by value: only the
    pixel tensor goes through shared memory (:data:`_SHARED_KEYS`; the rows of one video pickled
    together share it)."""

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        return _rebuild_row, ({k: v if k in _SHARED_KEYS else v.numpy() for k, v in self.items()},)


class RowInputs:
    """Picklable ``prepare`` for :class:`~videorl.predict.decode.FramePrefetcher`: one video's frames
    and its requests' chat texts in, one model-ready row per text out (module docstring).

    A row is a dict of CPU tensors: ``input_ids``, ``attention_mask`` and ``mm_token_type_ids`` (1-D,
    the row's own length) and the video's ``pixel_values_videos``, ``video_grid_thw`` (and Qwen2.5-VL's
    ``second_per_grid_ts``), shared by the rows of one video."""

    def __init__(self, pretrained: str, family: str):
        self.pretrained, self.family = str(pretrained), family
        self.spliced = 0
        """Rows built by the splice (rather than a full processor call), in this process."""

    def processor(self) -> Any:
        proc = _PROCESSORS.get(self.pretrained)
        if proc is None:  # a spawned worker
            from transformers import AutoProcessor

            proc = _PROCESSORS[self.pretrained] = AutoProcessor.from_pretrained(self.pretrained)
        return proc

    def fast(self) -> Any:
        """:meth:`processor` with the uint8 shared-memory video step (:mod:`videorl.predict.pixels`)."""
        proc = _FAST.get(self.pretrained)
        if proc is None:
            from videorl.predict.pixels import fast_processor

            proc = _FAST[self.pretrained] = fast_processor(self.processor(), shared=True)
        return proc

    def __getstate__(self) -> dict[str, Any]:
        return {"pretrained": self.pretrained, "family": self.family, "spliced": 0}

    def _full(self, text: str, video: tuple[Any, Any]) -> dict[str, Any]:
        from videorl.video.qwen import processor_video_kwargs

        out = self.fast()(text=[text], return_tensors="pt", **processor_video_kwargs([video], self.family))
        return Row({k: (v[0] if k in _SEQ_KEYS else v) for k, v in out.items()})

    def __call__(self, frames: Any, meta: Any, texts: Sequence[str]) -> list[dict[str, Any]]:
        import torch

        from videorl.predict.pixels import NORM_KEY

        first = self._full(texts[0], (frames, meta))
        rows = [first]
        if len(texts) == 1:
            return rows
        tok = self.processor().tokenizer
        vision = {tok.convert_tokens_to_ids(t) for t in ("<|vision_start|>", "<|vision_end|>", "<|video_pad|>",
                                                         "<|image_pad|>")}
        end_id = tok.convert_tokens_to_ids("<|vision_end|>")

        def split(ids: list[int]) -> tuple[list[int], list[int]] | None:
            ends = [n for n, t in enumerate(ids) if t == end_id]
            return None if not ends else (ids[:ends[-1] + 1], ids[ends[-1] + 1:])

        ids0 = first["input_ids"].tolist()
        parts0 = split(tok(texts[0])["input_ids"])
        ok0 = (parts0 is not None and set(first) <= set(_SEQ_KEYS) | {"pixel_values_videos", "video_grid_thw",
                                                                        "second_per_grid_ts", NORM_KEY}
               and len(parts0[1]) < len(ids0) and ids0[len(ids0) - len(parts0[1]):] == parts0[1])
        head = len(ids0) - len(parts0[1]) if ok0 else 0
        for text in texts[1:]:
            parts = split(tok(text)["input_ids"]) if ok0 else None
            if parts is None or parts[0] != parts0[0] or vision & set(parts[1]):
                rows.append(self._full(text, (frames, meta)))
                continue
            tail = torch.tensor(parts[1], dtype=first["input_ids"].dtype)
            row = Row(first)  # the video's tensors are shared
            row["input_ids"] = torch.cat([first["input_ids"][:head], tail])
            row["attention_mask"] = torch.ones_like(row["input_ids"], dtype=first["attention_mask"].dtype)
            if "mm_token_type_ids" in first:
                row["mm_token_type_ids"] = torch.cat([first["mm_token_type_ids"][:head], torch.zeros_like(tail)])
            rows.append(row)
            self.spliced += 1
        return rows


def collate(rows: Sequence[dict[str, Any]], pad_id: int, pixel_buffer: Any = None) -> Any:
    """One batch of :class:`RowInputs` rows: per-token keys padded on the left (``pad_id`` for the ids,
    0 for the rest), video tensors concatenated in row order; as a ``BatchFeature``.

    ``pixel_values_videos`` is finished here (:func:`videorl.predict.pixels.finish_pixels`: uint8 patches
    converted and normalised into their slice of the batch, float32 ones copied), into
    ``pixel_buffer`` when given (a float32 tensor, reused batch after batch: no fresh pages to fault in)."""
    import torch
    from transformers import BatchFeature

    from videorl.predict.pixels import NORM_KEY, finish_pixels

    width = max(int(r["input_ids"].shape[0]) for r in rows)
    out: dict[str, Any] = {}
    for key in rows[0]:
        if key == NORM_KEY:
            continue
        if key in _SEQ_KEYS:
            fill = pad_id if key == "input_ids" else 0
            batch = torch.full((len(rows), width), fill, dtype=rows[0][key].dtype)
            for n, r in enumerate(rows):
                batch[n, width - r[key].shape[0]:] = r[key]
            out[key] = batch
        elif key == "pixel_values_videos":
            out[key] = finish_pixels([r[key] for r in rows], [r.get(NORM_KEY) for r in rows], pixel_buffer)
        else:
            out[key] = torch.cat([r[key] for r in rows])
    return BatchFeature(out)


class QwenEngine(QwenFront):
    """A Qwen2.5-VL / Qwen3-VL checkpoint ready for batched, time-exact generation."""

    def __init__(self, pretrained: str, *, device: str = "cpu", dtype: str = "auto",
                 attn_implementation: str | None = None, random_weights: bool = False):
        """``random_weights``: build the model from ``pretrained``'s ``config.json`` with random weights,
        directly on ``device`` in ``dtype`` (:mod:`videorl.testing.qwen_configs`: 7B/8B layouts, no download)."""
        import torch
        from transformers import AutoConfig, AutoModelForImageTextToText, AutoProcessor

        self.pretrained = str(pretrained)
        self.device = torch.device(device)
        self._init_front(AutoProcessor.from_pretrained(self.pretrained))
        self.processor.tokenizer.padding_side = "left"
        extra = {"attn_implementation": attn_implementation} if attn_implementation else {}
        if random_weights:
            torch.manual_seed(0)
            with torch.device(self.device):
                self.model = AutoModelForImageTextToText.from_config(
                    AutoConfig.from_pretrained(self.pretrained), dtype=resolve_dtype(dtype, self.device), **extra)
        else:
            self.model = AutoModelForImageTextToText.from_pretrained(
                self.pretrained, dtype=resolve_dtype(dtype, self.device), **extra)
        self.model.to(self.device).eval()
        self.family = family_of(self.model.config.model_type)
        from videorl.video.qwen import restore_text_positions_after_vision

        restore_text_positions_after_vision(self.model)  # the prompt after the video as released (transformers 5.x)

    def inputs(self, texts: Sequence[str], videos: Sequence[tuple[Any, Any]]) -> Any:
        """Padded processor inputs of a batch (one video per text), on the model's device."""
        from videorl.video.qwen import processor_video_kwargs

        batch = self.processor(text=list(texts), padding=True, return_tensors="pt",
                               **processor_video_kwargs(list(videos), self.family))
        return batch.to(self.device)

    def row_inputs(self) -> RowInputs:
        """The ``prepare`` the decode workers run for this engine (its processor, registered for forks)."""
        _PROCESSORS[self.pretrained] = self.processor
        return RowInputs(self.pretrained, self.family)

    def collate(self, rows: Sequence[dict[str, Any]], *, reuse: bool = False) -> Any:
        """Worker-made rows -> one padded batch on the model's device (:func:`collate`). ``reuse``: the
        pixels go into this engine's reused buffer (grown as needed), so the batch is valid until the next
        ``collate(..., reuse=True)``: the model loop, which generates before it collates again, uses it."""
        import torch

        buffer = None
        if reuse:
            n = sum(int(r["pixel_values_videos"].shape[0]) for r in rows)
            dim = int(rows[0]["pixel_values_videos"].shape[1])
            buffer = getattr(self, "_pixel_buffer", None)
            if buffer is None or buffer.shape[0] < n or buffer.shape[1] != dim:
                buffer = self._pixel_buffer = torch.empty((n, dim), dtype=torch.float32)
        return collate(rows, int(self.processor.tokenizer.pad_token_id), buffer).to(self.device)

    def generate(self, inputs: Any, *, max_new_tokens: int, temperature: float = 0.0,
                 seeds: Sequence[int] | None = None) -> list[str]:
        """The new text of each row: greedy when ``temperature`` is 0, else seeded per row."""
        import torch
        from transformers import LogitsProcessorList

        rows = int(inputs["input_ids"].shape[0])
        extra: dict[str, Any] = {}
        if temperature and temperature > 0:
            if seeds is None or len(seeds) != rows:
                raise ValueError(f"sampling needs one seed per row ({rows}), got {seeds!r}")
            extra["logits_processor"] = LogitsProcessorList([SeededGumbel(temperature, seeds)])
        with torch.inference_mode():
            out = self.model.generate(**inputs, max_new_tokens=int(max_new_tokens), do_sample=False, **extra)
        new_tokens = out[:, inputs["input_ids"].shape[1]:]
        return self.processor.batch_decode(new_tokens, skip_special_tokens=True)
