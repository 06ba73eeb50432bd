"""Parity: Video-MTR's bi-level GAE, videorl's verl path against the original's own function.

The original is ``compute_bi_level_gae_advantage_return`` in the user's ``JamesKrW/verl`` checkout
(``verl/trainer/ppo/core_algos.py``, the trainer Video-MTR's release runs on), imported unchanged with
``verl/utils/torch_functional.py`` from the same checkout (its ``masked_whiten``); only imports the two
functions never use (``tensordict``, ``transformers``, ``flash_attn``) are stubbed while they load.

videorl's side is what verl 0.9.1 runs with the recipe: token-level rewards with each turn's reward on
that turn's last response token (plus a small per-token term, as the KL penalty in the reward adds),
critic values, the turn ends taken from the response mask (ends of the runs of 1s: the original's
``reward_mask``), through verl's own ``compute_advantage`` with ``adv_estimator=bi_level_gae`` when PyPI
verl is importable (its host environment), else through the same estimator's computation in videorl
(:func:`videorl.envs.advantage.bi_level_gae` on :func:`~videorl.envs.advantage.turn_ends_from_mask`).

Corpus: seeded batches of 8 multi-turn trajectories (1–4 turns of 1–12 tokens, observation gaps, right
padding), random rewards and values, γ, λ and ``high_level_gamma`` drawn in [0.5, 1] (a quarter of the
batches use Video-MTR's γ = λ = γ_h = 1). A trajectory agrees when its advantages and returns equal
the original's within 1e-5 on every response token (positions outside the loss mask carry no loss:
the original's whitening leaves them at −mean/std, videorl and verl set them to 0; not compared).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

NAME = "bi_level_gae"
NEEDS = ["jameskrw_verl"]
REQUIREMENTS: list[str] = []  # torch: the project environment's own

TOL = 1e-5
BATCH = 8


def _stub(name: str, **attrs: Any) -> ModuleType:
    mod = ModuleType(name)
    mod.__dict__.update(attrs)
    return mod


def _load(path: Path, stubs: dict[str, ModuleType]) -> ModuleType:
    """Execute one file of the checkout as a fresh module with ``stubs`` in ``sys.modules`` meanwhile
    (parents of dotted stub names become empty packages); ``sys.modules`` is restored afterwards."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not found in the checkout")
    install: dict[str, ModuleType] = {}
    for key, mod in stubs.items():
        parts = key.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if parent not in stubs and parent not in install:
                pkg = ModuleType(parent)
                pkg.__path__ = []  # type: ignore[attr-defined]
                install[parent] = pkg
        install[key] = mod
    for key, mod in install.items():  # attach children so `import a.b.c as x` resolves
        if "." in key:
            parent, child = key.rsplit(".", 1)
            setattr(install[parent], child, mod)
    saved = {k: sys.modules.get(k) for k in install}
    name = f"_videorl_parity_{path.stem}"
    try:
        sys.modules.update(install)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        return module
    finally:
        for k, old in saved.items():
            if old is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = old


def load_original(checkout: Path) -> Any:
    """The original's ``compute_bi_level_gae_advantage_return`` (with its own ``masked_whiten``)."""
    tf = _load(checkout / "verl/utils/torch_functional.py", {
        "tensordict": _stub("tensordict", TensorDict=object),
        "transformers": _stub("transformers", PreTrainedTokenizer=object),
        "transformers.generation": _stub("transformers.generation"),
        "transformers.generation.logits_process": _stub(
            "transformers.generation.logits_process", TemperatureLogitsWarper=object, TopKLogitsWarper=object,
            TopPLogitsWarper=object)})
    core = _load(checkout / "verl/trainer/ppo/core_algos.py", {"verl.utils.torch_functional": tf})
    return core.compute_bi_level_gae_advantage_return


