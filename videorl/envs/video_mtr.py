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
- answer: 1 − 0.1·(k − 1) when correct (:func:`answer_correct`), for answer turn k;
- optional final frame reward (off by default): ± ``frame_reward`` for final IoU vs initial IoU.

Trajectory rewards: :func:`answer_gate` (per trajectory) then :func:`tool_use_bootstrap` (per batch).

Faithful vs fixed (``faithful=True`` reproduces the original)
-------------------------------------------------------------
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
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from videorl.record import LETTERS, RecordError, SampleRecord
from videorl.scoring.episodes import (  # noqa: F401  (scoring owns the episode metrics; re-exported here)
    FREE_FORM,
    MC,
    MRA_THRESHOLDS,
    NUMERICAL,
    _float,
    answer_correct,
    episode_metrics,
    mean_relative_accuracy,
)

log = logging.getLogger(__name__)

PROBLEM_TYPES = (MC, NUMERICAL, FREE_FORM)
TYPE_INSTRUCTIONS = {
    MC: "Give only the single option letter (e.g. A, B, C, D) inside <answer> </answer>.",
    NUMERICAL: "Give only the numerical value (e.g. 42 or 3.14) inside <answer> </answer>.",
    FREE_FORM: "Give your text answer inside <answer> </answer>, in no more than 20 words.",
}
FREE_FORM_MAX_CHARS = 50
IOU_EPS = 0.001
GATE_THRESHOLD = 0.5  # the rollout manager's answer_reward_threshold
VERL_TOOL, VERL_AGENT = "video_mtr_step", "video_mtr_agent"  # names in verl's configs (plugins/verl_mtr.py)
_RETRIEVE_RE = re.compile(r"^\s*(\d+)\s*,\s*(\d+)\s*$")


