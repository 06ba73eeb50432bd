"""Video-MTR (``vagen/env/video/{env,reward}.py``): the answer turn's reward.

reward = 0.1·valid + (1 − 0.1·(k − 1))·correct, for an answer given at turn k (1-based; 1.0, 0.9,
0.8 for turns 1–3). ``k`` is the ``turn`` parameter, else the target's extra field ``turn``, else 1.

- valid: the stripped response is exactly a think block, whitespace, an answer block; for multiple
  choice the stripped, upper-cased answer must be one of the option letters ("B." is invalid),
  for numbers ``float()`` must succeed. Invalid -> 0 overall (no format reward either).
- correct, faithful: multiple choice compares the raw stripped answer with the GT letter
  **case-sensitively** ("b" is valid but wrong); numbers must agree on having a decimal mark, then
  floats rounded to 2 decimals are compared; free-form answers are never correct (the original
  asserts). Fixed: case-insensitive letters; free-form answers by normalised exact match.

The multi-turn environment (frame retrieval, frame-IoU rewards, answer gate, tool-use bootstrap) is a
later issue: ``video_mtr_multiturn`` is a registered placeholder that raises.
"""

from __future__ import annotations

from videorl.parse import extract_tag
from videorl.record import LETTERS
from videorl.rewards.base import Reward, RewardResult
from videorl.rewards.fmt import check_format
from videorl.rewards.registry import register
from videorl.scoring import normalize_answer
from videorl.target import Target


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


@register("video_mtr", kind="preset")
class VideoMTRReward(Reward):
    """Video-MTR answer turn: 0.1·format + (1 − 0.1·(k − 1))·correct; ``faithful`` letters are case-sensitive."""

    name = "video_mtr"
    tasks = ("mcq", "open_qa")
    components = ("accuracy", "format")

    def __init__(self, faithful: bool = False, turn: int | None = None, format_reward: float = 0.1) -> None:
        super().__init__()
        if turn is not None and (not isinstance(turn, int) or turn < 1):
            raise ValueError(f"turn must be a positive integer, got {turn!r}")
        self.faithful = faithful
        self.turn = turn
        self.format_reward = format_reward

    def score(self, text: str, target: Target) -> RewardResult:
        k = self.turn or target.extra.get("turn", 1)
        k = k if isinstance(k, int) and k >= 1 else 1
        ans = (extract_tag(text, "answer") or "").strip() if check_format(text, "strict") else None
        gt = (target.answer or "").strip()
        if ans is None:
            return RewardResult(0.0, {"accuracy": 0.0, "format": 0.0}, "invalid: not think then answer")
        is_mc, is_num = target.task == "mcq", _is_number(gt)
        if is_mc:
            valid = ans.upper() in LETTERS[: len(target.options)]
        elif is_num:
            valid = _is_number(ans)
        else:
            valid = len(ans) <= 50
        if not valid:
            return RewardResult(0.0, {"accuracy": 0.0, "format": 0.0}, f"invalid answer {ans[:20]!r}")
        if is_mc:
            ok = ans == gt if self.faithful else ans.upper() == gt.upper()
        elif is_num:
            ok = (("." in ans) == ("." in gt)) and round(float(ans), 2) == round(float(gt), 2)
        else:
            ok = False if self.faithful else (normalize_answer(ans) == normalize_answer(gt) != "")
        acc = float(ok)
        total = self.format_reward + max(0.0, 1 - 0.1 * (k - 1)) * acc
        return RewardResult(total, {"accuracy": acc, "format": 1.0}, f"turn {k}: answer {ans[:20]!r} vs {gt!r}")


@register("video_mtr_multiturn", kind="placeholder")
def video_mtr_multiturn(**params: object) -> Reward:
    """Video-MTR's multi-turn rewards (frame retrieval IoU, answer gate, tool-use bootstrap): later issue."""
    raise NotImplementedError("reward 'video_mtr_multiturn' needs a multi-turn rollout environment, which "
                              "videorl does not provide yet (a later issue); 'video_mtr' scores the answer turn")
