"""Paired comparison of two runs on the same samples: is B's gain over A larger than the noise?

Both runs are scored per sample with :func:`videorl.scoring.score_sample` (``videorl compare`` does it
through ``videorl score``'s reader), so every metric is a per-sample value in percent whose mean is the
reported metric. On the ids both runs share:

- **delta** = mean(B) − mean(A), the change of the reported metric (points);
- **confidence interval** of the delta by the paired bootstrap (:func:`scipy.stats.bootstrap` with
  ``paired=True``: pairs are resampled together, so the per-sample correlation of the two runs is kept),
  BCa by default, with a fixed seed so the same inputs give the same interval;
- **exact McNemar test** for the binary metrics (R1@x, accuracy, Acc@QA, ...): of the discordant pairs,
  ``b`` = A right and B wrong, ``c`` = A wrong and B right; under "no difference" ``c ~ Binomial(b + c, 1/2)``,
  and the two-sided p-value is :func:`scipy.stats.binomtest`'s.

A record with K samples (``predict --num-samples K``) counts once: its samples' values are averaged
(a binary metric then is not binary, and gets no McNemar test).

Groups: every task, and every ``meta.subtask`` within a task (MVBench's 20 subtasks).

:func:`differences` lists what makes two runs not comparable and names it: ids only one run has, the
ground truth, the prompts, the sampling settings (frames and decoding), the backend and the scorer
protocol (per-sample scores stored in a file that differ from a re-scoring with the chosen protocol).

scipy is imported on first use (the ``view`` extra).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from videorl.scoring.metrics import metrics_for

HEADLINE = {"grounding": "mIoU", "mcq": "accuracy", "grounded_qa": "Acc@GQA", "open_qa": "accuracy"}
"""The metric ``videorl compare --plot`` draws the per-sample deltas of."""
CI_METHODS = ("BCa", "percentile", "basic")
CONTINUOUS = frozenset({"mIoU", "mIoP"})
"""Metrics that are means of a continuous per-sample value (never given a McNemar test, even when every
sample happens to score 0 or 100)."""


@dataclass
class Run:
    """One run: a name and its scored rows ``(task, raw row, per-sample scores)``."""

    name: str
    rows: list[tuple[str, dict[str, Any], dict[str, Any]]]

    def by_id(self) -> dict[str, list[tuple[str, dict[str, Any], dict[str, Any]]]]:
        out: dict[str, list[tuple[str, dict[str, Any], dict[str, Any]]]] = {}
        for row in self.rows:
            out.setdefault(str(row[1]["id"]), []).append(row)
        return out


@dataclass
class Difference:
    """Something two runs differ in besides the model: ``kind`` is ids, ground_truth, prompt, sampling,
    backend or protocol; ``fatal`` ones refuse the comparison unless allowed."""

    kind: str
    message: str
    fatal: bool = True


@dataclass
class MetricDelta:
    metric: str
    n: int
    a: float
    b: float
    delta: float
    ci_low: float | None
    ci_high: float | None
    binary: bool
    discordant_a: int | None = None
    """McNemar's ``b``: pairs A got right and B wrong."""
    discordant_b: int | None = None
    """McNemar's ``c``: pairs B got right and A wrong."""
    p_value: float | None = None


@dataclass
class Comparison:
    a: str
    b: str
    shared: int
    only_a: int
    only_b: int
    confidence: float
    method: str
    n_resamples: int
    seed: int
    groups: dict[str, list[MetricDelta]] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)
    deltas: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    """``{task: {"ids": [...], "delta": [...]}}``: the headline metric's per-sample deltas (for the plot)."""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["groups"] = {g: [asdict(m) for m in ms] for g, ms in self.groups.items()}
        return d


def bootstrap_delta(a: Sequence[float], b: Sequence[float], *, confidence: float = 0.95, n_resamples: int = 9999,
                    seed: int = 0, method: str = "BCa") -> tuple[float, float | None, float | None]:
    """``(mean(b) - mean(a), low, high)``: the paired-bootstrap interval of the delta of means.

    All deltas equal (two identical runs, or a constant shift): the interval is that one value (the
    bootstrap distribution has no spread). Fewer than 2 pairs: no interval (None, None)."""
    import numpy as np

    if method not in CI_METHODS:
        raise ValueError(f"unknown interval method {method!r}; choose one of {', '.join(CI_METHODS)}")
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"paired samples need equal lengths, got {x.size} and {y.size}")
    d = y - x
    delta = float(d.mean()) if d.size else float("nan")
    if d.size < 2:
        return delta, None, None
    if float(np.ptp(d)) == 0.0:
        return delta, delta, delta
    from scipy.stats import bootstrap

    def statistic(u: Any, v: Any, axis: int = -1) -> Any:
        return v.mean(axis=axis) - u.mean(axis=axis)

    seeded = ({"rng": np.random.default_rng(seed)} if "rng" in inspect.signature(bootstrap).parameters
              else {"random_state": np.random.default_rng(seed)})
    res = bootstrap((x, y), statistic, paired=True, vectorized=True, n_resamples=int(n_resamples),
                    confidence_level=float(confidence), method=method, **seeded)
    lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return delta, (None if math.isnan(lo) else lo), (None if math.isnan(hi) else hi)