@dataclass(frozen=True)
class MTRConfig:
    """Environment settings; the defaults are ``run_7B.sh`` / ``env_config.yaml`` (methods.md §4.5)."""

    fps: float = 1.0
    max_video_frames: int = 64
    init_frames: int = 16
    max_turn_frames: int = 8
    max_turns: int = 3
    window_size: int = 2
    format_reward: float = 0.1
    frame_reward: float = 0.5
    step_frame_reward: bool = True
    final_frame_reward: bool = False
    faithful: bool = False
    max_pixels: int = 128 * 28 * 28
    backend: str = "pyav"

    def __post_init__(self) -> None:
        for name in ("max_video_frames", "init_frames", "max_turn_frames", "max_turns"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"MTRConfig.{name} must be a positive integer, got {v!r}")
        if not (isinstance(self.fps, (int, float)) and math.isfinite(self.fps) and self.fps > 0):
            raise ValueError(f"MTRConfig.fps must be a positive number, got {self.fps!r}")

    def setting(self) -> dict[str, Any]:
        """The pool sampling, as ``meta["relevant_frames_setting"]`` should state it."""
        return {"fps": float(self.fps), "max_frames": int(self.max_video_frames)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> MTRConfig:
        d = dict(d or {})
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown Video-MTR env settings {unknown}; known: {sorted(known)}")
        return cls(**d)


# ----------------------------------------------------------------------------- parsing and checks
@dataclass(frozen=True)
class Action:
    """A parsed response: ``kind`` is ``answer``, ``retrieve`` or ``invalid``."""

    kind: str
    content: str = ""
    start: int | None = None
    end: int | None = None
    error: str = ""


def _layout(text: str, tag: str) -> str | None:
    """Body of ``tag`` when ``text`` (stripped) is exactly think block, whitespace, ``<tag>...</tag>``.

    The same language as the original's anchored, DOTALL regular expression
    ``^\\s*<think>(.*?)</think>\\s*<tag>(.*?)</tag>\\s*$``: any ``</think>`` may close the think block
    as long as the rest is one tag block reaching the end. Linear scans, no backtracking.
    """
    t = text.strip()
    open_t, close_t = f"<{tag}>", f"</{tag}>"
    if not t.startswith("<think>") or not t.endswith(close_t):
        return None
    i = t.find("</think>", len("<think>"))
    while i >= 0:
        rest = t[i + len("</think>"):].lstrip()
        if rest.startswith(open_t) and len(rest) >= len(open_t) + len(close_t):
            return rest[len(open_t): len(rest) - len(close_t)].strip()
        i = t.find("</think>", i + 1)
    return None


def parse_action(text: Any, pool_size: int) -> Action:
    """Parse one response against a pool of ``pool_size`` frames; never raises."""
    if not isinstance(text, str):
        return Action("invalid", error="the response is not text")
    body = _layout(text, "answer")
    if body is not None:
        return Action("answer", content=body)
    body = _layout(text, "retrieve")
    if body is None:
        return Action("invalid", error="the response does not follow <think>...</think> then <answer>...</answer> "
                                       "or <retrieve>start_frame, end_frame</retrieve>. ")
    m = _RETRIEVE_RE.match(body)
    try:
        s, e = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    except ValueError:  # more digits than int() accepts
        s, e = None, None
    if s is None or e is None or s > e:
        return Action("invalid", content=body, error="retrieve needs 'start_frame, end_frame' with start <= end. ")
    if e > pool_size - 1:
        return Action("invalid", content=body, start=s, end=e,
                      error=f"retrieve range {s}, {e} is outside the frames 0..{pool_size - 1}. ")
    return Action("retrieve", content=body, start=s, end=e)


def problem_type(task: str, answer: str | None, meta: Mapping[str, Any] | None = None) -> str:
    """``multiple choice`` for mcq/grounded_qa, ``numerical`` when the answer is a number (or
    ``meta["problem_type"]`` says so), else ``free-form``."""
    declared = (meta or {}).get("problem_type")
    if declared in PROBLEM_TYPES:
        return declared
    if task in ("mcq", "grounded_qa"):
        return MC
    return NUMERICAL if answer is not None and _float(answer) is not None else FREE_FORM


def answer_valid(answer: str, ptype: str, n_options: int) -> bool:
    """The original's answer validity rule by problem type (see the module docstring)."""
    a = answer.strip()
    if ptype == MC:
        return len(a) == 1 and a.upper() in LETTERS[:n_options]
    if ptype == NUMERICAL:
        return _float(a) is not None
    return len(a) <= FREE_FORM_MAX_CHARS


def answer_reward(correct: bool, turn: int) -> float:
    """1 − 0.1·(turn − 1) when correct (1.0, 0.9, 0.8 for turns 1–3), else 0."""
    return max(0.0, 1.0 - 0.1 * (turn - 1)) if correct else 0.0


def frame_iou(shown: Sequence[int], relevant: Sequence[int]) -> float:
    """|A ∩ B| / |A ∪ B| of two index sets; two empty sets give 1."""
    a, b = set(shown), set(relevant)
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def spread(start: int, end: int, n: int) -> list[int]:
    """``numpy.linspace(start, end, n, dtype=int)`` without numpy: evenly spaced, truncated."""
    if n <= 1:
        return [start]
    step = (end - start) / (n - 1)
    return [int(start + i * step) if i < n - 1 else end for i in range(n)]


# ----------------------------------------------------------------------------- trajectory rewards
def answer_gate(rewards: Sequence[float], *, ended_with_answer: bool = True, faithful: bool = False,
                bonus: float = 0.5, threshold: float = GATE_THRESHOLD) -> list[float]:
    """Remove retrieve bonuses from a trajectory whose answer earned less than ``threshold``.

    Faithful: with at least 2 positive turns, the last positive reward is "the answer"; if it is
    below 0.5, every earlier positive turn above 0.5 loses ``bonus``. Fixed: when the trajectory
    did not end on a valid answer, the answer reward is 0 and every earlier turn above 0.5 loses
    the bonus (the original keeps them: its bug).
    """
    out = [float(r) for r in rewards]
    pos = [i for i, r in enumerate(out) if r > 0]
    if faithful or ended_with_answer:
        if len(pos) < 2 or out[pos[-1]] >= threshold:
            return out
        earlier = pos[:-1]
    else:
        earlier = pos
    for i in earlier:
        if out[i] > threshold:
            out[i] -= bonus
    return out


def tool_use_bootstrap(batch: Sequence[Sequence[float]], *, bonus: float = 0.5, ratio_threshold: float = 0.5,
                       cold_start_threshold: float = 0.1) -> tuple[list[list[float]], float]:
    """Batch-level tool-use bonus (after the gate); returns (new rewards, tool-use ratio).

    ratio = #trajectories with more than one positive turn / #trajectories with any positive turn.
    Below 0.5, every positive turn but the last of each multi-positive trajectory gets + ``bonus``,
    and another + ``bonus`` below 0.1. Not answer-gated, as in the original.
    """
    rows = [[float(r) for r in traj] for traj in batch]
    any_pos = sum(1 for r in rows if any(x > 0 for x in r))
    multi = sum(1 for r in rows if sum(1 for x in r if x > 0) > 1)
    ratio = multi / any_pos if any_pos else 0.0
    if ratio < ratio_threshold:
        add = bonus * (2 if ratio < cold_start_threshold else 1)
        for r in rows:
            pos = [i for i, x in enumerate(r) if x > 0]
            if len(pos) > 1:
                for i in pos[:-1]:
                    r[i] += add
    return rows, ratio


# ----------------------------------------------------------------------------- the episode
@dataclass
class Problem:
    """What the episode asks: question, options (texts without letters), GT answer, problem type."""

    question: str
    options: list[str]
    answer: str
    ptype: str

    @classmethod
    def from_record(cls, record: SampleRecord) -> Problem:
        if record.task not in ("mcq", "grounded_qa", "open_qa"):
            raise RecordError(f"Video-MTR needs a question task (mcq, grounded_qa, open_qa), got {record.task!r}",
                              field="task")
        if record.answer is None:
            raise RecordError("Video-MTR needs the answer", field="answer")
        return cls(record.query, list(record.options), record.answer,
                   problem_type(record.task, record.answer, record.meta))


@dataclass
class Turn:
    """One step: the response, its parsed action, the frames it showed and its reward parts."""

    turn: int
    response: str
    action: str
    content: str
    error: str
    shown: list[int]
    iou: float | None
    reward: float
    parts: dict[str, float] = field(default_factory=dict)
    correct: bool | None = None


class Episode:
    """Video-MTR's turn logic on a frame pool of ``pool_size`` indices; no video needed.

    ``relevant`` is ``meta["relevant_sample_frames"]`` (None when the record has none: no frame
    reward). Used by :class:`VideoMTREnv` and to replay a trajectory from its responses.
    """

    def __init__(self, problem: Problem, pool_size: int, relevant: Sequence[int] | None = None,
                 config: MTRConfig | None = None) -> None:
        if pool_size < 1:
            raise ValueError(f"pool_size must be >= 1, got {pool_size}")
        self.problem = problem
        self.pool_size = pool_size
        self.relevant = None if relevant is None else [int(i) for i in relevant]
        self.config = config or MTRConfig()
        self.initial = spread(0, pool_size - 1, self.config.init_frames)
        self.ious: dict[int, float] = {}
        if self.relevant is not None:
            self.ious[0] = frame_iou(self.initial, self.relevant)
        self.turns: list[Turn] = []
        self.done = False
        self.success = False

    @property
    def turn_number(self) -> int:
        return len(self.turns)

    def step(self, text: Any) -> Turn:
        """Play one response; returns its :class:`Turn` (reward before the trajectory gate)."""
        if self.done:
            raise RuntimeError("the episode is over; reset the environment")
        cfg, k = self.config, len(self.turns) + 1
        act = parse_action(text, self.pool_size)
        response = text if isinstance(text, str) else ""
        parts: dict[str, float] = {"format": 0.0, "frame": 0.0, "answer": 0.0, "final_frame": 0.0}
        shown: list[int] = []
        iou = None
        correct = None
        kind, error = act.kind, act.error
        if kind == "answer" and not answer_valid(act.content, self.problem.ptype, len(self.problem.options)):
            kind, error = "invalid", f"answer {act.content[:40]!r} is not valid for a {self.problem.ptype} question. "
        if kind == "retrieve":
            assert act.start is not None and act.end is not None
            parts["format"] = cfg.format_reward
            shown = spread(act.start, act.end, min(act.end - act.start + 1, cfg.max_turn_frames))
            if self.relevant is not None:
                iou = frame_iou(shown, self.relevant)
                prev = max(t for t in self.ious)  # latest earlier turn with an IoU
                if cfg.step_frame_reward and iou > self.ious[prev] + IOU_EPS:
                    parts["frame"] = cfg.frame_reward
                self.ious[k] = iou
        elif kind == "answer":
            parts["format"] = cfg.format_reward
            correct = answer_correct(act.content, self.problem.answer, self.problem.ptype, faithful=cfg.faithful)
            parts["answer"] = answer_reward(correct, k)
            self.success = parts["answer"] > 0
            if cfg.final_frame_reward and parts["answer"] > 0 and self.ious:
                first, last = self.ious[0], self.ious[max(self.ious)]
                if last > first + IOU_EPS:
                    parts["final_frame"] = cfg.frame_reward
                elif last < first - IOU_EPS:
                    parts["final_frame"] = -cfg.frame_reward
            self.done = True
        turn = Turn(k, response, kind, act.content, error, shown, iou, sum(parts.values()), parts, correct)
        self.turns.append(turn)
        if k >= cfg.max_turns:
            self.done = True
        return turn

    @property
    def ended_with_answer(self) -> bool:
        return bool(self.turns) and self.turns[-1].action == "answer"

    def turn_rewards(self, *, gated: bool = True) -> list[float]:
        """Each turn's reward, after the answer gate unless ``gated=False``."""
        raw = [t.reward for t in self.turns]
        if not gated:
            return raw
        return answer_gate(raw, ended_with_answer=self.ended_with_answer, faithful=self.config.faithful,
                           bonus=self.config.frame_reward)

    def final_answer(self) -> str | None:
        return self.turns[-1].content if self.ended_with_answer else None

    def summary(self) -> dict[str, Any]:
        """JSON-able log: turns, rewards (raw and gated), success, answer, pool size."""
        return {"pool_size": self.pool_size, "problem_type": self.problem.ptype, "answer": self.final_answer(),
                "gt": self.problem.answer, "success": self.success, "faithful": self.config.faithful,
                "turn_rewards": self.turn_rewards(),
                "raw_turn_rewards": self.turn_rewards(gated=False), "initial": self.initial,
                "turns": [asdict(t) for t in self.turns]}


def replay(problem: Problem, pool_size: int, responses: Sequence[Any], relevant: Sequence[int] | None = None,
           config: MTRConfig | None = None) -> Episode:
    """An :class:`Episode` played through ``responses`` (extra responses after the end are ignored)."""
    ep = Episode(problem, pool_size, relevant, config)
    for r in responses:
        if ep.done:
            break
        ep.step(r)
    return ep


# ----------------------------------------------------------------------------- the video environment
@dataclass
class Observation:
    """What the model sees next: ``text`` with one ``<image>`` placeholder per frame, the frames
    (uint8 ``[n, H, W, 3]``, None when the turn shows none), their pool indices, their times in
    seconds on the record's clock and their frame indices in the video file."""

    text: str
    frames: Any = None
    indices: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    video_frames: list[int] = field(default_factory=list)

    IMAGE = "<image>"

    def content(self) -> list[dict[str, Any]]:
        """Chat-message content: text pieces and ``{"type": "image", "image": PIL.Image}`` parts."""
        parts: list[dict[str, Any]] = []
        pieces = self.text.split(self.IMAGE)
        images = [] if self.frames is None else frames_to_pil(self.frames)
        for i, piece in enumerate(pieces):
            if piece:
                parts.append({"type": "text", "text": piece})
            if i < len(pieces) - 1:
                parts.append({"type": "image", "image": images[i]})
        return parts


def frames_to_pil(frames: Any) -> list[Any]:
    from PIL import Image

    return [Image.fromarray(f) for f in frames]


@dataclass
class StepResult:
    observation: Observation
    reward: float
    done: bool
    info: dict[str, Any]


def relevant_from_meta(record: SampleRecord, config: MTRConfig) -> list[int] | None:
    """``meta["relevant_sample_frames"]`` checked against ``meta["relevant_frames_setting"]``."""
    meta = record.meta or {}
    if "relevant_sample_frames" not in meta:
        return None
    rel = meta["relevant_sample_frames"]
    if not isinstance(rel, list) or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in rel):
        raise RecordError(f"must be a list of non-negative integers, got {rel!r}"[:200],
                          field="meta.relevant_sample_frames")
    setting = meta.get("relevant_frames_setting")
    if isinstance(setting, Mapping):
        mine = config.setting()
        clash = {k: setting[k] for k in mine if k in setting and setting[k] != mine[k]}
        if clash:
            raise RecordError(f"the relevant frames were computed for {dict(setting)}, but the env samples "
                              f"{mine}: recompute them for this setting", field="meta.relevant_frames_setting")
    return rel


