"""The Video-MTR episode (:class:`Episode`: turn logic on a frame pool, no video needed) and the
video environment (:class:`VideoMTREnv`: the frame pool, observations with exact frame times)."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from videorl.envs.video_mtr.config import IOU_EPS, MC, TYPE_INSTRUCTIONS, MTRConfig
from videorl.envs.video_mtr.parse import answer_correct, answer_valid, parse_action, problem_type
from videorl.envs.video_mtr.rewards import answer_gate, answer_reward, frame_iou
from videorl.record import LETTERS, RecordError, SampleRecord

log = logging.getLogger(__name__)


def spread(start: int, end: int, n: int) -> list[int]:
    """``numpy.linspace(start, end, n, dtype=int)`` without numpy: evenly spaced, truncated."""
    if n <= 1:
        return [start]
    step = (end - start) / (n - 1)
    return [int(start + i * step) if i < n - 1 else end for i in range(n)]



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
        act = parse_action(text, self.pool_size, faithful=cfg.faithful)
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
            parts["answer"] = answer_reward(correct, k, self.problem.ptype, faithful=cfg.faithful)
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


def _pool_targets(clip_start: float, clip_end: float, duration: float, config: MTRConfig) -> Any:
    from videorl.video import sizing

    targets, _ = sizing.target_times(clip_start, clip_end, **pool_request(duration, config))
    return targets


def pool_frame_times(path: str | Path, record: SampleRecord, config: MTRConfig) -> tuple[list[int], list[float]]:
    """File frame indices and video times of the frames in ``record``'s pool, without decoding.

    The pool is the sampler's choice for :func:`pool_request` (each target time takes the nearest
    real frame) with **every** frame kept: no even-count rule, so second 40 of a 41 s video is in
    the pool. :class:`VideoMTREnv` decodes exactly these frames (a test checks both agree); the
    relevant-frames data tool (:mod:`videorl.data.relevant_frames`) indexes them.
    """
    from videorl.video import sizing
    from videorl.video.pyav_backend import read_timeline
    from videorl.video.sampler import _check_clip

    tl = read_timeline(Path(path))
    c0, c1 = _check_clip(Path(path), record.clip, tl.info.duration)
    idx = sizing.nearest_frames(tl.times, _pool_targets(c0, c1, record.view_duration, config))
    return [int(i) for i in idx], [round(float(tl.times[i]), 6) for i in idx]


def pool_frames(path: str | Path, record: SampleRecord, config: MTRConfig, cache: Any = None
                ) -> tuple[Any, list[int], list[float]]:
    """Decode ``record``'s pool: uint8 ``[N, H, W, 3]``, file frame indices, video times.

    The sampler (:func:`videorl.video.sample_frames`, cache and backends included) drops the last
    frame of an odd count, because a Qwen *video* needs pairs of frames (temporal patch 2). The pool
    is never shown as a video: each observation shows its frames as separate images, which the Qwen
    processors take one at a time. So an odd pool fetches its last frame with a second call, a clip
    that starts at that frame's target time, at the first call's frame size.
    """
    import numpy as np

    from videorl.video import sample_frames

    kw = {"max_pixels": config.max_pixels, "backend": config.backend, "cache": cache}
    frames, meta = sample_frames(path, clip=record.clip, **kw, **pool_request(record.view_duration, config))
    c0, c1 = (meta.clip[0], meta.clip[1]) if meta.clip else (0.0, meta.duration)
    targets = _pool_targets(c0, c1, record.view_duration, config)
    indices, times = list(meta.frame_indices), list(meta.timestamps)
    if len(targets) == 1:  # the sampler doubled a single frame
        return frames[:1], indices[:1], times[:1]
    if len(targets) == len(frames) + 1:
        last, lmeta = sample_frames(path, clip=[float(targets[-1]), c1], fps=config.fps,
                                    size=(meta.height, meta.width), backend=config.backend, cache=cache)
        frames = np.concatenate([frames, last[:1]])
        indices.append(lmeta.frame_indices[0])
        times.append(lmeta.timestamps[0])
    return frames, indices, times


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
        if not isinstance(record, SampleRecord):
            records = list(record)
            if not records:
                raise ValueError("no records to reset on")
            record = records[(seed or 0) % len(records)]
        cfg = self.config
        problem = Problem.from_record(record)
        relevant = relevant_from_meta(record, cfg)
        path = resolve_video(record, self.video_dir)
        frames, indices, times = pool_frames(path, record, cfg, self.cache)
        self.record, self.frames = record, frames
        off = record.view_offset
        self.times = [round(t - off, 6) for t in times]
        self.video_frames = indices
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

