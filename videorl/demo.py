"""``videorl demo``: the whole evaluation path on an embedded default, offline, in about a minute.

Measured: about 60 s on a quiet 2-core CPU machine (the tiny Qwen2.5-VL's generation is most of it),
more on a loaded one.

1. make the synthetic grounding set (coded videos, events on the 2 fps grid) under
   ``$VIDEORL_DATA_DIR/synthetic`` (:mod:`videorl.plugins.lmms_eval.synthetic`);
2. build a tiny randomly initialised Qwen2.5-VL locally (:mod:`videorl.testing.tiny_qwen`);
3. run lmms-eval's ``simple_evaluate`` on ``videorl_synthetic_grounding`` with ``videorl_oracle``
   (reads the coded frames: mIoU 100 unless a frame or clock is wrong) and with ``videorl_qwen`` on the
   tiny model (random text: every sample is a parse failure, but every stage runs);
4. write ``<out>/<model>/results.json`` and ``samples.jsonl`` and return the metrics per model.

``out`` defaults to ``$VIDEORL_DATA_DIR/demo`` (a cache folder, not the working tree). The
synthetic set is verified against the checksums written with it and rebuilt when damaged;
``force=True`` rebuilds it and the tiny model anyway.
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
# What each row is and what it proves (printed under the table).
ROWS: dict[str, tuple[str, str]] = {
    "videorl_oracle": ("oracle", "reads the event code drawn into each sampled frame and answers on the model clock: "
                                 "100 proves that frame choice, clip offset, prompt clock, parser and scorer agree "
                                 "through lmms-eval"),
    "videorl_qwen": ("random weights", "a tiny Qwen2.5-VL built locally with random weights: its text is noise, so "
                                       "mIoU 0 and parse_fail 100 are expected; it proves that the real processor, "
                                       "model and generate path run end to end"),
}


def default_out() -> Path:
    from videorl.paths import data_dir

    return data_dir() / "demo"


def no_cap_notice(record: logging.LogRecord) -> bool:
    """Logging filter: drop transformers' ``cap_pixels_per_frame`` notice (one function, so adding it
    again on a later :func:`quiet` call is a no-op)."""
    return "cap_pixels_per_frame" not in record.getMessage()


def quiet() -> None:
    """Silence messages that say nothing about the demo: our notice that temporal_grounding_charades
    replaces lmms-eval's built-in, NumExpr's thread count and transformers' ``cap_pixels_per_frame``
    notice (no effect here: frames are resized by videorl and passed with ``do_resize=False``)."""
    logging.getLogger("videorl.plugins.lmms_eval.hook").setLevel(logging.ERROR)
    logging.getLogger("numexpr").setLevel(logging.WARNING)
    # on the loggers that emit it, so it is dropped whichever handler (transformers' own, or the root
    # logger's once lmms-eval lets transformers propagate) would print it
    for family in ("qwen2_vl", "qwen3_vl"):
        logging.getLogger(f"transformers.models.{family}.video_processing_{family}").addFilter(no_cap_notice)
    try:
        from transformers.utils import logging as hf_logging

        for handler in hf_logging._get_library_root_logger().handlers:
            handler.addFilter(no_cap_notice)
    except ImportError:  # pragma: no cover
        pass


def run_demo(out_dir: str | os.PathLike | None = None, *,
             models: tuple[str, ...] = ("videorl_oracle", "videorl_qwen"), limit: int | None = None,
             force: bool = False) -> dict[str, dict[str, float]]:
    """Run the demo; returns ``{model: {metric: value}}`` and writes the result files under ``out_dir``
    (default :func:`default_out`)."""
    from videorl.plugins.lmms_eval.synthetic import ensure_synthetic

    out = Path(out_dir) if out_dir is not None else default_out()
    records = ensure_synthetic(force=force)
    log.info("synthetic set: %s", records)
    from lmms_eval.evaluator import simple_evaluate  # imports lmms_eval.models: loads our entry point
    from lmms_eval.tasks import TaskManager

    task_manager = TaskManager(verbosity="WARNING")
    table: dict[str, dict[str, float]] = {}
    for model in models:
        model_args = "fps=2.0"
        if model == "videorl_qwen":
            from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

            model_dir = out / "tiny_qwen2_5_vl"
            if force or not (model_dir / "config.json").is_file():
                build_tiny_qwen2_5_vl(model_dir)
            model_args = f"pretrained={model_dir},device=cpu,max_new_tokens=16"
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
    head = f"{'model':<16}{'kind':<16}" + "".join(f"{m:>12}" for m in METRICS)
    rows = [f"{model:<16}{ROWS.get(model, ('', ''))[0]:<16}" + "".join(f"{v[m]:>12.2f}" for m in METRICS)
            for model, v in table.items()]
    notes = [f"  {model}: {ROWS[model][1]}" for model in table if model in ROWS]
    return "\n".join([head, *rows, "", *notes])


def verdict(table: dict[str, dict[str, float]]) -> str | None:
    """None when the oracle scored 100; else what went wrong, telling decode failures (the oracle
    could not read a sample: parse_fail > 0) from a clock or frame error (every sample answered, a
    span off)."""
    oracle = table.get("videorl_oracle")
    if oracle is None or abs(oracle["mIoU"] - 100.0) < 1e-6:
        return None
    if oracle["parse_fail"] > 0:
        return (f"the oracle could not answer {oracle['parse_fail']:.0f}% of the samples: their videos failed to "
                "decode (see the warnings above); this is a decode failure, not a clock error. Rebuild the set "
                "with `videorl demo --force`")
    return (f"the oracle answered every sample but scored mIoU {oracle['mIoU']:.2f}, not 100: a frame or clock "
            "is wrong (please report it with the samples.jsonl above)")
