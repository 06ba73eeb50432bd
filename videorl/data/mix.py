"""Training mixtures: several record files, sampling weights, one seeded, de-duplicated file.

Algorithm (deterministic for a seed; ``random.Random(seed)`` is the only source of randomness):

1. Read every source (validated). Ids are de-duplicated across sources: the first occurrence (in
   the order the sources are given) is kept, later ones are dropped and counted per source.
2. Quotas: weights are normalised to sum to 1 and ``size`` is split by largest remainder:
   ``q_i = floor(size * w_i)``, and the ``size - sum(q_i)`` left over go one each to the sources
   with the largest fractional parts ``size * w_i - q_i`` (ties: the earlier source). So
   ``sum(q_i) == size`` exactly.
3. Each source is shuffled; its first ``min(q_i, n_i)`` records are taken (sampling **without**
   replacement up to the source's size). When ``q_i > n_i`` the remaining ``q_i - n_i`` are drawn
   **with** replacement from the source; each repeat gets a new id ``<id>#<k>`` (``k`` = 2, 3, ...
   counts copies of that record) and ``meta.mix_copy = k``, so ids stay unique.
4. The chosen records are shuffled together. Every record gets ``meta.mix_source`` (the source
   file's name).

A source with weight 0 contributes nothing; an empty source with a positive weight is an error.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from videorl.io import write_json, write_jsonl
from videorl.record import SampleRecord, load_records


@dataclass
class MixReport:
    size: int
    seed: int
    sources: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, str]] = field(default_factory=list)
    """``{"id", "source", "kept_from"}`` for each record dropped as a duplicate id."""

    def to_dict(self) -> dict[str, Any]:
        return {"size": self.size, "seed": self.seed, "sources": self.sources,
                "duplicates_count": len(self.duplicates), "duplicates": self.duplicates}

    def summary(self) -> str:
        lines = [f"mixture of {self.size} records (seed {self.seed}):"]
        for s in self.sources:
            lines.append(f"  {s['path']}: weight {s['weight']:.4g}, {s['available']} available"
                         f" ({s['duplicates_dropped']} duplicate ids dropped), {s['quota']} taken"
                         f" ({s['repeats']} repeated)")
        return "\n".join(lines)


def quotas(weights: Sequence[float], size: int) -> list[int]:
    """Largest-remainder split of ``size`` by ``weights`` (see the module docstring)."""
    if size < 0:
        raise ValueError(f"size must be >= 0, got {size}")
    if not weights or any(not math.isfinite(w) or w < 0 for w in weights):
        raise ValueError(f"weights must be finite and >= 0, got {list(weights)}")
    total = float(sum(weights))
    if total <= 0:
        raise ValueError(f"at least one weight must be > 0, got {list(weights)}")
    exact = [size * w / total for w in weights]
    q = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - q[i]), i))
    for i in order[: size - sum(q)]:
        q[i] += 1
    return q


def mix(sources: Sequence[str | os.PathLike], *, size: int, weights: Sequence[float] | None = None,
        seed: int = 0) -> tuple[list[SampleRecord], MixReport]:
    """Build a mixture (see the module docstring). ``weights`` default to the sources' sizes."""
    if not sources:
        raise ValueError("give at least one records file")
    if weights is not None and len(weights) != len(sources):
        raise ValueError(f"{len(sources)} sources but {len(weights)} weights")
    rng = random.Random(seed)
    report = MixReport(size=size, seed=seed)
    seen: dict[str, str] = {}
    pools: list[list[SampleRecord]] = []
    for src in sources:
        pool, dropped = [], 0
        for rec in load_records(src):
            if rec.id in seen:
                report.duplicates.append({"id": rec.id, "source": str(src), "kept_from": seen[rec.id]})
                dropped += 1
                continue
            seen[rec.id] = str(src)
            pool.append(rec)
        pools.append(pool)
        report.sources.append({"path": str(src), "available": len(pool), "duplicates_dropped": dropped})
    w = list(weights) if weights is not None else [float(len(p)) for p in pools]
    q = quotas(w, size)
    chosen: list[SampleRecord] = []
    for src, pool, qi, wi, info in zip(sources, pools, q, w, report.sources, strict=True):
        if qi and not pool:
            raise ValueError(f"{src}: no records to draw {qi} from (weight {wi})")
        order = pool[:]
        rng.shuffle(order)
        take = order[: min(qi, len(order))]
        copies: dict[str, int] = {}
        for _ in range(qi - len(take)):
            rec = rng.choice(pool)
            k = copies.get(rec.id, 1) + 1
            copies[rec.id] = k
            take.append(replace(rec, id=f"{rec.id}#{k}", meta={**rec.meta, "mix_copy": k}))
        name = Path(src).name
        chosen.extend(replace(r, meta={**r.meta, "mix_source": name}) for r in take)
        info.update(weight=wi / sum(w), quota=qi, repeats=qi - min(qi, len(pool)))
    rng.shuffle(chosen)
    return chosen, report


def write_mix(sources: Sequence[str | os.PathLike], out: str | os.PathLike, *, size: int,
              weights: Sequence[float] | None = None, seed: int = 0) -> MixReport:
    """:func:`mix`, then write ``out`` and ``<out stem>.report.json`` atomically."""
    records, report = mix(sources, size=size, weights=weights, seed=seed)
    write_jsonl(out, records)
    write_json(report_path_for(out), report.to_dict())
    return report


def report_path_for(out: str | os.PathLike) -> Path:
    p = Path(out)
    return p.with_name(p.name.removesuffix(".jsonl") + ".report.json")
