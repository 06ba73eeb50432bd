"""The per-task summary of scored samples: what ``videorl score`` prints and the HTML report shows.

Rows are ``(task, raw record, per-sample scores)``; each task present is aggregated with
:func:`videorl.scoring.metrics.aggregate` (percent, full precision, ``None`` where undefined), and
rows carrying a Video-MTR episode log (``raw["mtr"]``) add a ``video_mtr`` entry
(:func:`videorl.scoring.episodes.episode_metrics`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from videorl.record import TASKS
from videorl.scoring.episodes import episode_metrics
from videorl.scoring.metrics import aggregate


def summarize(rows: Sequence[tuple[str, dict[str, Any], dict[str, Any]]], *,
              nextgqa_missing: str = "count") -> dict[str, dict[str, float | None]]:
    """``{task: {metric: percent at full precision (None when undefined), "count": n}}``; only the
    tables round."""
    result: dict[str, dict[str, float | None]] = {}
    for task in TASKS:
        per = [s for t, _, s in rows if t == task]
        if not per:
            continue
        agg = aggregate(per, task, nextgqa_missing=nextgqa_missing)
        entry: dict[str, float | None] = {k: (None if math.isnan(v) else v) for k, v in agg.items()}
        entry["count"] = len(per)
        result[task] = entry
    mtr = [raw["mtr"] for _, raw, _ in rows if isinstance(raw.get("mtr"), dict)]
    if mtr:  # Video-MTR episodes (videorl.envs.rollout.prediction_rows): accuracy, success rate, MRA
        m = episode_metrics(mtr)
        result["video_mtr"] = {k: (None if math.isnan(v) else v) for k, v in m.items() if k != "count"}
        result["video_mtr"]["count"] = len(mtr)
    return result
