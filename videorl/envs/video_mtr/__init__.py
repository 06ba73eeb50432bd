"""Video-MTR: multi-turn segment retrieval as a host-independent environment.

Faithful to ``Xyuan13/Video-MTR`` (``vagen/env/video/{env,reward,prompt}.py`` and the rollout
manager's trajectory rewards; ../shared/notes/methods.md §4), on videorl's exact clock.

The loop
--------
``reset(record)`` samples the episode's **frame pool** with our sampler (:func:`videorl.video.sample_frames`):
``fps`` = 1 frame per second, or ``max_video_frames`` = 64 frames spread over the video when it is
longer (the original loads at most 64 frames with qwen-vl-utils at 1 fps). Every pool frame keeps
its exact time. The first observation shows ``init_frames`` = 16 of them, ``linspace(0, N - 1)``
truncated to integers as in the original. Each turn the model answers with::

    <think>...</think><answer>X</answer>        or        <think>...</think><retrieve>s, e</retrieve>

where ``s, e`` are pool indices. A retrieve shows ``min(e - s + 1, max_turn_frames = 8)`` frames,
``linspace(s, e)`` truncated, with their indices and **exact times** (seconds on the record's clock)
in the observation text. The episode ends on a valid answer or after ``max_turns`` = 3 turns.

Parsing and validity (:func:`parse_action`, :func:`answer_valid`)
----------------------------------------------------------------
The stripped response must be exactly a think block, whitespace, then an answer or a retrieve
block. Retrieve content must be ``int, int`` (ASCII or Unicode digits, as Python's ``\\d``) with
``s <= e <= N - 1``. Answers: multiple choice -> the stripped, upper-cased answer is an option
letter ("B." is invalid); numerical -> ``float()`` succeeds; free-form -> at most 50 characters.
An invalid action earns 0, consumes the turn, and the next observation starts with a notice.
Nothing here raises on model text.

Turn rewards (:meth:`Episode.step`)
-----------------------------------
- valid action: + ``format_reward`` (0.1);
- retrieve: IoU_k between the pool indices shown this turn and ``meta["relevant_sample_frames"]``;
  + ``frame_reward`` (0.5) when IoU_k > IoU_prev + 0.001 (prev = latest earlier turn with an IoU,
  turn 0 = the initial frames); no field -> no frame reward;
- answer: 1 − 0.1·(k − 1) when correct (:func:`answer_correct`), for answer turn k (the original
  discounts multiple choice only: faithful mode scores a correct number 1.0 at any turn);
- optional final frame reward (off by default): ± ``frame_reward`` for final IoU vs initial IoU.

Trajectory rewards: :func:`answer_gate` (per trajectory) then :func:`tool_use_bootstrap` (per batch).

Faithful vs fixed (``faithful=True`` reproduces the original)
-------------------------------------------------------------
- the action's content is the first unanchored think/answer (or retrieve) match once the anchored
  layout matched (``<think>a</think><answer>B</answer><answer>C</answer>`` answers "B"); fixed takes
  the whole anchored block, which is then invalid;
- numbers: "," counts as a decimal mark and "inf" equals "inf" in the original;
- multiple-choice correctness is case-sensitive in the original ("b" is valid but wrong); fixed
  compares upper-cased letters;
- the answer gate takes the last *positive* turn as "the answer", so a trajectory whose final turn
  is invalid keeps its retrieve bonuses ([0.6, 0.6, 0] stays); fixed takes the answer reward as 0
  when the trajectory did not end on a valid answer and removes the bonuses ([0.1, 0.1, 0]);
- numbers: the original also needs both strings to agree on having a decimal mark ("3" vs "3.0"
  is wrong); fixed compares the values rounded to 2 decimals only;
- free-form answers are never correct in the original (it asserts); fixed uses normalised exact
  match (:func:`videorl.scoring.normalize_answer`).

Relevant frames come from the record: ``meta["relevant_sample_frames"]`` (pool indices whose time
lies in a GT span; written by the relevant-frames data tool) and ``meta["relevant_frames_setting"]``
(the sampling they index). A setting that names a different ``fps`` or ``max_frames`` than the
env's is a data error (:class:`videorl.record.RecordError`), since the indices would point at other
frames.

Rooms: :mod:`.config` (settings, constants), :mod:`.parse` (actions, answer validity and
correctness), :mod:`.rewards` (turn rewards, IoU, MRA, gate, bootstrap), :mod:`.env` (episode,
environment, observations), :mod:`.metrics` (evaluation). Every public name is re-exported here.
"""

from __future__ import annotations

from videorl.envs.video_mtr.config import (
    FREE_FORM,
    FREE_FORM_MAX_CHARS,
    GATE_THRESHOLD,
    IOU_EPS,
    MC,
    MRA_THRESHOLDS,
    NUMERICAL,
    PROBLEM_TYPES,
    TYPE_INSTRUCTIONS,
    VERL_AGENT,
    VERL_TOOL,
    MTRConfig,
)
from videorl.envs.video_mtr.env import (
    Episode,
    Observation,
    Problem,
    StepResult,
    Turn,
    VideoMTREnv,
    frames_to_pil,
    pool_frame_times,
    pool_frames,
    pool_request,
    relevant_from_meta,
    replay,
    spread,
)
from videorl.envs.video_mtr.metrics import episode_metrics
from videorl.envs.video_mtr.parse import Action, answer_correct, answer_valid, parse_action, problem_type
from videorl.envs.video_mtr.rewards import (
    answer_gate,
    answer_reward,
    frame_iou,
    mean_relative_accuracy,
    tool_use_bootstrap,
)

__all__ = [
    "FREE_FORM", "FREE_FORM_MAX_CHARS", "GATE_THRESHOLD", "IOU_EPS", "MC", "MRA_THRESHOLDS", "NUMERICAL",
    "PROBLEM_TYPES", "TYPE_INSTRUCTIONS", "VERL_AGENT", "VERL_TOOL", "Action", "Episode", "MTRConfig",
    "Observation", "Problem", "StepResult", "Turn", "VideoMTREnv", "answer_correct", "answer_gate",
    "answer_reward", "answer_valid", "episode_metrics", "frame_iou", "frames_to_pil", "mean_relative_accuracy",
    "parse_action", "pool_frame_times", "pool_frames", "pool_request", "problem_type", "relevant_from_meta", "replay", "spread", "tool_use_bootstrap",
]
