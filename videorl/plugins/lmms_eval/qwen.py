"""``videorl_qwen`` (aliases ``videorl_qwen2_5_vl``, ``videorl_qwen3_vl``): a time-exact Qwen-VL backend.

Frames come from :func:`videorl.video.sample_frames` (exact times ``clip_start + k / fps``, the same
sizes as training), optionally through the frame cache, and reach the Hugging Face processor already
sampled and resized (``do_sample_frames=False``, ``do_resize=False``) with metadata that puts them on
the model clock (seconds from the first sampled frame, i.e. from the clip start):

- ``fps`` = the file's native fps, ``frames_indices[i] = round(model_time_i * fps)``;
- ``total_num_frames = round(T * fps / sampled_fps)``, so transformers 5.x derives
  ``sampled_fps = T / total * fps`` exactly (Qwen2.5-VL: ``second_per_grid_ts = 2 / sampled_fps``,
  1.0 at 2 fps; Qwen3-VL: "<t seconds>" markers from the indices).

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

from videorl.plugins.lmms_eval.base import RequestLoop, VideoInput

log = logging.getLogger(__name__)


def video_metadata(meta: Any) -> dict[str, Any]:
    """Processor metadata placing sampled frames on the model clock (see the module docstring)."""
    times = meta.model_times()
    fps = float(meta.native_fps)
    n = len(times)
    return {"fps": fps, "frames_indices": [round(t * fps) for t in times],
            "total_num_frames": max(n, round(n * fps / meta.sampled_fps)), "duration": n / meta.sampled_fps}


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
        self.device = torch.device(device)
        if dtype == "auto":
            torch_dtype = torch.bfloat16 if self.device.type == "cuda" else torch.float32
        else:
            torch_dtype = getattr(torch, dtype)
        self.processor = AutoProcessor.from_pretrained(pretrained)
        extra = {"attn_implementation": attn_implementation} if attn_implementation else {}
        self.model = AutoModelForImageTextToText.from_pretrained(pretrained, dtype=torch_dtype, **extra)
        self.model.to(self.device).eval()
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

    def answer(self, context: str, video: VideoInput, gen_kwargs: dict[str, Any]) -> str:
        import torch

        frames, meta = self.frames(video)
        messages: list[dict[str, Any]] = []
        if self.system_prompt:
            messages.append({"role": "system", "content": self.system_prompt})
        messages.append({"role": "user", "content": [{"type": "video"}, {"type": "text", "text": context}]})
        text = self.processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        inputs = self.processor(text=[text], videos=[frames], video_metadata=[video_metadata(meta)],
                                do_sample_frames=False, do_resize=False, return_tensors="pt").to(self.device)
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
