"""``videorl predict --ray``: the same pipeline on Ray Data, across the GPUs and nodes of a Ray cluster.

Stages (one Ray Data dataset):

1. one item per distinct video (and clip), carrying the jobs that read it, so a shared video is
   decoded once here too;
2. ``map`` :func:`decode_item`: CPU tasks (``num_cpus=1`` each) run the sampler
   (:meth:`Sampling.decode`, through the frame cache when set) on any node; Ray Data's streaming
   executor keeps a bounded number of decoded items in flight ahead of the models;
3. ``map_batches`` :class:`ModelActor`: an actor pool of ``ray_actors`` model copies (default: one
   per GPU in the cluster, ``num_gpus=1`` each; one CPU actor when there is no GPU), each running
   the batched :class:`~videorl.predict.hf.QwenEngine` on ``batch_size`` rows at a time.

Rows come back sorted into job order, so the output is the single-process output: greedy
decoding is batch-invariant (tested), and sampling is seeded per row (:mod:`videorl.predict.hf`).

The cluster: ``ray_address`` joins a running one (``auto`` for the one this node belongs to, as
EasyR1's recipes start); without it a local one is started for this process.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import numpy as np

from videorl.predict.decode import Sampling, video_key
from videorl.predict.run import GenJob, GenResult, Timings

log = logging.getLogger(__name__)


def decode_item(item: dict[str, Any], sampling: Sampling) -> dict[str, Any]:
    """Decode one video (a Ray task): frames as an array, the metadata as JSON, or the error."""
    from videorl.video.errors import sample_errors

    clip = None if item["clip"] is None else tuple(item["clip"])
    try:
        frames, meta = sampling.decode(item["video"], clip)
    except sample_errors() as err:
        return {**item, "frames": np.zeros((0, 1, 1, 3), np.uint8), "meta": "", "error": f"{type(err).__name__}: {err}"}
    return {**item, "frames": np.ascontiguousarray(frames), "meta": json.dumps(meta.to_dict()), "error": ""}


class ModelActor:
    """One model copy; called with a batch of decoded videos, returns one output row per job."""

    def __init__(self, model: str, options: dict[str, Any]):
        import torch

        from videorl.predict.hf import QwenEngine

        device = options["device"]
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.engine = QwenEngine(model, device=device, dtype=options["dtype"],
                                 attn_implementation=options.get("attn_implementation"))
        self.options = options

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        from videorl.video.meta import VideoMeta

        out: dict[str, list[Any]] = {"job": [], "text": [], "meta": [], "error": []}
        rows: list[tuple[dict[str, Any], tuple[Any, Any]]] = []
        for v in range(len(batch["video"])):
            for job in json.loads(batch["jobs"][v]):
                if batch["error"][v]:
                    for key, value in (("job", job["index"]), ("text", ""), ("meta", ""), ("error", batch["error"][v])):
                        out[key].append(value)
                    continue
                rows.append((job, (np.asarray(batch["frames"][v]), VideoMeta.from_dict(json.loads(batch["meta"][v])))))
        size = int(self.options["batch_size"])
        for start in range(0, len(rows), size):
            chunk = rows[start:start + size]
            for group in _by_generation(chunk):
                texts = [self.engine.chat_text(job["prompt"], self.options.get("system_prompt")) for job, _ in group]
                inputs = self.engine.inputs(texts, [video for _, video in group])
                first = group[0][0]
                answers = self.engine.generate(inputs, max_new_tokens=first["max_new_tokens"],
                                               temperature=first["temperature"], seeds=[j["seed"] for j, _ in group])
                for (job, (_, meta)), text in zip(group, answers, strict=True):
                    out["job"].append(job["index"])
                    out["text"].append(text)
                    out["meta"].append(json.dumps(meta.to_dict()))
                    out["error"].append("")
        return out


def _by_generation(rows: list[tuple[dict[str, Any], Any]]) -> list[list[tuple[dict[str, Any], Any]]]:
    groups: dict[tuple[int, float], list[tuple[dict[str, Any], Any]]] = {}
    for row in rows:
        groups.setdefault((row[0]["max_new_tokens"], row[0]["temperature"]), []).append(row)
    return list(groups.values())


def run_on_ray(jobs: list[GenJob], opts: Any) -> tuple[list[GenResult], Timings]:
    """Run ``jobs`` on Ray Data (module docstring); results in job order."""
    try:
        import ray
    except ImportError as err:  # pragma: no cover - depends on the install
        raise ImportError("--ray needs Ray Data: pip install 'videorl[ray]'") from err
    from videorl.video.meta import VideoMeta

    if opts.backend != "hf":
        raise ValueError("--ray runs the hf backend (vLLM has its own data parallelism: see docs/predict.md)")
    t0 = time.perf_counter()
    if not ray.is_initialized():
        ray.init(address=opts.ray_address, include_dashboard=False, log_to_driver=False,
                 ignore_reinit_error=True)
    gpus = int(ray.cluster_resources().get("GPU", 0))
    actors = opts.ray_actors or max(gpus, 1)
    per_video: dict[Any, dict[str, Any]] = {}
    for n, job in enumerate(jobs):
        key = video_key(job.video, job.clip)
        item = per_video.setdefault(key, {"video": job.video, "clip": None if job.clip is None else list(job.clip),
                                          "jobs": []})
        item["jobs"].append({"index": n, "prompt": job.prompt, "max_new_tokens": job.max_new_tokens,
                             "temperature": job.temperature, "seed": job.seed})
    items = [{**v, "jobs": json.dumps(v["jobs"])} for v in per_video.values()]
    sampling = _sampling_for(opts)
    options = {"device": "auto" if gpus else opts.device, "dtype": opts.dtype, "batch_size": opts.batch_size,
               "system_prompt": opts.system_prompt, "attn_implementation": opts.attn_implementation}
    ds = ray.data.from_items(items, override_num_blocks=max(1, min(len(items), 64)))
    ds = ds.map(decode_item, fn_kwargs={"sampling": sampling}, num_cpus=1)
    ds = ds.map_batches(ModelActor, fn_constructor_args=(opts.model, options), batch_size=max(1, opts.batch_size),
                        compute=ray.data.ActorPoolStrategy(size=actors), num_gpus=1 if gpus else 0,
                        batch_format="numpy")
    rows = ds.take_all()
    results: list[GenResult | None] = [None] * len(jobs)
    for row in rows:
        n = int(row["job"])
        meta = VideoMeta.from_dict(json.loads(row["meta"])) if row["meta"] else None
        results[n] = GenResult(jobs[n], str(row["text"]), meta, str(row["error"]) or None)
    missing = [n for n, r in enumerate(results) if r is None]
    if missing:
        raise RuntimeError(f"Ray returned no row for jobs {missing[:10]} (of {len(jobs)})")
    timings = Timings(wall=time.perf_counter() - t0, decodes=len(items), rows=len(jobs))
    log.info("videorl predict --ray: %d rows, %d decodes on %d model actor(s) in %.1f s", len(jobs), len(items),
             actors, timings.wall)
    return [r for r in results if r is not None], timings


def _sampling_for(opts: Any) -> Sampling:
    """The run's sampler settings with the model's patch and merge sizes (read from its processor)."""
    from transformers import AutoProcessor

    vp = AutoProcessor.from_pretrained(opts.model).video_processor
    return Sampling(patch_size=int(vp.patch_size), merge_size=int(vp.merge_size), **opts.sampling_settings())
