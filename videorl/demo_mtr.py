"""``videorl demo --mtr``: Video-MTR episodes on a coded synthetic video, offline, on CPU.

1. write a 40 s coded video (4 fps) and a multiple-choice record whose evidence lies in [20, 27.5] s;
2. sample the env's frame pool once and mark the relevant pool frames (time inside the span; the
   relevant-frames data tool writes the same fields for real data);
3. play one episode with a scripted policy (retrieve the evidence, then answer) and one with a tiny,
   randomly initialised Qwen2.5-VL built locally (HF ``generate``; random text, so invalid turns);
4. print (:func:`format_demo`) the question and options, then per episode each turn's action, the
   retrieved frames with their times, the IoU, the reward before and after the gate, and the episode
   total; write the episode logs to ``<out>/mtr_episodes.jsonl``. Library logs and progress bars are
   held back while the episodes play (:func:`_hush`), so nothing interleaves with the printout.
"""

from __future__ import annotations

import contextlib
import logging
import os
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from videorl.io import write_jsonl

SPAN = (20.0, 27.5)


def demo_record(out: Path) -> Any:
    from videorl.envs.video_mtr import MTRConfig, VideoMTREnv
    from videorl.record import SampleRecord
    from videorl.synth import make_video

    video = out / "mtr_demo.mp4"
    if not video.exists():
        make_video(video, duration=40, fps=4, size=(128, 96))
    rec = SampleRecord(id="mtr_demo/0", video=str(video), duration=40.0, task="mcq",
                       query="What does the person hold between 20 and 27 seconds?",
                       options=["a cup", "a ball", "a dog"], answer="B", spans=[list(SPAN)])
    env = VideoMTREnv(MTRConfig())
    env.reset(rec)
    rec.meta = {"relevant_sample_frames": [i for i, t in enumerate(env.times) if SPAN[0] <= t <= SPAN[1]],
                "relevant_frames_setting": MTRConfig().setting()}
    return rec


def run_mtr_demo(out_dir: str | os.PathLike, *, tiny_model: bool = True) -> list[dict[str, Any]]:
    """Play the demo episodes; returns their logs (see the module docstring)."""
    from videorl.envs.rollout import HFPolicy, ScriptedPolicy, play_episode
    from videorl.envs.video_mtr import VideoMTREnv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rec = demo_record(out)
    rel = rec.meta["relevant_sample_frames"]
    scripted = ScriptedPolicy([f"<think>The evidence should be around frames {rel[0]}-{rel[-1]}.</think>"
                               f"<retrieve>{rel[0]}, {rel[-1]}</retrieve>",
                               "<think>Now I can see it.</think><answer>B</answer>"])
    env = VideoMTREnv()
    with _hush():
        logs = [dict(play_episode(env, rec, scripted), policy="scripted", question=rec.query,
                     options=list(rec.options))]
        if tiny_model:
            from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

            model_dir = out / "tiny_qwen2_5_vl"
            if not (model_dir / "config.json").exists():
                build_tiny_qwen2_5_vl(model_dir)
            logs.append(dict(play_episode(env, rec, HFPolicy(model_dir, max_new_tokens=24)), policy="tiny_qwen2_5_vl",
                             question=rec.query, options=list(rec.options)))
    write_jsonl(out / "mtr_episodes.jsonl", logs)
    return logs


@contextlib.contextmanager
def _hush() -> Iterator[None]:
    """Hold back INFO logs (ours, transformers') and transformers' progress bars while episodes play."""
    names = ("videorl", "transformers", "huggingface_hub")
    levels = {n: logging.getLogger(n).level for n in names}
    bars = None
    try:
        from transformers.utils import logging as hf_logging

        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover - the demo's tiny model needs transformers anyway
        hf_logging = None
    for n in names:
        logging.getLogger(n).setLevel(logging.WARNING)
    try:
        yield
    finally:
        for n, level in levels.items():
            logging.getLogger(n).setLevel(level)
        if hf_logging is not None and bars:
            hf_logging.enable_progress_bar()


def _times(ts: list[float]) -> str:
    shown = [f"{t:g}" for t in ts]
    if len(shown) > 6:
        shown = shown[:3] + ["…"] + shown[-2:]
    return ", ".join(shown) + " s"


def format_demo(logs: list[dict[str, Any]], width: int = 100) -> str:
    """The demo's printout: question and options once, then per episode every turn (action,
    retrieved frames and their times, IoU, reward before/after the gate) and the episode total.
    Reasons are wrapped at word boundaries, never cut."""
    from videorl.record import LETTERS

    first = logs[0]
    lines = [f"Question: {first['question']}"]
    lines += [f"  {LETTERS[i]}. {o}" for i, o in enumerate(first["options"])]
    lines.append(f"  (correct: {first['gt']}; the video is {len(first['pool_times'])} pool frames, one per second)")
    wrap = textwrap.TextWrapper(width=width, initial_indent="", subsequent_indent=" " * 14,
                                break_long_words=False, break_on_hyphens=False)
    for lg in logs:
        lines.append("")
        lines.append(f"[{lg['policy']}]")
        for t, gated in zip(lg["turns"], lg["turn_rewards"], strict=True):
            if t["action"] == "retrieve":
                times = [lg["pool_times"][i] for i in t["shown"]]
                what = (f"retrieve {t['content']}: frames {t['shown'][0]}-{t['shown'][-1]} at {_times(times)}"
                        + ("" if t["iou"] is None else f", IoU {t['iou']:.2f}"))
            elif t["action"] == "answer":
                what = f"answer {t['content']!r} ({'correct' if t['correct'] else 'wrong'})"
            else:
                what = f"invalid: {t['error'].strip().rstrip('.')}"
            lines.append(wrap.fill(f"  turn {t['turn']}: {what}; reward {t['reward']:.2f} (after the gate "
                                   f"{gated:.2f})"))
        lines.append(f"  episode total {sum(lg['turn_rewards']):.2f}, "
                     f"{'success' if lg['success'] else 'no success'} in {len(lg['turns'])} turns")
    return "\n".join(lines)
