"""``videorl_oracle``: an lmms-eval backend that reads the answer off coded synthetic frames.

It samples frames exactly like ``videorl_qwen`` (:func:`videorl.video.sample_frames` with the same
fps / pixel arguments and the record's clip), reads each frame's code with
:func:`videorl.synth.read_frame_code`, and answers the grounding query about event ``k``
(``record.meta["event"]``) with

    start = t_first,  end = t_last + 1 / sampled_fps

where ``t_first`` / ``t_last`` are the model-clock times (``VideoMeta.model_times``: seconds from
the first sampled frame) of the first and last sampled frames showing event ``k``. With events on
the sampling grid this is the true span on the model clock, so through the full lmms-eval pipeline
it scores mIoU 100; a frame-choice or clock error anywhere (sampler, clip offset, prompt clock,
parser, scorer) shows up as a lower score. The answer follows the prompt's format: wrapped in
``<think>``/``<answer>`` when the prompt carries the r1 instruction.

Questions of other lmms-eval tasks whose prompt carries a think-variant post-prompt
(:func:`videorl.prompts.suite_post_prompt`, the ``<task>_r1`` tasks of ``videorl/tasks/suite``) are
answered from the frame codes of their coded fixture videos by :func:`code_answer`: multiple choice
-> the letter of the event seen in most sampled frames (event k = option k), numeric -> the number
of distinct events seen, yes/no -> "yes" when any event is seen.

Anything else gets the empty answer (a parse failure) with a warning. model_args: ``fps`` (2.0), ``max_pixels`` (112896), ``min_pixels``
(3136). Under ``accelerate launch`` it takes rank and world size from ``accelerate.Accelerator()``
like ``videorl_qwen`` (:func:`videorl.plugins.lmms_eval.base.init_parallel`).
"""

from __future__ import annotations

import logging
from typing import Any

import torch
from lmms_eval.api.model import lmms

from videorl.plugins.lmms_eval.base import RequestLoop, VideoInput, init_parallel
from videorl.prompts import R1_INSTRUCTION, fmt_span

log = logging.getLogger(__name__)


class VideorlOracle(RequestLoop, lmms):
    is_simple = True

    def __init__(self, fps: float = 2.0, max_pixels: int = 448 * 252, min_pixels: int = 56 * 56,
                 **kwargs: Any) -> None:
        super().__init__()
        unknown = {k: v for k, v in kwargs.items() if k not in ("batch_size", "device")}
        if unknown:
            raise ValueError(f"videorl_oracle: unknown model_args {sorted(unknown)}; known: fps, max_pixels, "
                             "min_pixels")
        self.fps, self.max_pixels, self.min_pixels = float(fps), int(max_pixels), int(min_pixels)
        # no model to place; under accelerate the evaluator gathers counts on the accelerator's device
        init_parallel(self, "cpu")
        acc = getattr(self, "accelerator", None)
        self.device = torch.device(acc.device) if acc is not None else torch.device("cpu")
        self._warned = False

    def span(self, video: VideoInput) -> list[float] | None:
        """The span of the record's event on the model clock, read from the sampled frames."""
        from videorl.synth import read_frame_code
        from videorl.video import sample_frames

        record = video.record
        frames, meta = sample_frames(video.path, fps=self.fps, clip=video.clip, min_pixels=self.min_pixels,
                                     max_pixels=self.max_pixels)
        k = int(record.meta["event"]) if record is not None else 0
        times = meta.model_times()
        seen = [t for frame, t in zip(frames, times, strict=True) if read_frame_code(frame).events_visible[k]]
        if not seen:
            return None
        end = min(seen[-1] + 1.0 / meta.sampled_fps, record.view_duration if record else meta.duration)
        return [seen[0], end]

    def code_answer(self, context: str, video: VideoInput) -> str | None:
        """The answer to a think-variant question read off coded frames (see the module docstring);
        None when the prompt is not one of those."""
        from videorl.prompts import SUITE_ANSWER_FORMATS, suite_post_prompt
        from videorl.synth import read_frame_code
        from videorl.video import sample_frames

        kinds = [k for k in ("numeric", "yes_no", "mcq") if suite_post_prompt(k) in context]
        if not kinds or SUITE_ANSWER_FORMATS[kinds[0]] not in context:
            return None
        frames, _ = sample_frames(video.path, fps=self.fps, clip=video.clip, min_pixels=self.min_pixels,
                                  max_pixels=self.max_pixels)
        seen = [0] * 8
        for frame in frames:
            for k, on in enumerate(read_frame_code(frame).events_visible):
                seen[k] += bool(on)
        if kinds[0] == "numeric":
            return str(sum(1 for n in seen if n))
        if kinds[0] == "yes_no":
            return "yes" if any(seen) else "no"
        return "ABCDEFGH"[max(range(8), key=lambda k: seen[k])] if any(seen) else ""

    def answer(self, context: str, video: VideoInput, gen_kwargs: dict[str, Any]) -> str:
        record = video.record
        if record is None and R1_INSTRUCTION in context:
            text = self.code_answer(context, video)
            if text is not None:
                return f"<think>The coded frames answer it: {text}.</think>\n<answer>{text}</answer>"
        if record is None or record.task != "grounding" or "event" not in record.meta:
            if not self._warned:
                self._warned = True
                log.warning("videorl_oracle answers only grounding records of videorl's synthetic videos "
                            "(meta.event); other samples get an empty answer")
            return ""
        span = self.span(video)
        text = fmt_span(span) if span else ""
        if R1_INSTRUCTION in context:
            return f"<think>The coded frames show the event from {text}.</think>\n<answer>{text}</answer>"
        return text
