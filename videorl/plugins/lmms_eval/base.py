"""Shared request loop of videorl's lmms-eval backends (``videorl_qwen``, ``videorl_oracle``).

Both are lmms-eval "simple" models: each ``generate_until`` request carries ``(context,
gen_kwargs, doc_to_visual, doc_id, task, split)``. The backend looks the document up in
``self.task_dict`` (filled by lmms-eval's evaluator), takes the sample record when the document comes
from a videorl task (``doc["record"]``), and otherwise works from the visuals alone (plain video
paths of other lmms-eval tasks; no clip, duration from the file).

A sample whose video is missing or cannot be decoded is logged as a warning and answered with the
empty string: the task scores it as a parse failure (``parse_fail`` 100, every other metric 0), so it
stays in the denominator and the run goes on. Any other error stops the run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from videorl.record import SampleRecord
from videorl.video.errors import sample_errors  # noqa: F401  (re-exported for the backends)

log = logging.getLogger(__name__)


def _lmms_base() -> type:
    from lmms_eval.api.model import lmms

    return lmms


@dataclass
class VideoInput:
    """What a backend needs to sample one request's video."""

    path: str
    clip: list[float] | None
    record: SampleRecord | None


def video_input(doc: Any, visuals: list[Any]) -> VideoInput:
    """The video of one request: from the videorl record when there is one, else the first visual."""
    record = None
    if isinstance(doc, dict) and isinstance(doc.get("record"), str):
        from videorl.plugins.lmms_eval.docs import doc_record

        record = doc_record(doc)
    for vis in visuals or []:
        if isinstance(vis, str):
            return VideoInput(vis, record.clip if record else None, record)
        if isinstance(vis, dict):
            path = vis.get("video") or vis.get("url") or vis.get("path")
            clip = None
            if vis.get("video_start") is not None and vis.get("video_end") is not None:
                clip = [float(vis["video_start"]), float(vis["video_end"])]
            if isinstance(path, str):
                return VideoInput(path, clip if clip else (record.clip if record else None), record)
    raise FileNotFoundError(f"request has no video path among its visuals ({visuals!r})")


def init_parallel(lm: Any, device: str) -> str:
    """Set up data-parallel evaluation under ``accelerate launch --num_processes N -m lmms_eval``.

    With more than one process (``accelerate.Accelerator().num_processes > 1``): keep the
    accelerator on ``lm.accelerator`` (lmms-eval's evaluator gathers request counts through it),
    set ``lm._rank`` to the global process index and ``lm._world_size`` to the number of processes
    (lmms-eval shards documents by them), and return ``cuda:<local process index>`` when ``device``
    is a CUDA device, so each process holds its own model copy on its own GPU. Any other device
    (``cpu``) is returned unchanged. With one process nothing is touched and ``device`` is returned
    as given (the single-process behaviour: rank 0, world size 1, lmms-eval's defaults).
    """
    from accelerate import Accelerator

    accelerator = Accelerator()
    if accelerator.num_processes <= 1:
        return device
    lm.accelerator = accelerator
    lm._rank = int(accelerator.process_index)
    lm._world_size = int(accelerator.num_processes)
    if str(device).startswith("cuda"):
        device = f"cuda:{accelerator.local_process_index}"
    if lm._rank == 0:
        log.info("videorl: %s on %d processes (data parallel), device %s on this one",
                 type(lm).__name__, lm._world_size, device)
    return device


class RequestLoop:
    """Mixin with the ``generate_until`` loop; subclasses implement :meth:`answer`."""

    task_dict: dict

    def answer(self, context: str, video: VideoInput, gen_kwargs: dict[str, Any]) -> str:  # pragma: no cover
        raise NotImplementedError

    def generate_until(self, requests: list[Any]) -> list[str]:
        from tqdm import tqdm

        errors = sample_errors()
        out: list[str] = []
        quiet = len(requests) < 2 or getattr(self, "_rank", 0) != 0
        for req in tqdm(requests, desc=f"{type(self).__name__} responding", disable=quiet):
            context, gen_kwargs, doc_to_visual, doc_id, task, split = req.args
            doc = self.task_dict[task][split][doc_id]
            try:
                video = video_input(doc, doc_to_visual(doc))
                text = self.answer(context, video, dict(gen_kwargs or {}))
            except errors as err:
                log.warning("videorl: %s doc %s failed, scored as a failure: %s", task, doc_id, err)
                text = ""
            out.append(text)
            cache_hook = getattr(self, "cache_hook", None)
            if cache_hook is not None:
                cache_hook.add_partial("generate_until", (context, gen_kwargs), text)
        return out

    def loglikelihood(self, requests: list[Any]) -> list[tuple[float, bool]]:
        raise NotImplementedError(f"{type(self).__name__} only generates text (output_type: generate_until); "
                                  "loglikelihood tasks are not supported")

    def generate_until_multi_round(self, requests: list[Any]) -> list[str]:
        raise NotImplementedError(f"{type(self).__name__} does not support multi-round generation")