def mcnemar_exact(a: Sequence[bool], b: Sequence[bool]) -> tuple[int, int, float]:
    """``(b, c, p)``: discordant counts (A only right, B only right) and the exact two-sided p-value."""
    if len(a) != len(b):
        raise ValueError(f"paired samples need equal lengths, got {len(a)} and {len(b)}")
    only_a = sum(1 for u, v in zip(a, b, strict=True) if u and not v)
    only_b = sum(1 for u, v in zip(a, b, strict=True) if v and not u)
    if only_a + only_b == 0:
        return 0, 0, 1.0
    from scipy.stats import binomtest

    return only_a, only_b, float(binomtest(only_b, only_a + only_b, 0.5).pvalue)


def _per_id(rows: list[tuple[str, dict[str, Any], dict[str, Any]]], metric: str) -> float:
    vals = [float(s[metric]) for _, _, s in rows]
    return math.fsum(vals) / len(vals)


def compare_metric(metric: str, a: Sequence[float], b: Sequence[float], **kw: Any) -> MetricDelta:
    """One metric's paired comparison (values per shared id, in percent)."""
    binary = metric not in CONTINUOUS and all(v in (0.0, 100.0) for v in (*a, *b))
    delta, lo, hi = bootstrap_delta(a, b, **kw)
    out = MetricDelta(metric, len(a), math.fsum(a) / len(a), math.fsum(b) / len(b), delta, lo, hi, binary)
    if binary:
        out.discordant_a, out.discordant_b, out.p_value = mcnemar_exact([v > 0 for v in a], [v > 0 for v in b])
    return out


def compare_runs(a: Run, b: Run, *, confidence: float = 0.95, n_resamples: int = 9999, seed: int = 0,
                 method: str = "BCa", rescored: dict[str, dict[str, dict[str, Any]]] | None = None) -> Comparison:
    """Compare ``b`` against ``a`` on their shared ids (module docstring). ``rescored`` (optional):
    ``{run name: {id: stored scores}}`` from the files, checked against the rows' scores (protocol)."""
    ia, ib = a.by_id(), b.by_id()
    shared = [i for i in ia if i in ib]
    cmp = Comparison(a.name, b.name, len(shared), len(set(ia) - set(ib)), len(set(ib) - set(ia)), confidence,
                     method, n_resamples, seed)
    cmp.differences = differences(a, b)
    kw = dict(confidence=confidence, n_resamples=n_resamples, seed=seed, method=method)
    groups: dict[str, list[str]] = {}
    for i in shared:
        task = ia[i][0][0]
        if ib[i][0][0] != task:
            continue  # a ground-truth difference, reported by differences()
        groups.setdefault(task, []).append(i)
        sub = (ia[i][0][1].get("meta") or {}).get("subtask")
        if sub is not None:
            groups.setdefault(f"{task}/{sub}", []).append(i)
    for name, ids in groups.items():
        task = name.split("/", 1)[0]
        cmp.groups[name] = [compare_metric(m, [_per_id(ia[i], m) for i in ids], [_per_id(ib[i], m) for i in ids], **kw)
                            for m in metrics_for(task)]
        if "/" not in name and task in HEADLINE:
            m = HEADLINE[task]
            cmp.deltas[task] = {"ids": ids, "delta": [_per_id(ib[i], m) - _per_id(ia[i], m) for i in ids]}
    return cmp


