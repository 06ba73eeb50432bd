"""Video-MTR evaluation metrics over episode logs: accuracy, environment success rate, MRA."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from videorl.envs.video_mtr.config import MC, NUMERICAL
from videorl.envs.video_mtr.parse import _float, answer_correct
from videorl.envs.video_mtr.rewards import mean_relative_accuracy


def episode_metrics(logs: Sequence[Mapping[str, Any]], *, faithful_eval: bool = False) -> dict[str, float]:
    """Accuracy, success rate and MRA (percent) over episode logs (:meth:`Episode.summary`).

    - ``accuracy``: multiple-choice and numerical episodes whose final answer is correct (by
      :func:`answer_correct` with the episode's mode), over all of them; the original compares the
      extracted answer with the raw ``solution`` string *with its answer tags* and its extraction
      returns "", so it reports 0 correct (``faithful_eval=True`` reproduces that);
    - ``success_rate``: episodes that ended on a correct answer (answer reward > 0), over all;
    - ``MRA``: mean relative accuracy of numerical episodes (no answer -> 0);
    - ``count``, ``count_numerical``, ``mean_turns``.
    """
    n = len(logs)
    if n == 0:
        return {"count": 0}
    acc_rows, mra_rows = [], []
    for lg in logs:
        ptype = lg.get("problem_type")
        ans, gt = lg.get("answer"), str(lg.get("gt", ""))
        faithful = bool(lg.get("faithful", False))
        if ptype in (MC, NUMERICAL):
            ok = False if faithful_eval else (ans is not None and answer_correct(ans, gt, ptype, faithful=faithful))
            acc_rows.append(100.0 if ok else 0.0)
        if ptype == NUMERICAL:
            p, g = (None if ans is None else _float(ans)), _float(gt)
            mra_rows.append(0.0 if p is None or g is None else 100.0 * mean_relative_accuracy(p, g))
    out = {"count": float(n), "accuracy": sum(acc_rows) / len(acc_rows) if acc_rows else float("nan"),
           "success_rate": 100.0 * sum(1 for lg in logs if lg.get("success")) / n,
           "MRA": sum(mra_rows) / len(mra_rows) if mra_rows else float("nan"),
           "count_numerical": float(len(mra_rows)),
           "mean_turns": sum(len(lg.get("turns", [])) for lg in logs) / n}
    return out
