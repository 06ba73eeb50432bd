"""Video-MTR environment: the §4.3 worked trajectories, parsing rules, the gate and bootstrap, the
clock (frame codes), determinism, and bi-level GAE on hand-worked trajectories."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from videorl.envs.advantage import bi_level_gae, masked_whiten, turn_rewards_to_tokens
from videorl.envs.video_mtr import (
    FREE_FORM,
    MC,
    NUMERICAL,
    Episode,
    MTRConfig,
    Problem,
    VideoMTREnv,
    answer_gate,
    episode_metrics,
    frame_iou,
    mean_relative_accuracy,
    parse_action,
    pool_request,
    replay,
    spread,
    tool_use_bootstrap,
)
from videorl.record import RecordError, SampleRecord
from videorl.rewards import get
from videorl.synth import make_video, read_frame_code
from videorl.target import Target

T = "<think>looking</think>"


def relevant_frames(times: list[float], spans: list[list[float]]) -> list[int]:
    """Test-side rule (methods.md §4.6): pool frame i is relevant when its time lies in a GT span."""
    return [i for i, t in enumerate(times) if any(s <= t <= e for s, e in spans)]


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    d = tmp_path_factory.mktemp("mtr")
    return make_video(d / "v40.mp4", duration=40, fps=4, size=(128, 96))


def _record(video, *, answer="B", relevant=True, **meta) -> SampleRecord:
    # the pool is 1 fps over 40 s: frame i at i s; the span [20, 27.5] holds pool frames 20..27
    rel = relevant_frames([float(i) for i in range(40)], [[20.0, 27.5]])
    m = {"relevant_sample_frames": rel, "relevant_frames_setting": {"fps": 1.0, "max_frames": 64}} if relevant else {}
    m.update(meta)
    return SampleRecord(id="q1", video=str(video.path), duration=40.0, task="mcq", query="What is held?",
                        options=["a cup", "a ball", "a dog"], answer=answer, spans=[], meta=m)


def _play(env, record, responses):
    env.reset(record)
    res = None
    for r in responses:
        res = env.step(r)
        if res.done:
            break
    return env.episode, res


# ------------------------------------------------------------------ §4.3 worked trajectories
WORKED = [
    ("answer correct at turn 1", [f"{T}<answer>B</answer>"], [1.1], [1.1]),
    ("retrieve with improved IoU, then correct", [f"{T}<retrieve>20, 27</retrieve>", f"{T}<answer>B</answer>"],
     [0.6, 1.0], [0.6, 1.0]),
    ("retrieve with improved IoU, then wrong", [f"{T}<retrieve>20, 27</retrieve>", f"{T}<answer>C</answer>"],
     [0.1, 0.1], [0.1, 0.1]),
    ("retrieve, retrieve, invalid", [f"{T}<retrieve>16, 23</retrieve>", f"{T}<retrieve>20,27</retrieve>",
                                     "B"], [0.6, 0.6, 0.0], [0.1, 0.1, 0.0]),
]


@pytest.mark.parametrize("name,responses,faithful,fixed", WORKED, ids=[w[0] for w in WORKED])
def test_worked_trajectories_on_a_real_video(video, name, responses, faithful, fixed):
    for mode, expected in ((True, faithful), (False, fixed)):
        env = VideoMTREnv(MTRConfig(faithful=mode))
        ep, res = _play(env, _record(video), responses)
        assert res.done
        assert ep.turn_rewards() == pytest.approx(expected), (name, mode)
        assert res.info["turn_rewards"] == pytest.approx(expected)


def test_iou_by_hand(video):
    env = VideoMTREnv()
    env.reset(_record(video))
    ep = env.episode
    assert ep.initial == [0, 2, 5, 7, 10, 13, 15, 18, 20, 23, 26, 28, 31, 33, 36, 39]
    assert ep.ious[0] == pytest.approx(3 / 21)  # {20, 23, 26} of 16 shown + 8 relevant
    r = env.step(f"{T}<retrieve>16, 23</retrieve>")
    assert r.info["shown"] == list(range(16, 24)) and r.info["iou"] == pytest.approx(4 / 12)
    assert r.reward == pytest.approx(0.6)
    r = env.step(f"{T}<retrieve>0, 39</retrieve>")  # 8 frames spread over everything: IoU drops, no penalty
    assert r.info["shown"] == [0, 5, 11, 16, 22, 27, 33, 39]
    assert r.info["iou"] == pytest.approx(2 / 14) and r.reward == pytest.approx(0.1) and not r.done
    r = env.step(f"{T}<retrieve>0, 1</retrieve>")  # the last turn, still no answer
    assert r.done and r.info["turn_rewards"] == pytest.approx([0.1, 0.1, 0.1])  # fixed gate removes the bonus
    assert env.episode.turn_rewards(gated=False) == pytest.approx([0.6, 0.1, 0.1])


def test_missing_relevant_frames_gives_no_frame_reward(video):
    ep, res = _play(VideoMTREnv(), _record(video, relevant=False),
                    [f"{T}<retrieve>20, 27</retrieve>", f"{T}<answer>B</answer>"])
    assert ep.turn_rewards() == pytest.approx([0.1, 1.0])


def test_relevant_frames_setting_must_match(video):
    with pytest.raises(RecordError, match="relevant_frames_setting"):
        VideoMTREnv().reset(_record(video, relevant_frames_setting={"fps": 2.0, "max_frames": 64}))
    rec = _record(video)
    rec.meta["relevant_sample_frames"] = [3, "x"]
    with pytest.raises(RecordError, match="relevant_sample_frames"):
        VideoMTREnv().reset(rec)


# ------------------------------------------------------------------ the clock: times in the text = frame codes
def test_observation_times_are_the_frame_codes(video):
    env = VideoMTREnv()
    obs = env.reset(_record(video))
    for o in (obs, env.step(f"{T}<retrieve>21, 24</retrieve>").observation):
        listed = [(int(i), float(t)) for i, t in re.findall(r"frame_idx:(\d+) time:([\d.]+)s <image>", o.text)]
        assert [i for i, _ in listed] == o.indices and len(o.frames) == len(listed)
        for (idx, t), frame in zip(listed, o.frames, strict=True):
            code = read_frame_code(frame).index
            assert t == pytest.approx(code / 4, abs=5e-4)  # the pixels say which second this is
            assert t == pytest.approx(idx, abs=5e-4)  # pool frame i is at i s (1 fps)
    assert o.indices == [21, 22, 23, 24]


def test_long_video_pool_is_64_frames_exactly_spaced(tmp_path):
    v = make_video(tmp_path / "v80.mp4", duration=80, fps=2, size=(64, 48))
    assert pool_request(80.0, MTRConfig()) == {"nframes": 64}
    rec = SampleRecord(id="x", video=str(v.path), duration=80.0, task="open_qa", query="How many?", answer="3")
    env = VideoMTREnv()
    obs = env.reset(rec)
    assert env.episode.pool_size == 64 and env.episode.problem.ptype == NUMERICAL
    assert env.times == pytest.approx([1.25 * i for i in range(64)], abs=0.26)  # nearest 2 fps frame
    for t, frame in zip(obs.times, obs.frames, strict=True):
        assert t == pytest.approx(read_frame_code(frame).index / 2, abs=5e-4)


def test_deterministic_under_seed(video):
    recs = [_record(video, answer="A"), _record(video, answer="B")]
    runs = []
    for _ in range(2):
        env = VideoMTREnv()
        obs = env.reset(recs, seed=7)  # the original picks records[seed % len]
        res = env.step(f"{T}<retrieve>3, 30</retrieve>")
        runs.append((obs.text, obs.frames.tobytes(), res.observation.text, res.reward, res.info["shown"],
                     env.record.answer))
    assert runs[0] == runs[1] and runs[0][-1] == "B"


# ------------------------------------------------------------------ parsing and validity
@pytest.mark.parametrize("text,kind", [
    (f"{T}<answer>B</answer>", "answer"),
    (f"  \n{T}  <answer>B</answer>\n", "answer"),
    (f"{T}<retrieve> 3 ,9 </retrieve>", "retrieve"),
    ("<think>a</think> b </think><answer>B</answer>", "answer"),  # any </think> may close the block
    (f"{T}<answer>B</answer> more", "invalid"),
    (f"x{T}<answer>B</answer>", "invalid"),
    (f"{T}<retrive>3, 9</retrive>", "invalid"),  # the original prompt's misspelt tag
    (f"{T}<retrieve>9, 3</retrieve>", "invalid"),
    (f"{T}<retrieve>-1, 3</retrieve>", "invalid"),
    (f"{T}<retrieve>3, 40</retrieve>", "invalid"),  # past the last pool index 39
    (f"{T}<retrieve>3.5, 9</retrieve>", "invalid"),
    (f"{T}<retrieve>{'9' * 5000}, {'9' * 5000}</retrieve>", "invalid"),
])
def test_parse_action(text, kind):
    assert parse_action(text, 40).kind == kind


def _episode(ptype=MC, answer="B", faithful=False, options=("x", "y", "z")):
    return Episode(Problem("q", list(options) if ptype == MC else [], answer, ptype), 40, [20, 21],
                   MTRConfig(faithful=faithful))


@pytest.mark.parametrize("ptype,gt,ans,faithful,reward", [
    (MC, "B", "b", True, 0.1),    # valid (upper-cased) but the original compares case-sensitively
    (MC, "B", "b", False, 1.1),
    (MC, "B", "B.", False, 0.0),  # invalid answer: no format reward, turn consumed
    (MC, "B", "D", False, 0.0),   # not an option letter
    (NUMERICAL, "3", "3.0", True, 0.1),  # decimal marks disagree
    (NUMERICAL, "3", "3.0", False, 1.1),
    (NUMERICAL, "2.5", "2.504", False, 1.1),
    (NUMERICAL, "2.5", "two", False, 0.0),
    (NUMERICAL, "2.5", "nan", False, 0.1),
    (FREE_FORM, "the red cup", "Red cup.", True, 0.1),  # never correct in the original
    (FREE_FORM, "the red cup", "Red cup.", False, 1.1),
    (FREE_FORM, "cup", "x" * 51, False, 0.0),  # over 50 characters
])
def test_answer_rules(ptype, gt, ans, faithful, reward):
    ep = _episode(ptype, gt, faithful)
    turn = ep.step(f"{T}<answer>{ans}</answer>")
    assert turn.reward == pytest.approx(reward)
    assert ep.done == (turn.action == "answer")


def test_invalid_turn_consumes_the_turn_and_the_last_turn_ends_the_episode():
    ep = _episode()
    assert ep.step("garbage").reward == 0.0 and not ep.done
    assert ep.step(f"{T}<answer>B</answer>").reward == pytest.approx(1.0)  # correct at turn 2: 0.1 + 0.9
    ep = _episode()
    for _ in range(3):
        ep.step(f"{T}<retrieve>0, 1</retrieve>")
    assert ep.done and not ep.success and ep.final_answer() is None
    with pytest.raises(RuntimeError):
        ep.step("more")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=60), st.sampled_from([
    f"{T}<retrieve>5, 9</retrieve>", f"{T}<answer>A</answer>", "<think>", "</retrieve>", "<answer>b</answer>"]),
    st.none(), st.integers()), max_size=5))
def test_never_raises_on_model_text(texts):
    ep = replay(Problem("q", ["x", "y"], "A", MC), 40, texts, [3, 4])
    assert all(np.isfinite(r) for r in ep.turn_rewards())
    assert len(ep.turns) <= 3


@settings(max_examples=100, deadline=None)
@given(s=st.integers(0, 200), length=st.integers(0, 200), n=st.integers(1, 16))
def test_spread_is_numpy_linspace_int(s, length, n):
    assert spread(s, s + length, n) == np.linspace(s, s + length, n, dtype=int).tolist()


def test_frame_iou():
    assert frame_iou([], []) == 1.0 and frame_iou([1], []) == 0.0
    assert frame_iou([1, 2, 3], [2, 3, 4, 5]) == pytest.approx(2 / 5)


# ------------------------------------------------------------------ gate and bootstrap
def test_answer_gate():
    assert answer_gate([0.6, 0.1]) == pytest.approx([0.1, 0.1])
    assert answer_gate([0.6, 1.0]) == pytest.approx([0.6, 1.0])
    assert answer_gate([0.6, 0.6, 0.0], ended_with_answer=False, faithful=True) == pytest.approx([0.6, 0.6, 0.0])
    assert answer_gate([0.6, 0.6, 0.0], ended_with_answer=False) == pytest.approx([0.1, 0.1, 0.0])
    assert answer_gate([0.6, 0.0, 0.1]) == pytest.approx([0.1, 0.0, 0.1])  # invalid middle turn
    assert answer_gate([1.1]) == [1.1]


def test_tool_use_bootstrap():
    rows, ratio = tool_use_bootstrap([[1.1], [0.6, 1.0]])
    assert ratio == 0.5 and rows == [[1.1], [0.6, 1.0]]  # 1 of 2: no bonus
    rows, ratio = tool_use_bootstrap([[1.1], [1.1], [0.1, 0.1], [0.0]])
    assert ratio == pytest.approx(1 / 3) and sum(rows, []) == pytest.approx([1.1, 1.1, 0.6, 0.1, 0.0])
    rows, ratio = tool_use_bootstrap([[1.1]] * 10 + [[0.6, 0.6, 0.0]])  # cold start: twice the bonus
    assert ratio == pytest.approx(1 / 11) and rows[-1] == pytest.approx([1.6, 0.6, 0.0])


# ------------------------------------------------------------------ rewards, replay, evaluation
def test_multiturn_reward_replays_the_episode():
    target = Target(task="mcq", duration=40.0, options=("a", "b", "c"), answer="B",
                    extra={"relevant_sample_frames": list(range(20, 28)),
                           "mtr": {"pool_size": 40, "responses": [f"{T}<retrieve>20, 27</retrieve>"]}})
    good, bad = get("video_mtr_multiturn")(f"{T}<answer>B</answer>", target), \
        get("video_mtr_multiturn")(f"{T}<answer>C</answer>", target)
    assert good.score == pytest.approx(1.6) and good.components["success"] == 1.0
    assert good.components["frame"] == pytest.approx(0.5) and good.components["turns"] == 2.0
    assert bad.score == pytest.approx(0.2)  # [0.6 -> 0.1, 0.1]
    assert get("video_mtr", turn=2)(f"{T}<answer>B</answer>", target).score == pytest.approx(1.0)


def test_mra_and_metrics():
    assert mean_relative_accuracy(10, 10) == 1.0
    assert mean_relative_accuracy(11, 10) == pytest.approx(0.8)  # rel 0.1 < 1 - θ for θ = 0.50 … 0.85
    assert mean_relative_accuracy(15, 10) == 0.0  # rel 0.5 is not < 0.5
    assert mean_relative_accuracy(0, 0) == 1.0 and mean_relative_accuracy(1, 0) == 0.0
    logs = []
    for ptype, gt, responses in [(MC, "B", [f"{T}<answer>B</answer>"]), (MC, "B", [f"{T}<answer>A</answer>"]),
                                 (NUMERICAL, "10", [f"{T}<answer>11</answer>"]), (NUMERICAL, "10", ["x", "y", "z"])]:
        logs.append(replay(Problem("q", ["a", "b"] if ptype == MC else [], gt, ptype), 40, responses).summary())
    m = episode_metrics(logs)
    assert m["accuracy"] == pytest.approx(25.0) and m["success_rate"] == pytest.approx(25.0)
    assert m["MRA"] == pytest.approx(40.0)  # (80 + 0) / 2
    assert episode_metrics(logs, faithful_eval=True)["accuracy"] == 0.0  # the original's comparison bug


# ------------------------------------------------------------------ bi-level GAE, by hand
def _two_turns():
    # turn 1: tokens 0-1 (end 1, reward 0.6); env tokens at 2; turn 2: tokens 3-4 (end 4, reward 1.0)
    rewards = [turn_rewards_to_tokens([0.6, 1.0], [1, 4], 5)]
    values = [[0.1, 0.2, 9.0, 0.3, 0.4]]
    mask = [[1, 1, 0, 1, 1]]
    ends = [[0, 1, 0, 0, 1]]
    return rewards, values, mask, ends


def test_bi_level_gae_by_hand():
    r, v, m, e = _two_turns()
    adv, ret = bi_level_gae(r, v, m, e, gamma=1.0, lam=1.0, high_level_gamma=0.5, whiten=False)
    # high level: A2 = 1.0 - 0.4 = 0.6; A1 = (0.6 + 0.5*0.4 - 0.2) + 0.5*0.6 = 0.9; returns 1.0, 1.1
    assert adv[0].tolist() == pytest.approx([1.0, 0.9, 0.0, 0.7, 0.6])
    assert ret[0].tolist() == pytest.approx([1.1, 1.1, 0.0, 1.0, 1.0])
    adv, _ = bi_level_gae(r, v, m, e, gamma=1.0, lam=0.5, high_level_gamma=1.0, whiten=False)
    # A2 = 0.6; A1 = (0.6 + 0.4 - 0.2) + 0.5*0.6 = 1.1; inside turn 1: 0.1 + 0.5*1.1; turn 2: 0.1 + 0.5*0.6
    assert adv[0].tolist() == pytest.approx([0.65, 1.1, 0.0, 0.4, 0.6])


def test_bi_level_gae_whitening_and_errors():
    r, v, m, e = _two_turns()
    adv, _ = bi_level_gae(r, v, m, e, high_level_gamma=0.5)
    raw = np.array([1.0, 0.9, 0.7, 0.6])
    expected = (raw - raw.mean()) / np.sqrt(raw.var(ddof=1) + 1e-8)
    assert adv[0][[0, 1, 3, 4]].tolist() == pytest.approx(expected.tolist(), abs=1e-5) and adv[0][2] == 0
    assert masked_whiten(adv, [[0] * 5]).tolist() == adv.tolist()
    with pytest.raises(ValueError, match="turn end"):
        bi_level_gae(r, v, m, [[0, 1, 0, 0, 0]])
    with pytest.raises(ValueError, match="outside the loss mask"):
        bi_level_gae(r, v, m, [[0, 1, 1, 0, 1]])


# ------------------------------------------------------------------ data builder
def test_data_builder_rows_frames_and_contamination_warning(video, tmp_path, capsys):
    import json

    from PIL import Image

    from videorl.envs.video_mtr_data import build_rows, write_rows

    rec = _record(video, dataset="nextgqa")
    rows = build_rows([rec], tmp_path, show_progress=False)
    assert "contaminat" in capsys.readouterr().err
    (row,) = rows
    assert row["agent_name"] == "video_mtr_agent" and row["prompt"][1]["content"].count("<image>") == 16
    codes = [read_frame_code(np.asarray(Image.open(im["image"]).convert("RGB"))).index / 4 for im in row["images"]]
    assert codes == [float(i) for i in [0, 2, 5, 7, 10, 13, 15, 18, 20, 23, 26, 28, 31, 33, 36, 39]]
    gt = json.loads(row["reward_model"]["ground_truth"])
    assert gt["pool_size"] == 40 and gt["relevant_sample_frames"] == list(range(20, 28)) and gt["answer"] == "B"
    record_back = SampleRecord.from_dict(json.loads(row["extra_info"]["tools_kwargs"]["video_mtr_step"]
                                                    ["create_kwargs"]["record"]))
    assert record_back == rec
    paths = write_rows(rows, tmp_path)
    assert paths[0].read_text().count("\n") == 1
    with pytest.raises(RecordError, match="relevant-frames data tool"):
        build_rows([_record(video, relevant=False)], tmp_path, show_progress=False)
