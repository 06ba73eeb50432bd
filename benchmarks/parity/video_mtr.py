"""Parity: Video-MTR's own environment and rollout-manager rewards beside videorl's faithful mode.

Imported unchanged from the user's checkout (``vagen/env/video/{env,prompt,reward}.py``,
``vagen/rollout/qwen_rollout/rollout_manager.py``, ``qwen-vl-utils/.../vision_process.py``), with
stubs only for imports the compared functions never call (VAGEN's base classes, verl, transformers,
the video reader):

- ``video_mtr.answer_turn``: an answer turn at turn k, the original's own parse
  (``parse_videnv_llm_raw_response``) and ``reward_fn`` composed as ``VideoEnv.step`` composes them
  (``format_reward`` for a valid action, plus ``reward_fn`` for an answer; anything else 0) vs the
  ``video_mtr`` reward (``faithful=True``, ``turn=k``);
- ``video_mtr.episode``: scripted episodes of 1-3 replies played through the original ``VideoEnv``
  (its frame loader replaced by a pool of the episode's size: nothing else reads frames), turn
  rewards gated by the rollout manager's ``_get_answer_binded_stepwise_tool_reward`` on a float32
  tensor, summed; vs ``video_mtr_multiturn`` (``faithful=True``);
- ``video_mtr.tool_use_bootstrap``: the same episodes in batches of 8 through
  ``_compute_batch_tool_usage_reward`` vs :func:`videorl.envs.video_mtr.tool_use_bootstrap`;
- ``video_mtr.relevant_sample_frames``: qwen-vl-utils' ``_read_video_decord`` (with a ``decord``
  stand-in that reports a frame count and rate and records the indices asked for) gives the
  original's frame pool; the relevant frames by Video-MTR's rule vs
  :func:`videorl.data.relevant_frames.video_mtr_relevant_frames`.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from _corpus import UNICODE, Tally, close, number, prefix, suffix, think, words
from _load import load_module, stub

NAME = "video_mtr"
NEEDS = ["video_mtr"]
METHOD = "Video-MTR"
LETTERS = "ABCDEFGH"


# ----------------------------------------------------------------------------- the originals
def load_originals(root: Path) -> SimpleNamespace:
    """The original's env module, its parse function, ``reward_fn`` and the rollout manager class."""
    import PIL.Image  # noqa: F401  (the manager's annotations read PIL.Image)
    import torch  # noqa: F401  (the originals import it; the project's env has it)

    env_mod = load_module(root, "vagen/env/video/env.py", name="vagen.env.video.env", stubs={
        "vagen.env.base.base_env": stub("base_env", BaseEnv=object),
        "vagen.env.base.base_env_config": stub("base_env_config", BaseEnvConfig=object),
        "vagen.env.utils.parse_utils": stub("parse_utils", PARSE_FUNC_MAP={}),
        "qwen_vl_utils": stub("qwen_vl_utils", fetch_video=None),
        "torchvision": stub("torchvision"),
        "torchvision.transforms": stub("torchvision.transforms"),
        "torchvision.transforms.functional": stub("tvf", to_pil_image=None),
    })
    rm = load_module(root, "vagen/rollout/qwen_rollout/rollout_manager.py", stubs={
        "transformers": stub("transformers", PreTrainedTokenizer=object, ProcessorMixin=object),
        "psutil": stub("psutil"),
        "verl": stub("verl", DataProto=object),
        "verl.utils.model": stub("verl.utils.model", compute_position_id_with_mask=None),
        "verl.utils.torch_functional": stub("verl.utils.torch_functional"),
        "verl.utils.dataset.rl_dataset": stub("rl", process_image=None, collate_fn=None),
        "vagen.env": stub("vagen.env", REGISTERED_ENV={}),
    })
    return SimpleNamespace(env=env_mod, parse=env_mod.parse_videnv_llm_raw_response, reward_fn=env_mod.reward_fn,
                           manager=rm.QwenVLRolloutManager)


def load_vision_process(root: Path, decord: Any) -> Any:
    """qwen-vl-utils' ``vision_process`` with ``decord`` replaced by ``decord`` (the frame reader)."""
    tv = stub("torchvision", io=None, transforms=None)
    return load_module(root, "qwen-vl-utils/src/qwen_vl_utils/vision_process.py", stubs={
        "requests": stub("requests"), "torchvision": tv, "decord": decord,
        "torchvision.transforms": stub("torchvision.transforms", InterpolationMode=None),
    })


