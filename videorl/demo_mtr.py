"""``videorl demo --mtr``: Video-MTR episodes on a coded synthetic video, offline, on CPU.

1. write a 40 s coded video (4 fps) and a multiple-choice record whose evidence lies in [20, 27.5] s;
2. sample the env's frame pool once and mark the relevant pool frames (time inside the span; the
   relevant-frames data tool writes the same fields for real data);
3. play one episode with a scripted policy (retrieve the evidence, then answer) and one with a tiny,
   randomly initialised Qwen2.5-VL built locally (HF ``generate``; random text, so invalid turns);
4. print each turn (action, retrieved segment and frames, IoU, reward before and after the gate) and
   write the episode logs to ``<out>/mtr_episodes.jsonl``.
"""

from __future__ import annotations

import os
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
    logs = [dict(play_episode(env, rec, scripted), policy="scripted")]
    if tiny_model:
        from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

        model_dir = out / "tiny_qwen2_5_vl"
        if not (model_dir / "config.json").exists():
            build_tiny_qwen2_5_vl(model_dir)
        logs.append(dict(play_episode(env, rec, HFPolicy(model_dir, max_new_tokens=24)), policy="tiny_qwen2_5_vl"))
    write_jsonl(out / "mtr_episodes.jsonl", logs)
    return logs