def _info(rows: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    return rows[0][1].get("predict") or {}


def _truth(raw: dict[str, Any]) -> Any:
    return (raw.get("task"), raw.get("spans"), raw.get("answer"), raw.get("options"), raw.get("clip"),
            raw.get("duration"))


def differences(a: Run, b: Run) -> list[Difference]:
    """What ``a`` and ``b`` differ in besides the model, each named (module docstring)."""
    ia, ib = a.by_id(), b.by_id()
    shared = [i for i in ia if i in ib]
    out: list[Difference] = []
    only_a, only_b = [i for i in ia if i not in ib], [i for i in ib if i not in ia]
    if not shared:
        out.append(Difference("ids", f"{a.name} and {b.name} share no id ({len(ia)} and {len(ib)} ids)"))
        return out
    if only_a or only_b:
        ex = (only_a or only_b)[0]
        out.append(Difference("ids", f"{len(only_a)} ids only in {a.name}, {len(only_b)} only in {b.name} "
                                     f"(e.g. {ex!r}); compared on the {len(shared)} shared ids", fatal=False))
    truth = [i for i in shared if _truth(ia[i][0][1]) != _truth(ib[i][0][1])]
    if truth:
        out.append(Difference("ground_truth", f"{len(truth)} shared ids have different ground truth (task, spans, "
                                              f"answer, options, clip or duration), e.g. {truth[0]!r}: these are "
                                              "not the same records"))
    prompts = [i for i in shared if _info(ia[i]).get("prompt") != _info(ib[i]).get("prompt")]
    if prompts:
        i = prompts[0]
        out.append(Difference("prompt", f"{len(prompts)} of {len(shared)} shared ids were asked different prompts, "
                                        f"e.g. {i!r}: {_short(_info(ia[i]).get('prompt'))!r} vs "
                                        f"{_short(_info(ib[i]).get('prompt'))!r}"))
    for kind, keys in (("sampling", ("sampling", "temperature")), ("backend", ("backend",))):
        named = []
        for key in keys:
            va = {_freeze(_info(ia[i]).get(key)) for i in shared}
            vb = {_freeze(_info(ib[i]).get(key)) for i in shared}
            if va != vb:
                if key == "sampling":
                    named += _dict_diff(ia, ib, shared)
                else:
                    named.append(f"{key}: {a.name} {_vals(va)}, {b.name} {_vals(vb)}")
        if named:
            out.append(Difference(kind, f"{kind} settings differ: " + "; ".join(named), fatal=kind != "backend"))
    return out


def protocol_difference(name: str, stored: dict[str, dict[str, Any]], rows: list[tuple[str, dict[str, Any],
                        dict[str, Any]]], protocol: str) -> Difference | None:
    """A run whose file carries per-sample scores that a re-scoring with ``protocol`` does not reproduce
    was scored another way (another protocol, ``--reversed``, ``--no-clamp``): name it."""
    differ = []
    for _, raw, scores in rows:
        old = stored.get(str(raw["id"]) + f"#{raw.get('sample_index') or 0}")
        if old is None:
            continue
        bad = [m for m in scores if m not in ("parsed_span", "parsed_answer") and m in old
               and not math.isclose(float(old[m]), float(scores[m]), abs_tol=1e-9)]
        if bad:
            differ.append((raw["id"], bad[0], old[bad[0]], scores[bad[0]]))
    if not differ:
        return None
    rid, m, old, new = differ[0]
    return Difference("protocol", f"{name}: {len(differ)} rows carry stored scores that --protocol {protocol} does "
                                  f"not reproduce (e.g. {rid!r}: {m} {old} stored, {new} now): they were scored with "
                                  "another protocol or options (--protocol official, --reversed, --no-clamp)")


def _short(text: Any, n: int = 70) -> str:
    s = str(text)
    return s if len(s) <= n else s[: n - 3] + "..."


def _freeze(v: Any) -> Any:
    if isinstance(v, dict):
        return tuple(sorted((k, _freeze(x)) for k, x in v.items()))
    if isinstance(v, list):
        return tuple(_freeze(x) for x in v)
    return v


def _vals(values: set[Any]) -> str:
    return "/".join(sorted(repr(v) for v in values))


def _dict_diff(ia: dict[str, Any], ib: dict[str, Any], shared: list[str]) -> list[str]:
    """``sampling.<key>: A x, B y`` for each sampler setting that differs."""
    sa = [_info(ia[i]).get("sampling") or {} for i in shared]
    sb = [_info(ib[i]).get("sampling") or {} for i in shared]
    keys = sorted({k for d in sa + sb for k in d})
    out = []
    for k in keys:
        va, vb = {_freeze(d.get(k)) for d in sa}, {_freeze(d.get(k)) for d in sb}
        if va != vb:
            out.append(f"sampling.{k}: {_vals(va)} vs {_vals(vb)}")
    return out


def format_table(cmp: Comparison) -> str:
    """The comparison as a text table: one line per group and metric."""
    pct = int(round(100 * cmp.confidence))
    head = ["group", "metric", "n", cmp.a[:18], cmp.b[:18], "delta", f"{pct}% CI", "McNemar p"]
    lines = []
    for g, ms in cmp.groups.items():
        for m in ms:
            ci = "n/a" if m.ci_low is None else f"[{m.ci_low:+.2f}, {m.ci_high:+.2f}]"
            p = "" if m.p_value is None else (f"{m.p_value:.3g}" + (f" ({m.discordant_a}/{m.discordant_b})"))
            lines.append([g, m.metric, str(m.n), f"{m.a:.2f}", f"{m.b:.2f}", f"{m.delta:+.2f}", ci, p])
    widths = [max(len(r[k]) for r in [head, *lines]) for k in range(len(head))]
    fmt = ["  ".join(c.ljust(w) if k < 2 else c.rjust(w) for k, (c, w) in enumerate(zip(r, widths, strict=True)))
           for r in [head, *lines]]
    return "\n".join(fmt)