def original_env(orig: SimpleNamespace, sample: dict[str, Any], pool_size: int) -> Any:
    """The original ``VideoEnv`` on one sample, with a frame pool of ``pool_size`` placeholders."""
    yaml_data = {"video_env": {"init_sample_num": 16, "max_video_frames": 64, "max_turn_frames": 8, "max_turns": 3,
                               "rewards": {"add_step_frame_reward": True, "add_final_frame_reward": False,
                                           "frame_reward": 0.5}},
                 "dataset": {"data_root": "/videos", "train_anno_path": "", "test_anno_path": ""}}
    cfg = SimpleNamespace(yaml_data=yaml_data, prompt_format="free_think_v2", seed=0, format_reward=0.1,
                          image_placeholder="<image>")
    env = orig.env.VideoEnv(cfg)
    env.env.json_file["train"] = [sample]
    env.env._load_video_frames = lambda idx, split=None: list(range(pool_size))
    with contextlib.redirect_stdout(io.StringIO()):
        env.reset(seed=0, extra_info={"split": "train"})
    return env


def original_answer_turn(orig: SimpleNamespace, sample: dict[str, Any], text: str, turn: int) -> float:
    """``VideoEnv.step``'s reward for an answer turn, from the original's parse and ``reward_fn``."""
    with contextlib.redirect_stdout(io.StringIO()):  # it prints a line per over-long free-form answer
        rst = orig.parse(text, max_frame_idx=63, video_dict=sample)
    if not rst["action_valid"] or rst["action_type"] != "answer":
        return 0.0
    r = 0.0
    if rst.get("format_correct", True):
        r += 0.1
    return r + orig.reward_fn(sample, rst["action_content"], sample["problem_type"], step_id=turn)


def original_gate(orig: SimpleNamespace, rewards: list[list[float]], bootstrap: bool) -> list[list[float]]:
    """The rollout manager's answer gate (and batch bootstrap) on float32 per-turn reward tensors."""
    import torch

    batch = [{"multi_turn_token_level_rewards": torch.tensor(r, dtype=torch.float32)} for r in rewards]
    with contextlib.redirect_stdout(io.StringIO()):
        batch = orig.manager._get_answer_binded_stepwise_tool_reward(None, batch)
        if bootstrap:
            batch = orig.manager._compute_batch_tool_usage_reward(None, batch)
    return [[float(x) for x in b["multi_turn_token_level_rewards"]] for b in batch]


# ----------------------------------------------------------------------------- the corpus
def _mc_body(rng: random.Random, n_opt: int, gt: str) -> str:
    r = rng.random()
    if r < 0.4:
        return gt if rng.random() < 0.6 else rng.choice(LETTERS[:n_opt])
    if r < 0.5:
        return rng.choice(LETTERS[:n_opt]).lower()
    if r < 0.6:
        return rng.choice((" ", "\n", "  ")) + rng.choice(LETTERS[:n_opt]) + rng.choice(("", " ", "\n"))
    if r < 0.7:
        return rng.choice(("{}.", "({})", "{})", "Option {}", "{}. " + words(rng, 1, 3), "**{}**", "{}{}"))\
            .format(rng.choice(LETTERS[:n_opt]), rng.choice(LETTERS))
    if r < 0.78:
        return rng.choice(LETTERS[n_opt:] + "Z")
    if r < 0.86:
        return rng.choice(UNICODE) + rng.choice(("", rng.choice(LETTERS[:n_opt])))
    if r < 0.93:
        return gt + rng.choice(("</answer><answer>" + rng.choice(LETTERS), "</answer>" + words(rng, 1, 2),
                                "<answer>" + gt, "</answer> <answer>" + gt))
    return words(rng, 1, 4)


