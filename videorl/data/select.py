"""Variance-aware data selection (Temporal-R1): keep the samples whose reward varies across K tries.

Temporal-R1 describes (no code was released) "variance-aware data selection based on repeated
inference": run the policy K times per sample, score every try with the training reward, and keep
the samples whose rewards vary, since a GRPO group with equal rewards has zero advantage and
teaches nothing. Here:

1. **input**: K lines per sample, either a ``videorl score`` predictions file (a sample record with
   ``prediction``, the same ``id`` on each of its K lines, optional ``sample_index``; what
   ``videorl predict --num-samples K`` writes) or lmms-eval ``--log_samples`` files of a videorl task
   (``doc.record`` holds the record, ``resps`` the K responses of a task with ``repeats: K``);
2. **score** each try with a reward of :mod:`videorl.rewards` (a preset name such as ``default`` or
   ``temporal_r1``, or a composite spec): exactly the training reward, never a re-implementation;
3. per sample the **mean** and the population **variance** (``ddof = 0``) of its K rewards;
4. **keep** samples with variance ``> tau``, or the ``top_fraction`` with the highest variance
   (``ceil(fraction * n)``, ties broken by file order); samples always solved (every reward
   ``>= solved``) or never solved (every reward ``<= unsolved``) are counted and listed;
5. **write** the selected records (clean sample records, predictions removed), a JSON report with
   every sample's statistics, and a histogram of the variances with the cut marked (``plot`` extra).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from videorl.record import PREDICTION_FIELDS, RecordError, SampleRecord, iter_jsonl

EXTRA_FIELDS = (*PREDICTION_FIELDS, "sample_index")


@dataclass
class Group:
    """The K tries of one sample."""

    record: SampleRecord
    line: int
    """Where the sample first appears (file line)."""
    source: str
    responses: list[str]
    rewards: list[float] | None = None

    @property
    def mean(self) -> float:
        return sum(self.rewards or []) / len(self.rewards or [1])

    @property
    def variance(self) -> float:
        r = self.rewards or []
        m = sum(r) / len(r)
        return sum((x - m) ** 2 for x in r) / len(r)


def _lmms_eval_line(obj: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    doc = obj.get("doc")
    if not isinstance(doc, dict) or not isinstance(doc.get("record"), str):
        raise RecordError("an lmms-eval sample of a videorl task must carry the record in doc.record", field="doc")
    try:
        rec = json.loads(doc["record"])
    except json.JSONDecodeError as exc:
        raise RecordError(f"doc.record is not JSON ({exc.msg})", field="doc") from None

    def flat(x: Any) -> Iterator[Any]:
        if isinstance(x, list):
            for y in x:
                yield from flat(y)
        else:
            yield x
    resps = list(flat(obj.get("resps")))
    if not resps or not all(isinstance(r, str) for r in resps):
        raise RecordError(f"must be a (nested) list of response strings, got {obj.get('resps')!r}", field="resps")
    return rec, resps


def read_groups(paths: Iterable[str | os.PathLike]) -> list[Group]:
    """Group the tries of each sample id across the files (records must agree across their tries)."""
    groups: dict[str, Group] = {}
    raws: dict[str, dict[str, Any]] = {}
    for path in paths:
        for n, obj in iter_jsonl(path):
            try:
                if isinstance(obj, dict) and "resps" in obj and "doc" in obj:
                    raw, resps = _lmms_eval_line(obj)
                else:
                    if not isinstance(obj, dict):
                        raise RecordError(f"a line must be a JSON object, got {type(obj).__name__}")
                    pred = obj.get("prediction")
                    if not isinstance(pred, str):
                        raise RecordError("needs the model's text in 'prediction' (rewards score text)",
                                          field="prediction")
                    raw = {k: v for k, v in obj.items() if k not in EXTRA_FIELDS}
                    resps = [pred]
                rec = SampleRecord.from_dict(raw)
            except RecordError as err:
                raise err.at(path, n) from None
            clean = rec.to_dict()
            if rec.id in groups:
                if clean != raws[rec.id]:
                    raise RecordError(f"sample {rec.id!r} differs from its first try (line {groups[rec.id].line} of "
                                      f"{groups[rec.id].source}) in fields other than the prediction", path=path, line=n)
                groups[rec.id].responses += resps
            else:
                groups[rec.id] = Group(rec, n, str(path), list(resps))
                raws[rec.id] = clean
    return list(groups.values())


def score_groups(groups: list[Group], reward: Any = "default", *, min_tries: int = 2,
                 show_progress: bool = True) -> None:
    """Fill ``group.rewards`` with the reward of each try (``reward`` as :func:`videorl.rewards.build`)."""
    from tqdm import tqdm

    from videorl.rewards import UnsupportedTaskError, build
    from videorl.target import make_target, parse_target

    fn = build(reward)
    for g in tqdm(groups, desc="scoring tries", unit="sample", disable=None if show_progress else True):
        if len(g.responses) < min_tries:
            raise RecordError(f"sample {g.record.id!r} has {len(g.responses)} tries; variance needs at least "
                              f"{min_tries}", path=g.source, line=g.line, field="id")
        target = parse_target(make_target(g.record))
        try:
            g.rewards = [float(fn(text, target).score) for text in g.responses]
        except UnsupportedTaskError as err:
            raise RecordError(str(err), path=g.source, line=g.line, field="task") from None


def choose(groups: list[Group], *, tau: float | None = None, top_fraction: float | None = None) -> tuple[list[Group], float]:
    """The kept groups (file order) and the variance cut (``tau``, or the smallest kept variance)."""
    if (tau is None) == (top_fraction is None):
        raise ValueError("give exactly one of tau and top_fraction")
    if tau is not None:
        return [g for g in groups if g.variance > tau], float(tau)
    if not 0 < top_fraction <= 1:  # type: ignore[operator]
        raise ValueError(f"top_fraction must be in (0, 1], got {top_fraction}")
    k = math.ceil(top_fraction * len(groups))  # type: ignore[operator]
    order = sorted(range(len(groups)), key=lambda i: (-groups[i].variance, i))[:k]
    kept = sorted(order)
    cut = min((groups[i].variance for i in kept), default=0.0)
    return [groups[i] for i in kept], cut


def plot_histogram(variances: list[float], cut: float, path: str | os.PathLike, *, title: str = "") -> None:
    """Histogram of reward variances with the cut as a vertical line (PNG, atomic)."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError("the histogram needs matplotlib: pip install 'videorl[plot]'") from exc
    from videorl.io import atomic_write

    fig = Figure(figsize=(6, 3.5), dpi=100)
    ax = fig.add_subplot()
    top = max([*variances, cut, 1e-6])
    ax.hist(variances, bins=min(40, max(5, len(variances) // 2)), range=(0, top * 1.05), color="#4a78b5")
    ax.axvline(cut, color="#c0392b", linestyle="--", label=f"cut {cut:.4g}")
    ax.set_xlabel("reward variance over the tries")
    ax.set_ylabel("samples")
    ax.set_title(title or "variance-aware selection")
    ax.legend()
    fig.tight_layout()
    with atomic_write(path, "wb", encoding=None) as fh:
        fig.savefig(fh, format="png")


def run_selection(inputs: list[str | os.PathLike], out: str | os.PathLike, *, reward: Any = "default",
                  tau: float | None = None, top_fraction: float | None = None, solved: float = 1.0,
                  unsolved: float = 0.0, report_path: str | os.PathLike | None = None,
                  plot_path: str | os.PathLike | None = None, show_progress: bool = True) -> dict[str, Any]:
    """Read, score, choose and write (module docstring). Returns the report."""
    from videorl.io import write_json, write_jsonl

    groups = read_groups(inputs)
    if not groups:
        raise RecordError("no samples", path=str(inputs[0]) if inputs else None)
    score_groups(groups, reward, show_progress=show_progress)
    kept, cut = choose(groups, tau=tau, top_fraction=top_fraction)
    kept_ids = {g.record.id for g in kept}
    always = [g.record.id for g in groups if min(g.rewards or [0]) >= solved]
    never = [g.record.id for g in groups if max(g.rewards or [0]) <= unsolved]
    tries = sorted({len(g.responses) for g in groups})
    out = Path(out)
    report_path = Path(report_path) if report_path else out.with_name(out.name.removesuffix(".jsonl") + ".report.json")
    plot_path = Path(plot_path) if plot_path else out.with_name(out.name.removesuffix(".jsonl") + ".variance.png")
    report = {
        "tool": "select", "inputs": [str(p) for p in inputs], "output": str(out), "reward": str(reward),
        "rule": {"tau": tau} if tau is not None else {"top_fraction": top_fraction}, "cut": cut,
        "samples": len(groups), "tries_per_sample": tries, "selected": len(kept),
        "always_solved": len(always), "never_solved": len(never), "solved_threshold": solved,
        "unsolved_threshold": unsolved, "always_solved_ids": always, "never_solved_ids": never,
        "per_sample": [{"id": g.record.id, "tries": len(g.responses), "mean": round(g.mean, 6),
                        "variance": round(g.variance, 6), "rewards": [round(r, 6) for r in g.rewards or []],
                        "selected": g.record.id in kept_ids} for g in groups],
        "plot": str(plot_path),
    }
    write_jsonl(out, [g.record for g in kept])
    plot_histogram([g.variance for g in groups], cut, plot_path, title=f"{len(kept)} of {len(groups)} kept")
    write_json(report_path, report)
    report["report"] = str(report_path)
    return report
