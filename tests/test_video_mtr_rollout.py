"""Video-MTR rollout: a tiny Qwen2.5-VL plays full episodes on CPU through the env; scripted policies
through the same loop reproduce the §4.3 rewards; ``videorl score`` reports accuracy, success and MRA."""

from __future__ import annotations

import dataclasses
import json

import pytest

pytest.importorskip("transformers")
pytest.importorskip("av")

from videorl.demo_mtr import demo_record  # noqa: E402
from videorl.envs.rollout import HFPolicy, ScriptedPolicy, play_episode, prediction_rows  # noqa: E402
from videorl.envs.video_mtr import MTRConfig, VideoMTREnv  # noqa: E402
from videorl.io import write_jsonl  # noqa: E402
from videorl.record import SampleRecord  # noqa: E402
from videorl.synth import make_video  # noqa: E402

T = "<think>t</think>"


@pytest.fixture(scope="module")
def rec(tmp_path_factory):
    return demo_record(tmp_path_factory.mktemp("mtr_rollout"))


def test_tiny_qwen_plays_full_episodes(rec, tmp_path):
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

    policy = HFPolicy(build_tiny_qwen2_5_vl(tmp_path / "tiny"), max_new_tokens=8)
    seen = []
    orig = policy.__call__

    def spy(messages):
        seen.append(messages)
        return orig(messages)

    small = MTRConfig(init_frames=2)  # 2 initial frames keep the CPU vision tower quick
    lg = play_episode(VideoMTREnv(small), rec, spy)
    assert len(lg["turns"]) == 3 and lg["turns"][-1]["turn"] == 3  # random text: invalid until max_turns
    assert all(t["action"] == "invalid" for t in lg["turns"]) and lg["turn_rewards"] == [0.0, 0.0, 0.0]
    n_images = [sum(p.get("type") == "image" for m in msgs if isinstance(m["content"], list) for p in m["content"])
                for msgs in seen]
    assert n_images == [2, 2, 2]  # initial frames, then (window 2) the same turn-1 frames; invalid turns add none
    assert "Your previous response was invalid" in lg["observations"][1]
    # a sampled policy is deterministic under its seed
    tiny = MTRConfig(init_frames=1, max_turns=1)
    a = play_episode(VideoMTREnv(tiny), rec, HFPolicy(tmp_path / "tiny", max_new_tokens=4, do_sample=True, seed=3))
    b = play_episode(VideoMTREnv(tiny), rec, HFPolicy(tmp_path / "tiny", max_new_tokens=4, do_sample=True, seed=3))
    assert a["responses"] == b["responses"]


@pytest.mark.parametrize("replies,expected", [
    ([f"{T}<answer>B</answer>"], [1.1]),
    ([f"{T}<retrieve>20, 27</retrieve>", f"{T}<answer>B</answer>"], [0.6, 1.0]),
    ([f"{T}<retrieve>20, 27</retrieve>", f"{T}<answer>C</answer>"], [0.1, 0.1]),
    ([f"{T}<retrieve>16, 23</retrieve>", f"{T}<retrieve>20, 27</retrieve>", "oops"], [0.6, 0.6, 0.0]),
])
def test_scripted_episodes_through_the_loop_match_the_worked_trajectories(rec, replies, expected):
    lg = play_episode(VideoMTREnv(MTRConfig(faithful=True)), rec, ScriptedPolicy(replies))
    assert lg["turn_rewards"] == pytest.approx(expected)


