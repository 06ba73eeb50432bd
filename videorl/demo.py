"""``videorl demo``: the whole evaluation path on an embedded default, offline, in about a minute.

1. make the synthetic grounding set (coded videos, events on the 2 fps grid) under
   ``$VIDEORL_DATA_DIR/synthetic`` (:mod:`videorl.plugins.lmms_eval.synthetic`);
2. build a tiny randomly initialised Qwen2.5-VL locally (:mod:`videorl.testing.tiny_qwen`);
3. run lmms-eval's ``simple_evaluate`` on ``videorl_synthetic_grounding`` with ``videorl_oracle``
   (reads the coded frames: mIoU 100 unless a frame or clock is wrong) and with ``videorl_qwen`` on the
   tiny model (random text: every sample is a parse failure, but every stage runs);
4. write ``<out>/<model>/results.json`` and ``samples.jsonl`` and return the metrics per model.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from videorl.io import write_json, write_jsonl

log = logging.getLogger(__name__)

TASK = "videorl_synthetic_grounding"
METRICS = ("mIoU", "R1@0.3", "R1@0.5", "R1@0.7", "parse_fail")


def run_demo(out_dir: str | os.PathLike, *, models: tuple[str, ...] = ("videorl_oracle", "videorl_qwen"),
             limit: int | None = None) -> dict[str, dict[str, float]]:
    """Run the demo; returns ``{model: {metric: value}}`` and writes the result files under ``out_dir``."""
    from videorl.plugins.lmms_eval.synthetic import ensure_synthetic

    out = Path(out_dir)
    records = ensure_synthetic()
    log.info("synthetic set: %s", records)
    from lmms_eval.evaluator import simple_evaluate  # imports lmms_eval.models: loads our entry point
    from lmms_eval.tasks import TaskManager

    task_manager = TaskManager(verbosity="WARNING")
    table: dict[str, dict[str, float]] = {}
    for model in models:
        model_args = "fps=2.0"
        if model == "videorl_qwen":
            from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

            model_args = f"pretrained={build_tiny_qwen2_5_vl(out / 'tiny_qwen2_5_vl')},device=cpu,max_new_tokens=16"
        res = simple_evaluate(model=model, model_args=model_args, tasks=[TASK], task_manager=task_manager,
                              log_samples=True, limit=limit, verbosity="WARNING")
        if not res or TASK not in res.get("results", {}):
            raise RuntimeError(f"lmms-eval returned no results for {model} on {TASK}")
        metrics = {m: float(res["results"][TASK][f"{m},none"]) for m in METRICS}
        table[model] = metrics
        samples = res.pop("samples", {}).get(TASK, [])
        write_json(out / model / "results.json", _jsonable(res))
        write_jsonl(out / model / "samples.jsonl", (_jsonable(s) for s in samples))
    return table


def _jsonable(obj: Any) -> Any:
    import json

    return json.loads(json.dumps(obj, default=str))


def format_table(table: dict[str, dict[str, float]]) -> str:
    head = f"{'model':<16}" + "".join(f"{m:>12}" for m in METRICS)
    rows = [f"{model:<16}" + "".join(f"{v[m]:>12.2f}" for m in METRICS) for model, v in table.items()]
    return "\n".join([head, *rows])