def _num_body(rng: random.Random, gt: str) -> str:
    r = rng.random()
    if r < 0.3:
        return gt
    if r < 0.45:
        return rng.choice((gt + ".0", gt.rstrip("0").rstrip(".") if "." in gt else gt, " " + gt + " ", "+" + gt,
                           "0" + gt, gt.replace(".", ","), gt + "0", f"{float(gt) + 0.004:.3f}" if _isnum(gt) else gt))
    if r < 0.75:
        return number(rng, 20)
    if r < 0.85:
        return rng.choice(("٣", "３", "1_000", "1e1", "inf", "-inf", "nan", "Infinity", "1,000", "", " ", "3 apples"))
    if r < 0.92:
        return gt + rng.choice(("</answer><answer>7", "</answer> so", "</answer>\n<answer>" + gt))
    return words(rng, 1, 3)


def _isnum(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _free_body(rng: random.Random, gt: str) -> str:
    return rng.choice((gt, words(rng, 1, 6), words(rng, 12, 20), gt.upper(), "x" * 60))


def problem(rng: random.Random) -> tuple[str, str, int]:
    """(problem type, ground truth, number of options)."""
    r = rng.random()
    if r < 0.6:
        n = rng.randint(2, 6)
        return "multiple choice", rng.choice(LETTERS[:n]), n
    if r < 0.9:
        return "numerical", rng.choice(("3", "12", "0", "2.5", "3.0", "1,5", "0.25", "100", "7.125", "inf",
                                        "-4", "1e3")), 0
    return "free-form", rng.choice(("a red ball", "the man", "running", "Paris")), 0


def answer_body(rng: random.Random, ptype: str, gt: str, n_opt: int) -> str:
    if ptype == "multiple choice":
        return _mc_body(rng, n_opt, gt)
    if ptype == "numerical":
        return _num_body(rng, gt)
    return _free_body(rng, gt)


def _block(rng: random.Random, tag: str, body: str) -> str:
    from _corpus import block

    return block(rng, tag, body)


def retrieve_body(rng: random.Random, pool: int) -> str:
    r = rng.random()
    s = rng.randint(0, max(0, pool - 1))
    e = rng.randint(s, max(s, pool - 1))
    if r < 0.6:
        return rng.choice(("{s}, {e}", "{s},{e}", " {s} , {e} ", "{s}, {e}\n")).format(s=s, e=e)
    if r < 0.7:
        return f"{e}, {s}" if e != s else f"{s + 1}, {s}"
    if r < 0.78:
        return f"{s}, {pool + rng.randint(0, 5)}"
    if r < 0.84:
        return rng.choice(("{s}-{e}", "{s} to {e}", "[{s}, {e}]", "{s}, {e}, {e}", "-1, {e}", "{s}.0, {e}",
                           "٣, {e}", "{s}, {e}</retrieve><retrieve>0, 1")).format(s=s, e=e)
    return f"{s}, {e}"


def reply(rng: random.Random, ptype: str, gt: str, n_opt: int, pool: int, kind: str | None = None) -> str:
    """One model reply: an answer (60 %), a retrieve (30 %) or other text, in the tag styles."""
    kind = kind or rng.choices(("answer", "retrieve", "other"), (0.6, 0.3, 0.1))[0]
    sep = rng.choice(("", "", "\n", " ", "\n\n", " so ", "\t", "\u00a0", "\u2003")) if rng.random() < 0.4 else ""
    if kind == "other":
        return rng.choice((words(rng, 1, 20), "<think>" + words(rng) + "</think>", "", "<answer>A</answer>",
                           prefix(rng) + "<retrieve>1, 3</retrieve>"))
    tag = "answer" if kind == "answer" else "retrieve"
    body = answer_body(rng, ptype, gt, n_opt) if kind == "answer" else retrieve_body(rng, pool)
    return prefix(rng) + think(rng) + sep + _block(rng, tag, body) + suffix(rng)


def sample_dict(ptype: str, gt: str, n_opt: int, relevant: list[int] | None) -> dict[str, Any]:
    d: dict[str, Any] = {"problem": "What happens?", "problem_type": ptype, "solution": f"<answer>{gt}</answer>",
                         "options": [f"{LETTERS[i]}. option {i}" for i in range(n_opt)], "path": "./v.mp4"}
    if relevant is not None:
        d["relevant_sample_frames"] = relevant
    return d


def target(ptype: str, gt: str, n_opt: int, **extra: Any) -> Any:
    from videorl.target import Target

    task = "mcq" if ptype == "multiple choice" else "open_qa"
    return Target(task=task, duration=60.0, options=tuple(f"option {i}" for i in range(n_opt)), answer=gt,
                  extra={"problem_type": ptype, **extra})


# ----------------------------------------------------------------------------- the comparisons
def run_answer_turns(orig: SimpleNamespace, n: int, rng: random.Random) -> Tally:
    from videorl.rewards import get

    ours = {k: get("video_mtr", faithful=True, turn=k) for k in range(1, 16)}
    tally = Tally(METHOD)
    for _ in range(n):
        ptype, gt, n_opt = problem(rng)
        k = rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 12, 15))
        text = reply(rng, ptype, gt, n_opt, 64, kind="answer" if rng.random() < 0.9 else None)
        try:
            o = original_answer_turn(orig, sample_dict(ptype, gt, n_opt, None), text, k)
        except Exception as exc:  # the original raises (e.g. int() of 5,000 digits): not a score
            tally.add(False, text, "original_raises", type(exc).__name__)
            continue
        v = ours[k](text, target(ptype, gt, n_opt)).score
        tally.add(close(o, v), text, detail=f"{ptype} gt={gt!r} turn {k}: {o} vs {v}")
    return tally


