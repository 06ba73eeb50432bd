"""``videorl_vllm``: lmms-eval on vLLM with videorl's exact clock (Qwen2.5-VL, Qwen3-VL).

Frames come from the same sampler and decode pool as ``videorl_qwen`` and reach vLLM as
``(frames, metadata)`` video inputs (:mod:`videorl.predict.vllm`), so vLLM tells the model the same
time as the HF path (``tests/host_vllm.py`` checks it with vLLM's own code). vLLM schedules and
batches the prompts itself.

model_args: ``pretrained``, ``tensor_parallel_size`` (1), ``dtype`` (auto), ``fps`` (2.0) or
``nframes``, ``min_pixels``, ``max_pixels``, ``total_pixels``, ``frame_cache``, ``max_new_tokens``,
``system_prompt``, ``decode_workers`` (1), ``max_model_len``, ``gpu_memory_utilization`` (vLLM's).
Data parallel: one lmms-eval process per GPU (``accelerate launch --num_processes N``), each with
its own engine; tensor parallel: ``tensor_parallel_size=N`` in one process.
"""

from __future__ import annotations

from typing import Any

from lmms_eval.api.model import lmms

from videorl.plugins.lmms_eval.base import RequestLoop, init_parallel
from videorl.plugins.lmms_eval.qwen import request_answers, request_jobs


class VideorlVllm(RequestLoop, lmms):
    is_simple = True

    def __init__(self, pretrained: str, tensor_parallel_size: int | str = 1, dtype: str = "auto",
                 fps: float | None = 2.0, nframes: int | None = None, min_pixels: int = 56 * 56,
                 max_pixels: int = 448 * 252, total_pixels: int | None = None, frame_cache: str | None = None,
                 max_new_tokens: int | None = None, system_prompt: str | None = None,
                 decode_workers: int | str = 1, max_model_len: int | str | None = None,
                 gpu_memory_utilization: float | str | None = None, batch_size: int | str = 8,
                 device: str | None = None, **kwargs: Any) -> None:
        super().__init__()
        if kwargs:
            raise ValueError(f"videorl_vllm: unknown model_args {sorted(kwargs)} (see docs/predict.md)")
        from videorl.predict.core import PredictOptions
        from videorl.predict.vllm import VllmEngine

        init_parallel(self, device or "cpu")
        nframes = int(nframes) if nframes not in (None, "", "None") else None
        self.max_new_tokens = int(max_new_tokens) if max_new_tokens else None
        self.options = PredictOptions(
            model=str(pretrained), backend="vllm", batch_size=int(batch_size), workers=int(decode_workers),
            fps=None if nframes else float(fps or 2.0), nframes=nframes, min_pixels=int(min_pixels),
            max_pixels=int(max_pixels), total_pixels=int(total_pixels) if total_pixels else None,
            frame_cache=frame_cache or None, system_prompt=system_prompt).check()
        extra: dict[str, Any] = {}
        if max_model_len:
            extra["max_model_len"] = int(max_model_len)
        if gpu_memory_utilization:
            extra["gpu_memory_utilization"] = float(gpu_memory_utilization)
        self.engine = VllmEngine(str(pretrained), tensor_parallel_size=int(tensor_parallel_size), dtype=dtype,
                                 **extra)

    def generate_until(self, requests: list[Any]) -> list[str]:
        results, _ = self.engine.run(request_jobs(self, requests), self.options)
        return request_answers(self, requests, results)
