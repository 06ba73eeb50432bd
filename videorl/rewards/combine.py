"""Weighted sums of registered rewards, from keyword arguments or a YAML/JSON spec.

Spec (a dict, a JSON/YAML string, or a ``.json``/``.yaml`` file)::

    components:
      iou: 0.9                          # name: weight
      format: {weight: 0.1, mode: strict}   # name: weight plus the reward's parameters
      fmt_answer: {reward: format, weight: 0.05, mode: answer}  # same reward twice: give `reward`
    normalize: false                    # divide by the sum of weights (Lwt235 does)

or ``Composite(iou=0.9, format={"weight": 0.1, "mode": "strict"})``.

score = Σᵢ wᵢ·rᵢ (÷ Σᵢ wᵢ when ``normalize``). Components: each key's reward under that key, then
the sub-components its reward reports (``recall``, ``iop``, ...) under their own names unless a
key of that name already exists. Any registered name works, entry-point plugins included.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

from videorl.rewards.base import Reward, RewardResult
from videorl.rewards.registry import get, register
from videorl.target import Target


def load_spec(spec: Any) -> dict[str, Any]:
    """A composite spec as a dict, from a dict, a JSON/YAML string or a path to a .json/.yaml file."""
    if isinstance(spec, Mapping):
        return dict(spec)
    if isinstance(spec, Path) or (isinstance(spec, str) and spec.strip().endswith((".json", ".yaml", ".yml"))
                                  and "\n" not in spec):
        path = Path(spec)
        if not path.is_file():
            raise FileNotFoundError(f"composite spec file not found: {path}")
        spec = path.read_text(encoding="utf-8")
    if not isinstance(spec, str):
        raise ValueError(f"a composite spec must be a dict, JSON/YAML text or a file, got {type(spec).__name__}")
    try:
        out = json.loads(spec)
    except json.JSONDecodeError:
        import yaml  # only for YAML specs

        out = yaml.safe_load(spec)
    if not isinstance(out, Mapping):
        raise ValueError(f"a composite spec must be a mapping, got {out!r}")
    return dict(out)


def _weight(key: str, w: Any) -> float:
    if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w):
        raise ValueError(f"composite component {key!r}: weight must be a finite number, got {w!r}")
    return float(w)


@register("composite")
class Composite(Reward):
    """Weighted sum of named rewards: Σ wᵢ·rᵢ (normalised by Σ wᵢ when ``normalize``)."""

    name = "composite"

    def __init__(self, components: Mapping[str, Any] | None = None, *, normalize: bool = False,
                 **kwargs: Any) -> None:
        super().__init__()
        spec = dict(components or {})
        overlap = set(spec) & set(kwargs)
        if overlap:
            raise ValueError(f"composite components given twice: {sorted(overlap)}")
        spec.update(kwargs)
        if not spec:
            raise ValueError("a composite needs at least one component")
        self.normalize = normalize
        self.parts: list[tuple[str, float, Reward]] = []
        for key, val in spec.items():
            if isinstance(val, Reward):
                self.parts.append((key, 1.0, val))
                continue
            if isinstance(val, Mapping):
                params = dict(val)
                w = _weight(key, params.pop("weight", 1.0))
                reward_name = params.pop("reward", key)
            else:
                w, params, reward_name = _weight(key, val), {}, key
            self.parts.append((key, w, get(reward_name, **params)))
        total = sum(w for _, w, _ in self.parts)
        if normalize and total <= 0:
            raise ValueError("normalize=True needs a positive sum of weights")
        self._scale = 1.0 / total if normalize else 1.0
        # (key, effective weight, the part's score function, the tasks it accepts or None): a part
        # using the base __call__ is scored through .score directly, since the text is already coerced.
        self._keys = tuple(key for key, _, _ in self.parts)
        self._calls = [(key, w * self._scale, r.score if type(r).__call__ is Reward.__call__ else r,
                        r.tasks if type(r).__call__ is Reward.__call__ else None, r) for key, w, r in self.parts]

    @classmethod
    def from_spec(cls, spec: Any) -> Composite:
        d = load_spec(spec)
        unknown = set(d) - {"components", "normalize"}
        if unknown:
            raise ValueError(f"unknown composite spec keys {sorted(unknown)}; expected 'components', 'normalize'")
        if not isinstance(d.get("components"), Mapping):
            raise ValueError("a composite spec needs a 'components' mapping")
        return cls(d["components"], normalize=bool(d.get("normalize", False)))

    def weights(self) -> dict[str, float]:
        """The effective weight of each component (after normalisation)."""
        return {k: w * self._scale for k, w, _ in self.parts}

    def params(self) -> dict[str, Any]:
        return {"components": {k: {"weight": w, "reward": r.name, **r.params()} for k, w, r in self.parts},
                "normalize": self.normalize}

    def component_names(self) -> tuple[str, ...]:
        names = [k for k, _, _ in self.parts]
        for _, _, r in self.parts:
            names += [n for n in r.component_names() if n not in names]
        return tuple(names)

    def score(self, text: str, target: Target) -> RewardResult:
        task = target.task
        return self._combine([r(text, target) if tasks is not None and task not in tasks else fn(text, target)
                              for _, _, fn, tasks, r in self._calls])  # r raises UnsupportedTaskError

    def score_many(self, texts: list[str], targets: list[Target]) -> list[RewardResult]:
        per_part = [r.many(texts, targets) for _, _, r in self.parts]  # each part scores the batch at once
        return [self._combine(list(results)) for results in zip(*per_part, strict=True)]

    def _combine(self, results: list[RewardResult]) -> RewardResult:
        total, comps = 0.0, {}
        for (key, w, _, _, _), res in zip(self._calls, results, strict=True):
            total += w * res.score
            comps[key] = float(res.score)
        for res in results:
            for sub, v in res.components.items():
                if sub not in comps:
                    comps[sub] = float(v)
        return RewardResult(total, comps, partial(_reasons, self._keys, results))


def _reasons(keys: tuple[str, ...], results: list[RewardResult]) -> str:
    return "; ".join(f"{key}={res.score:.4g} ({res.reason})" if res.reason else f"{key}={res.score:.4g}"
                     for key, res in zip(keys, results, strict=True))


def composite(spec: Any = None, **kwargs: Any) -> Composite:
    """Build a :class:`Composite` from a spec (dict / JSON / YAML / file) or keyword arguments."""
    if spec is not None:
        c = Composite.from_spec(spec)
        if kwargs:
            raise ValueError("give a spec or keyword components, not both")
        return c
    return Composite(**kwargs)