def episodes(n: int, rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for _ in range(n):
        ptype, gt, n_opt = problem(rng)
        pool = rng.choice((16, 20, 33, 40, 41, 64, rng.randint(1, 64)))
        r = rng.random()
        if r < 0.15:
            relevant = None
        elif r < 0.2:
            relevant = []
        else:
            s = rng.randint(0, pool - 1)
            relevant = list(range(s, min(pool, s + rng.randint(1, 12))))
        replies = [reply(rng, ptype, gt, n_opt, pool, kind=rng.choices(("answer", "retrieve", "other"),
                                                                      (0.35, 0.55, 0.1))[0]) for _ in range(3)]
        out.append({"ptype": ptype, "gt": gt, "n_opt": n_opt, "pool": pool, "relevant": relevant,
                    "replies": replies})
    return out


def original_episode(orig: SimpleNamespace, ep: dict[str, Any]) -> list[float]:
    env = original_env(orig, sample_dict(ep["ptype"], ep["gt"], ep["n_opt"], ep["relevant"]), ep["pool"])
    rewards = []
    with contextlib.redirect_stdout(io.StringIO()):
        for text in ep["replies"]:
            _, r, done, _ = env.step(text)
            rewards.append(float(r))
            if done:
                break
    return rewards


def run_episodes(orig: SimpleNamespace, eps: list[dict[str, Any]]) -> tuple[Tally, Tally]:
    from videorl.envs.video_mtr import MTRConfig, Problem, replay, tool_use_bootstrap
    from videorl.rewards import get

    ours = get("video_mtr_multiturn", faithful=True)
    episode, boot = Tally(METHOD), Tally(METHOD)
    raws: list[list[float] | None] = []
    for ep in eps:
        text = json.dumps(ep["replies"], ensure_ascii=False)
        try:
            raw = original_episode(orig, ep)
        except Exception as exc:
            raws.append(None)
            episode.add(False, text, "original_raises", type(exc).__name__)
            continue
        raws.append(raw)
        gated = original_gate(orig, [raw], bootstrap=False)[0]
        played = ep["replies"][:len(raw)]
        extra = {"mtr": {"pool_size": ep["pool"], "responses": played[:-1]}}
        if ep["relevant"] is not None:
            extra["relevant_sample_frames"] = ep["relevant"]
        res = ours(played[-1], target(ep["ptype"], ep["gt"], ep["n_opt"], **extra))
        episode.add(close(sum(gated), res.score, 1e-6) and int(res.components["turns"]) == len(raw), text,
                    detail=f"{gated} vs {res.reason}")
    # batches of 8 through the batch bootstrap
    cfg = MTRConfig(faithful=True)
    for i in range(0, len(eps) - 7, 8):
        group = [(ep, raw) for ep, raw in zip(eps[i:i + 8], raws[i:i + 8], strict=True) if raw is not None]
        orig_rows = original_gate(orig, [raw for _, raw in group], bootstrap=True)
        gated = [replay(Problem("", [f"option {j}" for j in range(ep["n_opt"])], ep["gt"], ep["ptype"]),
                        ep["pool"], ep["replies"][:len(raw)], ep["relevant"], cfg).turn_rewards() for ep, raw in group]
        mine, _ = tool_use_bootstrap(gated)
        same = all(len(a) == len(b) and all(close(x, y, 1e-6) for x, y in zip(a, b, strict=True))
                   for a, b in zip(orig_rows, mine, strict=True))
        boot.add(same, json.dumps([g[1] for g in group])[:300], detail=f"{orig_rows} vs {mine}")
    return episode, boot


def _real_nextgqa() -> list[tuple[float, list[list[float]]]]:
    """(duration, spans) of the real NExT-GQA test records in ../shared/data, when present."""
    base = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "nextgqa"
    if not (base / "test.csv").exists():
        return []
    from videorl.data.prepare import nextgqa

    col = nextgqa.convert(base / "test.csv", base / "gsub_test.json", map_path=base / "map_vid_vidorID.json")
    return [(r.duration, [list(sp) for sp in r.spans]) for r in col.records if r.spans and r.duration]


def run_relevant_frames(root: Path, n: int, rng: random.Random) -> Tally:
    """qwen-vl-utils' own ``_read_video_decord`` picks the pool (a ``decord`` stand-in reports the
    frame count and rate and records the indices asked for); relevant = pool frames whose time
    ``idx / fps`` lies in a span (Video-MTR's rule, methods.md §4.6) vs ours."""
    import numpy as np

    from videorl.data.relevant_frames import video_mtr_relevant_frames

    seen: dict[str, Any] = {}

    class VideoReader:
        def __init__(self, path: str) -> None:
            self.total, self.fps = seen["spec"]

        def __len__(self) -> int:
            return self.total

        def get_avg_fps(self) -> float:
            return self.fps

        def get_batch(self, idx: list[int]) -> Any:
            seen["idx"] = list(idx)
            return SimpleNamespace(asnumpy=lambda: np.zeros((len(idx), 1, 1, 3), np.uint8))

    decord = stub("decord", VideoReader=VideoReader)
    with contextlib.redirect_stdout(io.StringIO()):
        vp = load_vision_process(root, decord)
    cases = [(d, sp, rng.choice((30.0, 29.97, 25.0, 24.0))) for d, sp in _real_nextgqa()]
    for _ in range(n):
        d = rng.choice((rng.uniform(4, 64), rng.uniform(64, 600), 41.0, 64.0, 65.0))
        s = rng.uniform(0, d)
        cases.append((d, [[s, rng.uniform(s, d)]], rng.choice((30.0, 29.97, 25.0, 24.0, 10.0, 2.0, 60.0))))
    tally = Tally(METHOD)
    for d, spans, fps in cases:
        total = max(4, round(d * fps))
        seen["spec"] = (total, fps)
        saved = sys.modules.get("decord")
        sys.modules["decord"] = decord  # the function imports decord when called
        try:
            vp._read_video_decord({"video": "v.mp4", "max_frames": 64})
        finally:
            if saved is None:
                sys.modules.pop("decord", None)
            else:
                sys.modules["decord"] = saved
        orig = [i for i, f in enumerate(seen["idx"]) if any(s <= f / fps <= e for s, e in spans)]
        ours = video_mtr_relevant_frames(total, fps, spans)
        tally.add(orig == ours, f"{total} frames at {fps} fps, spans {spans}", detail=f"{orig} vs {ours}")
    return tally


def run(checkouts: dict[str, Path], n: int, seed: int) -> dict[str, dict]:
    orig = load_originals(checkouts["video_mtr"])
    rng = random.Random(seed)
    out = {"video_mtr.answer_turn": run_answer_turns(orig, n, rng).as_dict()}
    eps = episodes(max(1000, n // 5), rng)
    episode, boot = run_episodes(orig, eps)
    out["video_mtr.episode"] = episode.as_dict()
    out["video_mtr.tool_use_bootstrap"] = boot.as_dict()
    out["video_mtr.relevant_sample_frames"] = run_relevant_frames(checkouts["video_mtr"], max(1000, n // 5),
                                                                  rng).as_dict()
    return out