def pool_request(duration: float, config: MTRConfig) -> dict[str, Any]:
    """Sampler arguments of the frame pool: ``fps`` while it gives at most ``max_video_frames``
    frames, else ``nframes = max_video_frames`` (exactly ``1 / fps`` apart, see the sampler)."""
    if math.ceil(duration * config.fps - 1e-9) <= config.max_video_frames:
        return {"fps": config.fps}
    return {"nframes": config.max_video_frames}


class VideoMTREnv:
    """The Video-MTR environment on one record at a time (see the module docstring).

    >>> env = VideoMTREnv(MTRConfig())
    >>> obs = env.reset(record, video_dir="videos")          # doctest: +SKIP
    >>> res = env.step("<think>..</think><retrieve>3, 9</retrieve>")  # doctest: +SKIP
    """

    def __init__(self, config: MTRConfig | None = None, *, video_dir: str | Path | None = None,
                 cache: Any = None) -> None:
        self.config = config or MTRConfig()
        self.video_dir = video_dir
        self.cache = cache
        self.record: SampleRecord | None = None
        self.episode: Episode | None = None
        self.frames: Any = None
        self.times: list[float] = []
        self.video_frames: list[int] = []

    # -- episode control
    def reset(self, record: SampleRecord | Sequence[SampleRecord], seed: int | None = None) -> Observation:
        """Start an episode on ``record`` (or, as the original, on ``records[seed % len]``)."""
        from videorl.record import resolve_video
        from videorl.video import sample_frames

        if not isinstance(record, SampleRecord):
            records = list(record)
            if not records:
                raise ValueError("no records to reset on")
            record = records[(seed or 0) % len(records)]
        cfg = self.config
        problem = Problem.from_record(record)
        relevant = relevant_from_meta(record, cfg)
        path = resolve_video(record, self.video_dir)
        clip = record.clip
        length = record.view_duration
        frames, meta = sample_frames(path, clip=clip, max_pixels=cfg.max_pixels, backend=cfg.backend,
                                     cache=self.cache, **pool_request(length, cfg))
        self.record, self.frames = record, frames
        off = record.view_offset
        self.times = [round(t - off, 6) for t in meta.timestamps]
        self.video_frames = list(meta.frame_indices)
        if relevant is not None and any(i >= len(frames) for i in relevant):
            raise RecordError(f"relevant_sample_frames {relevant} index past the {len(frames)} pool frames",
                              field="meta.relevant_sample_frames")
        self.episode = Episode(problem, len(frames), relevant, cfg)
        log.debug("%s: pool of %d frames, relevant %s", record.id, len(frames), relevant)
        return self._observe(self.episode.initial, notice="")

    def step(self, text: Any) -> StepResult:
        """Play one model response (any text; never raises on it)."""
        if self.episode is None:
            raise RuntimeError("call reset() first")
        ep = self.episode
        turn = ep.step(text)
        if turn.action == "retrieve":
            obs = self._observe(turn.shown, notice="")
        elif turn.action == "answer":
            obs = Observation("You have provided your answer. The episode is over.")
        else:
            obs = self._observe([], notice=f"Your previous response was invalid: {turn.error}"
                                           "Please answer in the required format.\n")
        info = {"turn": turn.turn, "action": turn.action, "content": turn.content, "shown": turn.shown,
                "iou": turn.iou, "parts": dict(turn.parts), "success": ep.success, "correct": turn.correct}
        if ep.done:
            info["turn_rewards"] = ep.turn_rewards()
        return StepResult(obs, turn.reward, ep.done, info)

    # -- observation text
    def system_prompt(self) -> str:
        n = self.config.max_turns
        return (f"You analyse videos to answer a question, in at most {n} turns. Each turn, think inside "
                "<think> </think>, then either answer inside <answer> </answer>, or ask for more frames of a "
                "segment with <retrieve>start_frame, end_frame</retrieve> (frame indices as listed). "
                "Retrieve only when details are missing.")

    def _observe(self, indices: Sequence[int], notice: str) -> Observation:
        assert self.episode is not None
        ep, cfg = self.episode, self.config
        k = ep.turn_number + 1
        last = k >= cfg.max_turns
        n = ep.pool_size
        lines = [f"{notice}Turn {k}/{cfg.max_turns}"]
        if indices:
            lines.append(f"You are given {len(indices)} frames of the video ({n} frames in all, indices 0 to "
                         f"{n - 1}); each line gives a frame index and its time in seconds:")
            lines += [f"frame_idx:{i} time:{self.times[i]:.3f}s {Observation.IMAGE}" for i in indices]
        else:
            lines.append(f"Use the frames you were shown before ({n} frames in all, indices 0 to {n - 1}).")
        lines.append(f"Question: {ep.problem.question}")
        if ep.problem.ptype == MC:
            lines += ["Options:"] + [f"{LETTERS[j]}. {o}" for j, o in enumerate(ep.problem.options)]
        if last:
            lines.append("This is the last turn: you must answer now. Format: <think>...</think><answer>...</answer>")
        else:
            lines.append("Retrieve more frames or answer. Format: <think>...</think><answer>...</answer> or "
                         f"<think>...</think><retrieve>start_frame, end_frame</retrieve> (integers 0 to {n - 1})")
        lines.append(TYPE_INSTRUCTIONS[ep.problem.ptype])
        frames = self.frames[list(indices)] if indices else None
        return Observation("\n".join(lines), frames, list(indices), [self.times[i] for i in indices],
                           [self.video_frames[i] for i in indices])


# ----------------------------------------------------------------------------- evaluation