def _videorl_path() -> tuple[str, Any]:
    """``(label, fn(rewards, values, mask, gamma, lam, hg) -> (adv, ret))``: verl's compute_advantage with
    videorl's registered estimator when verl 0.9.1 is importable, else videorl's same computation."""
    import torch

    from videorl.envs.advantage import bi_level_gae, turn_ends_from_mask

    try:
        import numpy as np
        from omegaconf import OmegaConf
        from verl import DataProto
        from verl.trainer.ppo.ray_trainer import compute_advantage

        import videorl.plugins.verl_mtr as mtr
    except ImportError:
        def ours(rewards, values, mask, gamma, lam, hg):
            ends = torch.tensor([[i in set(turn_ends_from_mask(row.tolist())) for i in range(mask.shape[1])]
                                 for row in mask])
            return bi_level_gae(rewards, values, mask, ends, gamma=gamma, lam=lam, high_level_gamma=hg)
        return "videorl bi_level_gae (verl not importable here)", ours

    def through_verl(rewards, values, mask, gamma, lam, hg):
        from tensordict import TensorDict

        data = DataProto(batch=TensorDict({"response_mask": mask, "token_level_rewards": rewards},
                                          batch_size=mask.shape[0]))
        data.non_tensor_batch["uid"] = np.array([str(i) for i in range(mask.shape[0])], dtype=object)
        cfg = OmegaConf.create({"adv_estimator": "bi_level_gae", "gamma": gamma, "lam": lam, "high_level_gamma": hg})
        with mtr.critic_values(values):
            data = compute_advantage(data, adv_estimator="bi_level_gae", gamma=gamma, lam=lam, config=cfg)
        return data.batch["advantages"], data.batch["returns"]
    return "verl 0.9.1 compute_advantage", through_verl


def _batch(g: Any, t: int) -> tuple[Any, Any, Any]:
    import torch

    mask = torch.zeros(BATCH, t, dtype=torch.int64)
    for b in range(BATCH):
        pos = 0
        for _ in range(int(torch.randint(1, 5, (1,), generator=g))):
            ln = int(torch.randint(1, 13, (1,), generator=g))
            if pos + ln > t:
                break
            mask[b, pos:pos + ln] = 1
            pos += ln + int(torch.randint(1, 9, (1,), generator=g))
        if not mask[b].any():
            mask[b, 0] = 1
    nxt = torch.zeros_like(mask)
    nxt[:, :-1] = mask[:, 1:]
    ends = (mask == 1) & (nxt == 0)
    rewards = (torch.randn(BATCH, t, generator=g) * 0.01 + ends * torch.randn(BATCH, t, generator=g)) * mask
    values = torch.randn(BATCH, t, generator=g) * mask
    return rewards.float(), values.float(), mask


def compare(original: Any, ours: Any, n: int, seed: int) -> dict[str, Any]:
    """``n`` trajectories (in batches of 8): agreement of ours with the original."""
    import torch

    g = torch.Generator().manual_seed(seed)
    agree, unexplained, examples = 0, 0, []
    done = 0
    while done < n:
        rewards, values, mask = _batch(g, 64)
        if int(torch.randint(0, 4, (1,), generator=g)) == 0:
            gamma = lam = hg = 1.0
        else:
            gamma, lam, hg = (round(float(x), 4) for x in torch.rand(3, generator=g) * 0.5 + 0.5)
        nxt = torch.zeros_like(mask)
        nxt[:, :-1] = mask[:, 1:]
        reward_mask = ((mask == 1) & (nxt == 0)).long()
        o_adv, o_ret = original(rewards.clone(), reward_mask, values.clone(), mask, gamma, lam, hg)
        v_adv, v_ret = ours(rewards.clone(), values.clone(), mask, gamma, lam, hg)
        m = mask.bool()
        for b in range(min(BATCH, n - done)):
            diff = max(float((o_adv[b] - v_adv[b])[m[b]].abs().max()), float((o_ret[b] - v_ret[b])[m[b]].abs().max()))
            if diff <= TOL:
                agree += 1
            else:
                unexplained += 1
                if len(examples) < 3:
                    examples.append(f"mask={mask[b].tolist()} gamma={gamma} lam={lam} hg={hg} max|diff|={diff:.3g}")
        done += BATCH
    classes = {"unexplained": unexplained} if unexplained else {}
    return {"method": "video_mtr", "n": n, "agree": agree, "classes": classes,
            "examples": {"unexplained": examples} if examples else {}}


def run(checkouts: dict[str, Path], n: int, seed: int) -> dict[str, dict]:
    """Parity-harness entry (benchmarks/bench_parity.py): ``{"bi_level_gae": result}``."""
    original = load_original(Path(checkouts["jameskrw_verl"]))
    label, ours = _videorl_path()
    print(f"[bi_level_gae] videorl side: {label}", file=sys.stderr)
    return {"bi_level_gae": compare(original, ours, n, seed)}


if __name__ == "__main__":
    import argparse
    import json
    import os

    ap = argparse.ArgumentParser(description="bi-level GAE parity against the user's JamesKrW/verl checkout")
    ap.add_argument("--checkout", default=os.path.join(os.environ.get("VIDEORL_ORIGINALS", "."), "JamesKrW-verl"))
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    print(json.dumps(run({"jameskrw_verl": Path(a.checkout)}, a.n, a.seed), indent=1))