def test_score_cli_reports_accuracy_success_and_mra(rec, tmp_path, capsys):
    from videorl.cli import main

    v = make_video(tmp_path / "n.mp4", duration=12, fps=2, size=(64, 48))
    num = SampleRecord(id="n1", video=str(v.path), duration=12.0, task="open_qa", query="How many?", answer="10")
    env = VideoMTREnv()
    eps = [(rec, [f"{T}<answer>B</answer>"]), (rec, [f"{T}<answer>A</answer>"]),
           (num, [f"{T}<retrieve>0, 3</retrieve>", f"{T}<answer>11</answer>"]), (num, [f"{T}<answer>10</answer>"])]
    logs = [play_episode(env, r, ScriptedPolicy(replies)) for r, replies in eps]
    recs = [dataclasses.replace(r, id=f"{r.id}-{i}") for i, (r, _) in enumerate(eps)]
    write_jsonl(tmp_path / "pred.jsonl", prediction_rows(recs, logs))
    assert main(["score", str(tmp_path / "pred.jsonl"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    m = out["video_mtr"]
    assert m["count"] == 4 and m["accuracy"] == 50.0 and m["success_rate"] == 50.0
    assert m["MRA"] == pytest.approx(90.0)  # (80 + 100) / 2
    assert out["mcq"]["accuracy"] == 50.0  # the final reply also scores as an ordinary prediction


def test_demo_printout(rec, tmp_path):
    """The demo's printout: question, options, each turn's action, the retrieved frames' times, the
    reward before/after the gate and the episode total; an invalid reason is never cut mid-word."""
    from videorl.demo_mtr import format_demo

    env = VideoMTREnv()
    good = dict(play_episode(env, rec, ScriptedPolicy([f"{T}<retrieve>20, 27</retrieve>", f"{T}<answer>B</answer>"])),
                policy="scripted", question=rec.query, options=rec.options)
    bad = dict(play_episode(env, rec, ScriptedPolicy(["no tags at all", f"{T}<retrieve>30, 99</retrieve>",
                                                      f"{T}<answer>C</answer>"])),
               policy="wrong", question=rec.query, options=rec.options)
    text = format_demo([good, bad], width=80)
    lines = text.splitlines()
    assert lines[0] == f"Question: {rec.query}" and lines[1:4] == ["  A. a cup", "  B. a ball", "  C. a dog"]
    flat = " ".join(line.strip() for line in lines)  # wrapped lines joined back
    assert "turn 1: retrieve 20, 27: frames 20-27 at 20, 21, 22, …, 26, 27 s, IoU 1.00; reward 0.60" in flat
    assert "turn 2: answer 'B' (correct); reward 1.00 (after the gate 1.00)" in flat
    assert "episode total 1.60, success in 2 turns" in flat
    assert "episode total 0.10, no success in 3 turns" in flat  # [0, 0, 0.1]
    assert "retrieve range 30, 99 is outside the frames 0..39; reward 0.00" in flat  # the whole reason
    assert all(len(line) <= 80 for line in lines if "…" not in line)


def test_demo_cli_prints_without_log_noise(tmp_path, capsys):
    from videorl.cli import main

    assert main(["demo", "--mtr", "--oracle-only", "--out", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Question: What does the person hold") and "episode total 1.60" in out
    assert "INFO" not in out + err and "Loading weights" not in out + err


def test_odd_frame_counts_reach_the_qwen_processor_as_images(tmp_path):
    """A 41 s video's pool keeps second 40; a retrieve of 3 frames (an odd count) is 3 images, each its
    own temporal patch in the Qwen processor, and the model answers over them."""
    from videorl.synth import read_frame_code
    from videorl.testing.tiny_qwen import build_tiny_qwen2_5_vl

    make_video(tmp_path / "v41.mp4", duration=41, fps=1, size=(96, 64))
    rec = SampleRecord(id="odd", video="v41.mp4", duration=41.0, task="mcq", query="q", options=["x", "y"],
                       answer="A")
    env = VideoMTREnv(MTRConfig(init_frames=2), video_dir=tmp_path)
    env.reset(rec)
    obs = env.step(f"{T}<retrieve>38, 40</retrieve>").observation
    assert obs.times == [38.0, 39.0, 40.0] and [read_frame_code(f).index for f in obs.frames] == [38, 39, 40]
    policy = HFPolicy(build_tiny_qwen2_5_vl(tmp_path / "tiny"), max_new_tokens=4)
    messages = [{"role": "system", "content": env.system_prompt()}, {"role": "user", "content": obs.content()}]
    images = [p["image"] for p in obs.content() if p["type"] == "image"]
    prompt = policy.processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    grid = policy.processor(text=[prompt], images=images, return_tensors="pt")["image_grid_thw"]
    assert grid.shape[0] == 3 and grid[:, 0].tolist() == [1, 1, 1]  # one temporal patch per image
    assert isinstance(policy(messages), str)
