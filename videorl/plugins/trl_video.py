"""Video for TRL's ``GRPOTrainer`` on the videorl sampler and Qwen glue (exact clock).

TRL 1.x's ``GRPOTrainer`` has no video path: its prompt tokenisation leaves videos to the
processor's chat template (which would load and re-sample the file with its own rules) and its
training forward passes image fields only (``pixel_values``, ``image_grid_thw``), so the
``<|video_pad|>`` tokens would reach the model without a video and without their M-RoPE time
ids. :class:`VideoGRPOTrainer` fills both gaps and nothing else:

- **prompts** (``_tokenize_prompts``): each sample's video (dataset column ``video``, JSON
  ``{"path": ..., "clip": [start, end] | null}``) is decoded by :func:`videorl.video.sample_frames`
  (exact times ``clip_start + k / fps``, optionally through the frame cache) and handed to the
  processor by :func:`videorl.video.qwen.processor_video_kwargs` (already sampled and resized,
  model-clock metadata), exactly as the lmms-eval backend does for evaluation;
- **forward passes** (``_get_per_token_logps_and_entropies``, used for the old, reference and
  training log-probs): each row gets its own ``pixel_values_videos``, ``video_grid_thw``,
  ``second_per_grid_ts`` (Qwen2.5-VL) and ``mm_token_type_ids`` (video tokens = 2), so the model
  computes the same M-RoPE time ids in training as in generation. The per-row video tensors ride in
  the generation batch as one list (key :data:`VIDEO_KEY`), which TRL shuffles and splits with the
  other per-sample fields.

Refused (``ValueError`` at construction, because the video would be dropped silently):
``use_vllm`` (TRL sends vLLM token ids and images only), tools / environments, continuous batching.

:func:`records_dataset` turns videorl sample records into the dataset: ``prompt`` (one user turn:
the video then :func:`videorl.prompts.build_prompt`), ``target`` (the reward target JSON read by
:class:`videorl.plugins.trl.VideoRLReward`), ``video`` and ``id``.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from trl import GRPOTrainer

from videorl.prompts import build_prompt
from videorl.record import RecordError, SampleRecord, read_records, resolve_video
from videorl.target import dumps_target
from videorl.video.qwen import family_of, processor_video_kwargs

VIDEO_KEY = "videorl_video"
"""Key of the per-row video tensors in TRL's generation batch."""
_ROW_FIELDS = ("pixel_values_videos", "video_grid_thw", "second_per_grid_ts")


def records_dataset(records: str | os.PathLike | Iterable[SampleRecord], *, style: str = "r1",
                    video_dir: str | os.PathLike | None = None, system_prompt: str | None = None,
                    check_videos: bool = True):
    """A ``datasets.Dataset`` for :class:`VideoGRPOTrainer` from a records file (or records).

    Relative video paths resolve against ``video_dir``, else ``$VIDEORL_VIDEO_DIR``, else the
    records file's folder (:func:`videorl.record.resolve_video`).

    Raises :class:`RecordError` (file, line, field) for an invalid record or, with ``check_videos``,
    a video file that does not exist: found before training, never at step N.
    """
    from datasets import Dataset

    if isinstance(records, (str, os.PathLike)):
        rows = [(str(records), line, rec) for line, rec, _ in read_records(records)]
        if video_dir is None and not os.environ.get("VIDEORL_VIDEO_DIR"):
            video_dir = Path(records).resolve().parent
    else:
        rows = [(None, None, rec) for rec in records]
    out = []
    for path, line, rec in rows:
        video = resolve_video(rec, video_dir)
        if check_videos and not video.is_file():
            raise RecordError(f"video file not found: {video}", path=path, line=line, field="video")
        messages: list[dict[str, Any]] = []
        if system_prompt:
            messages.append({"role": "system", "content": [{"type": "text", "text": system_prompt}]})
        messages.append({"role": "user", "content": [{"type": "video", "text": None},
                                                     {"type": "text", "text": build_prompt(rec, style)}]})
        out.append({"prompt": messages, "target": dumps_target(rec), "id": rec.id,
                    "video": json.dumps({"path": str(video), "clip": rec.clip})})
    if not out:
        raise RecordError("no records", path=None if not rows else rows[0][0])
    return Dataset.from_list(out)


