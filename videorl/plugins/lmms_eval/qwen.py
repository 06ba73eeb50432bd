"""``videorl_qwen`` (aliases ``videorl_qwen2_5_vl``, ``videorl_qwen3_vl``): a time-exact Qwen-VL backend.

Frames come from :func:`videorl.video.sample_frames` (exact times ``clip_start + k / fps``, the same
sizes as training), optionally through the frame cache, and reach the Hugging Face processor through
the shared glue :func:`videorl.video.qwen.processor_video_kwargs` (already sampled and resized,
``do_sample_frames=False``, ``do_resize=False``, with metadata that puts them on the model clock:
seconds from the first sampled frame). The glue is what training uses too, so evaluation and
training cannot drift. The model family (``qwen2_5_vl``: time in the M-RoPE ids through
``second_per_grid_ts``; ``qwen3_vl``: "<t seconds>" text markers) is read from the checkpoint's
``config.model_type`` (:func:`family_of`).

Multi-GPU: under ``accelerate launch --num_processes N -m lmms_eval`` each process takes its rank and
the world size from ``accelerate.Accelerator()`` and loads its own copy of the model on
``cuda:<local process index>`` (:func:`videorl.plugins.lmms_eval.base.init_parallel`); lmms-eval
shards the documents by rank. One process: exactly the single-device behaviour.

model_args (defaults match the recipes): ``pretrained`` (a local checkpoint folder or hub id),
``device`` (cpu), ``dtype`` (auto: bfloat16 on CUDA, float32 on CPU), ``fps`` (2.0) or ``nframes``,
``min_pixels`` (3136), ``max_pixels`` (448*252 = 112896), ``total_pixels``, ``frame_cache`` (a
folder; off by default), ``max_new_tokens`` (the task's value; this overrides it),
``system_prompt``, ``attn_implementation``. ``loglikelihood`` is not supported.
"""

from __future__ import annotations

import logging
from typing import Any

from lmms_eval.api.model import lmms

from videorl.plugins.lmms_eval.base import RequestLoop, VideoInput, init_parallel

log = logging.getLogger(__name__)


def family_of(model_type: str) -> str:
    """The glue family of a checkpoint's ``config.model_type`` (:func:`videorl.video.qwen.family_of`)."""
    from videorl.video.qwen import family_of as _family_of

    try:
        return _family_of(model_type)
    except ValueError as err:
        raise ValueError(f"videorl_qwen: {err}") from None


class VideorlQwen(RequestLoop, lmms):
    is_simple = True

    def __init__(self, pretrained: str, device: str = "cpu", dtype: str = "auto", fps: float | None = 2.0,
                 nframes: int | None = None, min_pixels: int = 56 * 56, max_pixels: int = 448 * 252,
                 total_pixels: int | None = None, frame_cache: str | None = None,
                 max_new_tokens: int | None = None, system_prompt: str | None = None,
                 attn_implementation: str | None = None, batch_size: int | str = 1, **kwargs: Any) -> None:
        super().__init__()
        if kwargs:
            raise ValueError(f"videorl_qwen: unknown model_args {sorted(kwargs)} (see docs/lmms-eval.md)")
        if int(batch_size) != 1:
            raise ValueError("videorl_qwen runs one sample at a time (batch_size=1)")
        import torch
        from transformers import AutoModelForImageTextToText, AutoProcessor

        self.nframes = int(nframes) if nframes not in (None, "", "None") else None
        self.fps = None if self.nframes else float(fps or 2.0)
        self.min_pixels, self.max_pixels = int(min_pixels), int(max_pixels)
        self.total_pixels = int(total_pixels) if total_pixels else None
        self.max_new_tokens = int(max_new_tokens) if max_new_tokens else None
        self.system_prompt = system_prompt
        self.device = torch.device(init_parallel(self, device))
        if dtype == "auto":
            torch_dtype = torch.bfloat16 if self.device.type == "cuda" else torch.float32
        else:
            torch_dtype = getattr(torch, dtype)
        self.processor = AutoProcessor.from_pretrained(pretrained)
        extra = {"attn_implementation": attn_implementation} if attn_implementation else {}
        self.model = AutoModelForImageTextToText.from_pretrained(pretrained, dtype=torch_dtype, **extra)
        self.model.to(self.device).eval()
        self.family = family_of(self.model.config.model_type)
        vp = self.processor.video_processor
        self.patch_size, self.merge_size = int(vp.patch_size), int(vp.merge_size)
        self.cache = None
        if frame_cache:
            from videorl.video.cache import FrameCache

            self.cache = FrameCache(frame_cache)

    def frames(self, video: VideoInput) -> tuple[Any, Any]:
        from videorl.video import sample_frames

        return sample_frames(video.path, fps=self.fps, nframes=self.nframes, clip=video.clip,
                             min_pixels=self.min_pixels, max_pixels=self.max_pixels,
                             total_pixels=self.total_pixels, patch_size=self.patch_size,
                             merge_size=self.merge_size, cache=self.cache)

    def build_inputs(self, context: str, video: VideoInput) -> tuple[Any, Any]:
        """Processor inputs (tensors on the model's device) of one request, and the sampled frames'
        ``VideoMeta``: the chat template with one video then ``context``, the frames and their
        model-clock metadata from the shared glue."""
        from videorl.video.qwen import processor_video_kwargs

        frames, meta = self.frames(video)
        messages: list[dict[str, Any]] = []
        if self.system_prompt:
            messages.append({"role": "system", "content": self.system_prompt})
        messages.append({"role": "user", "content": [{"type": "video"}, {"type": "text", "text": context}]})
        text = self.processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        inputs = self.processor(text=[text], return_tensors="pt",
                                **processor_video_kwargs([(frames, meta)], self.family))
        return inputs.to(self.device), meta

    def answer(self, context: str, video: VideoInput, gen_kwargs: dict[str, Any]) -> str:
        import torch

        inputs, _ = self.build_inputs(context, video)
        max_new = self.max_new_tokens or int(gen_kwargs.get("max_new_tokens", 128))
        sample = bool(gen_kwargs.get("do_sample", False)) and float(gen_kwargs.get("temperature", 0) or 0) > 0
        extra = {"temperature": float(gen_kwargs["temperature"])} if sample else {}
        with torch.inference_mode():
            out = self.model.generate(**inputs, max_new_tokens=max_new, do_sample=sample, **extra)
        new_tokens = out[:, inputs["input_ids"].shape[1]:]
        answer = self.processor.batch_decode(new_tokens, skip_special_tokens=True)[0]
        for stop in gen_kwargs.get("until") or []:
            if stop and stop in answer:
                answer = answer.split(stop, 1)[0]
        return answer.strip()
