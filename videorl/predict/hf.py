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


class QwenEngine(QwenFront):
    """A Qwen2.5-VL / Qwen3-VL checkpoint ready for batched, time-exact generation."""

    def __init__(self, pretrained: str, *, device: str = "cpu", dtype: str = "auto",
                 attn_implementation: str | None = None):
        import torch
        from transformers import AutoModelForImageTextToText, AutoProcessor

        self.pretrained = str(pretrained)
        self.device = torch.device(device)
        self._init_front(AutoProcessor.from_pretrained(self.pretrained))
        self.processor.tokenizer.padding_side = "left"
        extra = {"attn_implementation": attn_implementation} if attn_implementation else {}
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
