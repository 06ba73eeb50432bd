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
``system_prompt``, ``attn_implementation``, ``overlay`` (timestamps / subtitles drawn on the frames,
the same spec and pixels as ``videorl data export --overlay``: ``absolute``, ``relative``,
``absolute+subtitles:DIR``; see :mod:`videorl.data.overlay`), ``batch_size`` (1; 8 is a good start on
a GPU), ``decode_workers`` (1: video decode in a worker process ahead of the model; 0: inline).
``loglikelihood`` is not supported.

Batching (:mod:`videorl.predict.run`, the loop ``videorl predict`` runs): requests are ordered by
video so a video shared by several queries is decoded once, decoded ahead of the model by
``decode_workers`` processes, padded on the left and generated ``batch_size`` at a time; answers go
back in lmms-eval's order. With ``decode_workers > 0`` the workers also run the processor (the chat
template with one video then the context) and hand back model-ready tensors in shared memory; the
model loop only pads and generates. Batch-8 greedy tokens equal batch 1 (tested). Sampling
(``do_sample`` with a temperature) is seeded per document, so it does not depend on the batch.
"""

from __future__ import annotations

import logging
from typing import Any

from lmms_eval.api.model import lmms

from videorl.plugins.lmms_eval.base import RequestLoop, VideoInput, init_parallel, video_input
from videorl.predict.hf import family_of

log = logging.getLogger(__name__)

__all__ = ["VideorlQwen", "family_of"]


class VideorlQwen(RequestLoop, lmms):
    is_simple = True

    def __init__(self, pretrained: str, device: str = "cpu", dtype: str = "auto", fps: float | None = 2.0,
                 nframes: int | None = None, min_pixels: int = 56 * 56, max_pixels: int = 448 * 252,
                 total_pixels: int | None = None, frame_cache: str | None = None,
                 max_new_tokens: int | None = None, system_prompt: str | None = None,
                 attn_implementation: str | None = None, batch_size: int | str = 1,
                 decode_workers: int | str = 1, overlay: str | None = None, **kwargs: Any) -> None:
        super().__init__()
        if kwargs:
            raise ValueError(f"videorl_qwen: unknown model_args {sorted(kwargs)} (see docs/lmms-eval.md)")
        from videorl.predict.hf import QwenEngine

        self.batch_size = int(batch_size)
        self.decode_workers = int(decode_workers)
        if self.batch_size < 1 or self.decode_workers < 0:
            raise ValueError(f"videorl_qwen: batch_size must be >= 1 and decode_workers >= 0, got "
                             f"{batch_size!r}, {decode_workers!r}")
        self.nframes = int(nframes) if nframes not in (None, "", "None") else None
        self.fps = None if self.nframes else float(fps or 2.0)
        self.max_new_tokens = int(max_new_tokens) if max_new_tokens else None
        self.system_prompt = system_prompt
        self.engine = QwenEngine(pretrained, device=init_parallel(self, device), dtype=dtype,
                                 attn_implementation=attn_implementation)
        self.device, self.processor, self.model = self.engine.device, self.engine.processor, self.engine.model
        self.family = self.engine.family
        self.sampling = self.engine.sampling(
            fps=self.fps, nframes=self.nframes, min_pixels=int(min_pixels), max_pixels=int(max_pixels),
            total_pixels=int(total_pixels) if total_pixels else None, frame_cache=frame_cache or None,
            overlay=overlay or None)

    def frames(self, video: VideoInput) -> tuple[Any, Any]:
        """The sampled frames and ``VideoMeta`` of one request (what the decode workers run)."""
        return self.sampling.decode(video.path, video.clip, video.record.video if video.record else None)

    def batch_inputs(self, jobs: list[Any], videos: list[tuple[Any, Any]]) -> Any:
        """Padded processor inputs of one batch of :class:`~videorl.predict.run.GenJob` (``tag`` =
        ``(request index, gen_kwargs, VideoInput)``): the chat template with one video then the context."""
        return self.engine.inputs([self.engine.chat_text(j.prompt, self.system_prompt) for j in jobs], videos)

    def generate_until(self, requests: list[Any]) -> list[str]:
        from videorl.predict.run import generate_jobs

        jobs = request_jobs(self, requests)
        # the decode workers run the processor too (decode_workers > 0); inline decode (decode_workers=0)
        # keeps it in the loop, through batch_inputs
        inline = None if self.decode_workers else self.batch_inputs
        results, _ = generate_jobs(self.engine, self.sampling, jobs, system_prompt=self.system_prompt, inputs_fn=inline,
                                   batch_size=self.batch_size, workers=self.decode_workers,
                                   progress=getattr(self, "_rank", 0) == 0, desc=f"{type(self).__name__} responding")
        return request_answers(self, requests, results)


def request_jobs(lm: Any, requests: list[Any]) -> list[Any]:
    """One :class:`~videorl.predict.run.GenJob` per lmms-eval request whose video is known (``tag`` =
    ``(request index, gen_kwargs, VideoInput)``); requests without one are logged and left out."""
    from videorl.plugins.lmms_eval.base import sample_errors
    from videorl.predict.hf import row_seed
    from videorl.predict.run import GenJob

    jobs = []
    for n, req in enumerate(requests):
        context, gen_kwargs, doc_to_visual, doc_id, task, split = req.args
        gen_kwargs = dict(gen_kwargs or {})
        doc = lm.task_dict[task][split][doc_id]
        try:
            video = video_input(doc, doc_to_visual(doc))
        except sample_errors() as err:
            log.warning("videorl: %s doc %s failed, scored as a failure: %s", task, doc_id, err)
            continue
        max_new = lm.max_new_tokens or int(gen_kwargs.get("max_new_tokens", 128))
        sample = bool(gen_kwargs.get("do_sample", False)) and float(gen_kwargs.get("temperature", 0) or 0) > 0
        jobs.append(GenJob(prompt=context, video=video.path, clip=None if not video.clip else tuple(video.clip),
                           max_new_tokens=max_new, temperature=float(gen_kwargs["temperature"]) if sample else 0.0,
                           seed=row_seed(0, task, split, doc_id), tag=(n, gen_kwargs, video)))
    return jobs


def request_answers(lm: Any, requests: list[Any], results: list[Any]) -> list[str]:
    """The answer of every request in lmms-eval's order ("" for a failed one), cut at ``until``."""
    out = [""] * len(requests)
    for res in results:
        n, gen_kwargs, _ = res.job.tag
        if res.error:
            log.warning("videorl: request %d failed, scored as a failure: %s", n, res.error)
            continue
        answer = res.text
        for stop in gen_kwargs.get("until") or []:
            if stop and stop in answer:
                answer = answer.split(stop, 1)[0]
        out[n] = answer.strip()
    cache_hook = getattr(lm, "cache_hook", None)
    if cache_hook is not None:
        for req, text in zip(requests, out, strict=True):
            cache_hook.add_partial("generate_until", (req.args[0], req.args[1]), text)
    return out
