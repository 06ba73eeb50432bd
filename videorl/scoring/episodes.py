"""Video-MTR episode metrics: answer correctness, mean relative accuracy (MRA) and their aggregate.

Scoring owns them so that both the environment (:mod:`videorl.envs.video_mtr`, which rewards an
answer with :func:`answer_correct`) and the score summary (:func:`videorl.scoring.summary.summarize`,
rows with an ``mtr`` episode log) use one definition without the scoring layer importing ``envs``.
See :mod:`videorl.envs.video_mtr` for the faithful / fixed modes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from videorl.scoring.metrics import normalize_answer
from videorl.scoring.numeric import MRA_THRESHOLDS, mean_relative_accuracy  # noqa: F401  (re-exported)

MC, NUMERICAL, FREE_FORM = "multiple choice", "numerical", "free-form"


def _float(s: str) -> float | None:
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def _has_mark(s: str) -> bool:
    return "." in s or "," in s


def answer_correct(answer: str, gt: str, ptype: str, *, faithful: bool) -> bool:
    """Whether a *valid* answer is correct (faithful or fixed, see the module docstring)."""
    a, g = answer.strip(), (gt or "").strip()
    if ptype == MC:
        return a == g if faithful else a.upper() == g.upper()
    if ptype == NUMERICAL:
        fa, fg = _float(a), _float(g)
        if fa is None or fg is None:
            return False
        if faithful:  # a decimal mark is "." or ","; "inf" equals "inf" (round keeps it)
            return _has_mark(a) == _has_mark(g) and round(fa, 2) == round(fg, 2)
        if not (math.isfinite(fa) and math.isfinite(fg)):
            return False
        return round(fa, 2) == round(fg, 2)
    return False if faithful else (normalize_answer(a) == normalize_answer(g) != "")


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
