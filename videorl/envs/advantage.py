"""Video-MTR's bi-level GAE (``algorithm.adv_estimator=bi_level_gae``) as a pure function.

Semantics of ``compute_bi_level_gae_advantage_return`` in ``JamesKrW/verl`` (``core_algos.py`` at
``33e8339``), the trainer Video-MTR runs on (../shared/notes/methods.md §4.4). Per trajectory:

1. **High level**, over the end-of-turn positions ``e_1 < … < e_K`` (``turn_end_mask``) with the
   critic's values there: ``δ_k = r_k + γ_h·V(e_{k+1}) − V(e_k)`` (``V(e_{K+1}) = 0``),
   ``A_k = δ_k + γ_h·λ·A_{k+1}``; the turn return is ``A_k + V(e_k)``.
2. **Low level**, over the response tokens (``loss_mask``) backwards: at a turn end the reward
   becomes the turn return, the next value is 0 and the running GAE restarts, so the turn-end
   advantage is ``A_k``; inside a turn ``δ_t = r_t + γ·V(next response token) − V(t)`` (``r_t`` is
   0 unless a token-level term such as a KL penalty was added) and ``A_t = δ_t + γ·λ·A_{t+1}``.
   Returns are ``A_t + V(t)``.
3. Advantages are whitened over ``loss_mask`` (mean 0, variance 1, as ``verl_F.masked_whiten``;
   ``whiten=False`` returns them raw, for tests and other trainers).

The script uses γ = λ = 1 and ``high_level_gamma`` = 1 (default 0.99). Inputs are ``[batch, T]``
torch tensors; positions outside ``loss_mask`` get advantage 0 (return 0). A turn end must be a
response token (``loss_mask`` 1 there) and the last response token of a trajectory must be a turn end.
"""

from __future__ import annotations

from typing import Any


def bi_level_gae(token_level_rewards: Any, values: Any, loss_mask: Any, turn_end_mask: Any, *,
                 gamma: float = 1.0, lam: float = 1.0, high_level_gamma: float = 0.99,
                 whiten: bool = True) -> tuple[Any, Any]:
    """Advantages and returns (both ``[batch, T]``) of Video-MTR's bi-level GAE (see the module)."""
    import torch

    rewards = torch.as_tensor(token_level_rewards, dtype=torch.float32)
    values = torch.as_tensor(values, dtype=torch.float32)
    mask = torch.as_tensor(loss_mask).bool()
    ends = torch.as_tensor(turn_end_mask).bool()
    if not (rewards.shape == values.shape == mask.shape == ends.shape) or rewards.dim() != 2:
        raise ValueError("rewards, values, loss_mask and turn_end_mask must all be [batch, T], got "
                         f"{tuple(rewards.shape)}, {tuple(values.shape)}, {tuple(mask.shape)}, {tuple(ends.shape)}")
    if bool((ends & ~mask).any()):
        raise ValueError("a turn end lies outside the loss mask (turn ends must be response tokens)")
    adv = torch.zeros_like(rewards)
    ret = torch.zeros_like(rewards)
    with torch.no_grad():
        for b in range(rewards.shape[0]):
            pos = mask[b].nonzero(as_tuple=True)[0].tolist()
            eos = ends[b].nonzero(as_tuple=True)[0].tolist()
            if pos and (not eos or eos[-1] != pos[-1]):
                raise ValueError(f"trajectory {b}: its last response token is not a turn end")
            turn_return: dict[int, float] = {}
            last = 0.0
            for i in range(len(eos) - 1, -1, -1):
                p = eos[i]
                nxt = float(values[b, eos[i + 1]]) if i + 1 < len(eos) else 0.0
                delta = float(rewards[b, p]) + high_level_gamma * nxt - float(values[b, p])
                last = delta + high_level_gamma * lam * last
                turn_return[p] = last + float(values[b, p])
            eos_set = set(eos)
            last = 0.0
            for j in range(len(pos) - 1, -1, -1):
                p = pos[j]
                if p in eos_set:
                    r, nxt, last = turn_return[p], 0.0, 0.0
                else:
                    r, nxt = float(rewards[b, p]), float(values[b, pos[j + 1]])
                delta = r + gamma * nxt - float(values[b, p])
                last = delta + gamma * lam * last
                adv[b, p] = last
                ret[b, p] = last + float(values[b, p])
        if whiten:
            adv = masked_whiten(adv, mask)
    return adv, ret


def masked_whiten(x: Any, mask: Any, eps: float = 1e-8) -> Any:
    """``(x − mean) / sqrt(var + eps)`` over the masked entries (unbiased variance, as verl)."""
    import torch

    m = torch.as_tensor(mask).bool()
    vals = x[m]
    if vals.numel() == 0:
        return x
    mean = vals.mean()
    var = vals.var(unbiased=vals.numel() > 1) if vals.numel() > 1 else torch.tensor(0.0)
    out = (x - mean) * torch.rsqrt(var + eps)
    return torch.where(m, out, torch.zeros_like(out))


def turn_rewards_to_tokens(turn_rewards: list[float], turn_ends: list[int], length: int) -> list[float]:
    """Token-level reward row: each turn's reward on the last token of that turn (the original's
    ``multi_turn_token_level_rewards``)."""
    if len(turn_rewards) != len(turn_ends):
        raise ValueError(f"{len(turn_rewards)} turn rewards for {len(turn_ends)} turn ends")
    row = [0.0] * length
    for r, p in zip(turn_rewards, turn_ends, strict=True):
        row[p] += float(r)
    return row


def turn_ends_from_mask(response_mask: list[int]) -> list[int]:
    """Positions of the last token of every run of 1s in a response mask (1 = the model's tokens,
    0 = tool/observation tokens and padding): the end of each assistant turn, the original's
    ``reward_mask``."""
    m = [bool(x) for x in response_mask]
    return [i for i, on in enumerate(m) if on and (i + 1 == len(m) or not m[i + 1])]