class VideoGRPOTrainer(GRPOTrainer):
    """``GRPOTrainer`` whose prompts carry one video each, sampled by videorl (see the module docstring).

    Extra keyword arguments: ``video_fps`` (2.0) or ``video_nframes``, ``video_min_pixels``,
    ``video_max_pixels``, ``video_total_pixels`` (the qwen-vl-utils budget rule, factor = patch size x
    merge size of the processor), ``frame_cache`` (a folder or :class:`videorl.video.FrameCache`;
    frames decoded once and reused across epochs and processes). The processor must be a Qwen2.5-VL
    or Qwen3-VL processor and the model of the same family.
    """

    def __init__(self, *args: Any, video_fps: float | None = 2.0, video_nframes: int | None = None,
                 video_min_pixels: int | None = None, video_max_pixels: int | None = None,
                 video_total_pixels: int | None = None, frame_cache: Any = None, **kwargs: Any) -> None:
        args_obj = kwargs.get("args") if "args" in kwargs else (args[2] if len(args) > 2 else None)
        for flag, why in (("use_vllm", "TRL sends vLLM token ids and images only, so the video would be dropped"),
                          ("use_transformers_continuous_batching", "it has no multimodal inputs")):
            if getattr(args_obj, flag, False):
                raise ValueError(f"VideoGRPOTrainer: {flag}=True is not supported: {why}; "
                                 "use the transformers generation path (the default)")
        if kwargs.get("tools") or kwargs.get("environment_factory"):
            raise ValueError("VideoGRPOTrainer: tools and environments are not supported (their multi-turn "
                             "prompts would be re-tokenised without the video)")
        self.video_sampling = {"fps": None if video_nframes else (video_fps or 2.0), "nframes": video_nframes,
                               "min_pixels": video_min_pixels, "max_pixels": video_max_pixels,
                               "total_pixels": video_total_pixels}
        self.frame_cache = frame_cache
        self._batch_videos: list[Any] | None = None
        self._video_rows: list[dict[str, Any]] | None = None
        super().__init__(*args, **kwargs)
        config = getattr(self.model, "config", None)
        model_type = getattr(getattr(self.model, "get_base_model", lambda: self.model)().config, "model_type",
                             getattr(config, "model_type", ""))
        self.video_family = family_of(model_type)
        from videorl.video.qwen import restore_text_positions_after_vision

        for model in (self.model, getattr(self, "ref_model", None)):  # text after the video as released
            if model is not None:
                restore_text_positions_after_vision(model)
        vp = self.processing_class.video_processor
        self.video_sampling.update(patch_size=int(vp.patch_size), merge_size=int(vp.merge_size))
        tok = self._tokenizer
        self._video_token_id = tok.convert_tokens_to_ids("<|video_pad|>")
        self._image_token_id = tok.convert_tokens_to_ids("<|image_pad|>")
        # TRL suppresses the image token in sampling; a sampled video token would likewise be read as a
        # video placeholder in the training forward (token/feature count mismatch), so suppress it too.
        suppress = sorted({*(self.generation_kwargs.get("suppress_tokens") or []), self._image_token_id,
                           self._video_token_id})
        self.generation_kwargs["suppress_tokens"] = suppress
        self.generation_config.suppress_tokens = suppress

    # -- frames -------------------------------------------------------------------------------------
    def sample_video(self, video: Any) -> tuple[Any, Any]:
        """Frames and ``VideoMeta`` of one dataset ``video`` value (JSON text or dict)."""
        from videorl.video import sample_frames

        spec = json.loads(video) if isinstance(video, str) else dict(video)
        return sample_frames(spec["path"], clip=spec.get("clip"), cache=self.frame_cache, **self.video_sampling)

    # -- TRL hooks ----------------------------------------------------------------------------------
    def _generate_and_score_completions(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
        missing = [i for i, x in enumerate(inputs) if not x.get("video")]
        if missing:
            raise ValueError(f"VideoGRPOTrainer: sample(s) {missing} of the batch have no 'video' (ids "
                             f"{[inputs[i].get('id') for i in missing]}); every sample needs one")
        self._batch_videos = [x["video"] for x in inputs]
        try:
            output = super()._generate_and_score_completions(inputs)
            output[VIDEO_KEY] = self._video_rows
        finally:
            self._batch_videos = self._video_rows = None
        return output

    def _tokenize_prompts(self, prompts: list) -> tuple[list[list[int]], None, dict[str, Any]]:
        import torch

        videos = self._batch_videos
        if videos is None or len(videos) != len(prompts):
            raise RuntimeError("VideoGRPOTrainer: prompts were tokenised outside a generation batch")
        sampled: dict[str, tuple[Any, Any]] = {}
        texts, pairs = [], []
        for prompt, video in zip(prompts, videos, strict=True):
            key = video if isinstance(video, str) else json.dumps(video, sort_keys=True)
            if key not in sampled:
                sampled[key] = self.sample_video(video)
            pairs.append(sampled[key])
            texts.append(self.processing_class.apply_chat_template(
                prompt, add_generation_prompt=True, tokenize=False, chat_template=self.chat_template,
                **self.chat_template_kwargs))
        # padded to one tensor (prompts differ in length), then unpadded by the mask: TRL wants token lists
        enc = self.processing_class(text=texts, return_tensors="pt", padding=True,
                                    **processor_video_kwargs(pairs, self.video_family))
        enc["input_ids"] = [[t for t, m in zip(ids, mask, strict=True) if m]
                            for ids, mask in zip(enc["input_ids"].tolist(), enc["attention_mask"].tolist(), strict=True)]
        grid = enc["video_grid_thw"]
        sections = grid.prod(-1).tolist()
        per_row = torch.split(enc["pixel_values_videos"], sections)
        spg = enc.get("second_per_grid_ts")
        self._video_rows = [{"pixel_values_videos": per_row[i], "video_grid_thw": grid[i:i + 1],
                             **({"second_per_grid_ts": torch.as_tensor(spg[i:i + 1])} if spg is not None else {})}
                            for i in range(len(prompts))]
        fields = {"pixel_values_videos": enc["pixel_values_videos"], "video_grid_thw": grid,
                  "mm_token_type_ids": [self._mm_types(ids) for ids in enc["input_ids"]]}
        if spg is not None:
            fields["second_per_grid_ts"] = torch.as_tensor(spg)
        return enc["input_ids"], None, fields

    def _mm_types(self, ids: Any) -> Any:
        """``mm_token_type_ids`` as the Qwen processors write them: 1 image token, 2 video token, else 0."""
        import torch

        t = torch.as_tensor(ids)
        out = (t == self._image_token_id).long() + 2 * (t == self._video_token_id).long()
        return out.tolist() if not isinstance(ids, torch.Tensor) else out

    def _compute_loss(self, model: Any, inputs: dict[str, Any]) -> Any:
        self._video_rows = inputs.get(VIDEO_KEY)
        try:
            return super()._compute_loss(model, inputs)
        finally:
            self._video_rows = None

    def _get_per_token_logps_and_entropies(self, model: Any, input_ids: Any, attention_mask: Any,
                                           logits_to_keep: int, batch_size: int | None = None,
                                           compute_entropy: bool = False, compute_aux_loss: bool = False,
                                           **kwargs: Any) -> tuple[Any, Any, Any]:
        rows = self._video_rows
        if rows is None:
            raise RuntimeError("VideoGRPOTrainer: a forward pass without the batch's videos")
        if len(rows) != input_ids.size(0):
            raise RuntimeError(f"VideoGRPOTrainer: {len(rows)} videos for {input_ids.size(0)} sequences")
        import torch

        mm_types = self._mm_types(input_ids)
        batch_size = batch_size or input_ids.size(0)
        logps, entropies, aux = [], [], []
        for start in range(0, input_ids.size(0), batch_size):
            end = min(start + batch_size, input_ids.size(0))
            chunk = rows[start:end]
            video = {k: torch.cat([r[k] for r in chunk]).to(input_ids.device) for k in _ROW_FIELDS if k in chunk[0]}
            lp, ent, ax = super()._get_per_token_logps_and_entropies(
                functools.partial(model, **video), input_ids[start:end], attention_mask[start:end],
                logits_to_keep, batch_size=end - start, compute_entropy=compute_entropy,
                compute_aux_loss=compute_aux_loss, mm_token_type_ids=mm_types[start:end])
            logps.append(lp)
            entropies.append(ent)
            aux.append(ax)
        return (torch.cat(logps), torch.cat(entropies) if compute_entropy else None,
                torch.stack(aux).mean() if compute_aux_loss else None)


def describe(path: str | os.PathLike) -> str:
    """One line about a records file for logs: how many records of which tasks."""
    from collections import Counter

    tasks = Counter(rec.task for _, rec, _ in read_records(path))
    return f"{Path(path)}: {sum(tasks.values())} records ({', '.join(f'{n} {t}' for t, n in sorted(tasks.items()))})"
